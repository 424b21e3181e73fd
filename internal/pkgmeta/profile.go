package pkgmeta

import (
	"cmp"
	"slices"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Profile is a profile.yaml: the packages a profile requests.
type Profile struct {
	FormatVersion string // "1.0"; read as "1.0" when absent and written as "1.0" when empty
	Name          string
	Description   string
	// Packages, sorted by name (Parse and Marshal both sort); a name appears at most once.
	Packages []Request
}

// Request is one requested package of a profile.
type Request struct {
	Name       string
	Constraint version.Constraint
}

var profileKeys = []string{"format_version", "name", "description", "packages"}

// ParseProfile reads a profile.yaml. name is required; every package needs a name, and a package
// may be requested only once. Unknown keys are errors: upstream declares pins and preferences
// but never reads them, and silently ignoring them would lock something else than they say.
func ParseProfile(b []byte) (Profile, error) {
	root, err := parseDoc(b)
	if err != nil {
		return Profile{}, err
	}
	if root == nil {
		return Profile{}, &Error{Line: 1, Column: 1, Msg: "the profile is empty; it needs at least a name"}
	}
	fs, err := fields(root, "the profile")
	if err != nil {
		return Profile{}, err
	}
	p := Profile{FormatVersion: formatVersion}
	var haveName bool
	lines := map[string]int{}
	for _, f := range fs {
		var err error
		switch f.key {
		case "format_version":
			p.FormatVersion, err = readFormatVersion(f)
		case "name":
			p.Name, err = f.name()
			haveName = true
		case "description":
			p.Description, err = f.str()
		case "packages":
			items, lerr := f.list()
			if lerr != nil {
				return Profile{}, lerr
			}
			for i, it := range items {
				name, c, err := readEntry(it, "package", i)
				if err != nil {
					return Profile{}, err
				}
				if first, dup := lines[name]; dup {
					return Profile{}, errorf(it, "package %q is requested twice (first at line %d)", name, first)
				}
				lines[name] = it.Line
				p.Packages = append(p.Packages, Request{Name: name, Constraint: c})
			}
		default:
			err = unknownKey(f, "the profile", profileKeys)
		}
		if err != nil {
			return Profile{}, err
		}
	}
	if !haveName {
		return Profile{}, errorf(root, "the profile has no name")
	}
	sortRequests(p.Packages)
	return p, nil
}

func sortRequests(rs []Request) {
	slices.SortStableFunc(rs, func(a, b Request) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Constraint.String(), b.Constraint.String()))
	})
}

// Marshal writes profile.yaml in upstream's shape: format_version, name, description (when set),
// then packages sorted by name as `- name:` items with `version: "…"` and `constraint: …`.
// With no packages it writes `packages: []`.
func (p Profile) Marshal() []byte {
	var w writer
	fv := p.FormatVersion
	if fv == "" {
		fv = formatVersion
	}
	w.raw("", "format_version", quote(fv))
	w.kv("", "name", p.Name)
	if p.Description != "" {
		w.kv("", "description", p.Description)
	}
	if len(p.Packages) == 0 {
		w.WriteString("packages: []\n")
		return w.Bytes()
	}
	rs := slices.Clone(p.Packages)
	sortRequests(rs)
	w.WriteString("packages:\n")
	for _, r := range rs {
		w.entry(r.Name, r.Constraint)
	}
	return w.Bytes()
}

// Digest returns "sha256:<hex>" of p.Marshal(): what a lock records as profile_digest, so that a
// lock can tell whether it was resolved from the profile as it is now.
func (p Profile) Digest() string { return digest(p.Marshal()) }
