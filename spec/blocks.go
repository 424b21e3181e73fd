package spec

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Each block decoder returns what it could decode and adds a diagnostic for everything else.
// The result is used only for cross-block checks unless no errors are found at all.

func (d *decoder) store(b *hcl.Block) Store {
	s := Store{Mountpoint: DefaultMountpoint, DeclRange: b.DefRange, MountpointRange: b.DefRange}
	content, diags := b.Body.Content(storeSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["dataset"]; ok {
		s.DatasetRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			s.Dataset = v
			d.checkDataset(a, v)
		}
	}
	if a, ok := content.Attributes["mountpoint"]; ok {
		s.MountpointRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			s.Mountpoint = v
			d.checkMountpoint(a, v)
		}
	}
	return s
}

func (d *decoder) checkDataset(a *hcl.Attribute, name string) {
	err := zfs.ValidateDataset(name)
	if err == nil {
		return
	}
	reason := err.Error()
	var ze *zfs.Error
	if errors.Is(err, zfs.ErrInvalidName) && errors.As(err, &ze) && ze.Err != nil {
		reason = ze.Err.Error() // the reason alone: the detail names the dataset already
	}
	d.errorAt(a.Expr.Range(), &a.Range, "Invalid dataset name",
		fmt.Sprintf("%q is not a valid ZFS dataset name: %s. The store dataset is the root of the Axiom tree, for example \"zroot/axiom\".", name, reason))
}

func (d *decoder) checkMountpoint(a *hcl.Attribute, mp string) {
	var problem string
	switch {
	case mp == "none" || mp == "legacy":
		problem = fmt.Sprintf("the store must be mounted by ZFS at a path, so %q is not supported", mp)
	case strings.IndexFunc(mp, unicode.IsControl) >= 0:
		problem = "it contains a control character"
	case strings.IndexFunc(mp, notMountpointChar) >= 0:
		c, _ := utf8.DecodeRuneInString(mp[strings.IndexFunc(mp, notMountpointChar):])
		problem = fmt.Sprintf("it contains %q; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties", c)
	case !path.IsAbs(mp):
		problem = "it is not an absolute path"
	case path.Clean(mp) == "/":
		problem = "the store cannot be mounted over the root directory"
	case path.Clean(mp) != mp:
		// Not rewritten silently: "..", "." and doubled or trailing slashes are refused with
		// the clean form as the suggestion, so the path in the file is the path ZFS shows.
		problem = fmt.Sprintf("it is not clean (did you mean %q?)", path.Clean(mp))
	default:
		return
	}
	d.errorAt(a.Expr.Range(), &a.Range, "Invalid mountpoint",
		fmt.Sprintf("mountpoint must be an absolute, clean path such as %q; %q is not: %s.", DefaultMountpoint, mp, problem))
}

func (d *decoder) source(b *hcl.Block, fileDir string) Source {
	s := Source{Name: b.Labels[0], DeclRange: b.DefRange, NameRange: b.LabelRanges[0], SignaturesRange: b.DefRange}
	d.checkName("source", b)
	content, diags := b.Body.Content(sourceSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["path"]; ok {
		s.PathRange = a.Expr.Range()
		if p, ok := d.stringAttr(a); ok {
			switch {
			case p == "":
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid source path",
					"path must name a directory of packages; relative paths are resolved against the directory of this file.")
			case filepath.IsAbs(p):
				s.Path = filepath.Clean(p)
			default:
				s.Path = filepath.Join(fileDir, p)
			}
		}
	}
	d.trust(&s, content, fileDir)
	return s
}

func (d *decoder) profile(b *hcl.Block) Profile {
	p := Profile{Name: b.Labels[0], DeclRange: b.DefRange, NameRange: b.LabelRanges[0], DescriptionRange: b.DefRange}
	d.checkName("profile", b)
	content, diags := b.Body.Content(profileSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["description"]; ok {
		p.DescriptionRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			p.Description = v
			if strings.IndexFunc(v, unicode.IsControl) >= 0 {
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid description",
					"description must be a single line without control characters: Axiom's profile.yaml has no multi-line values.")
			}
		}
	}
	first := map[string]hcl.Range{}
	for _, pb := range content.Blocks {
		pkg := d.pkg(pb, p.Name)
		if r, dup := first[pkg.Name]; dup {
			d.errorAt(pb.LabelRanges[0], nil, "Duplicate package",
				fmt.Sprintf("Profile %q already requests package %q at %s. Request each package once, with one version constraint.", p.Name, pkg.Name, where(r)))
		} else {
			first[pkg.Name] = pb.DefRange
		}
		p.Packages = append(p.Packages, pkg)
	}
	return p
}

func (d *decoder) pkg(b *hcl.Block, profile string) Package {
	p := Package{Name: b.Labels[0], Constraint: version.AnyVersion, DeclRange: b.DefRange, NameRange: b.LabelRanges[0],
		ConstraintRange: b.DefRange, AllowSetIDRange: b.DefRange}
	d.checkName("package", b)
	content, diags := b.Body.Content(packageSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["version"]; ok {
		p.ConstraintRange = a.Expr.Range()
		if s, ok := d.stringAttrHint(a, versionHint); ok {
			c, err := version.ParseConstraint(s)
			switch {
			case err != nil:
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid version constraint", fmt.Sprintf("%s.\n\n%s", upperFirst(err.Error()), constraintHelp))
			case !c.Satisfiable():
				canonical := ""
				if c.String() != s {
					canonical = fmt.Sprintf(" (%s)", c)
				}
				d.warningAt(a.Expr.Range(), &a.Range, "Version constraint admits no version",
					fmt.Sprintf("No version satisfies %q%s: its lower bound is above its upper bound, or no version lies between them. Profile %q cannot be resolved while it requests package %q with this constraint.",
						s, canonical, profile, p.Name))
			}
			p.Constraint = c
		}
	}
	if a, ok := content.Attributes["allow_setuid"]; ok {
		p.AllowSetIDRange = a.Expr.Range()
		if v, ok := d.boolAttr(a); ok {
			p.AllowSetID = v
		}
	}
	return p
}

// versionHint suggests quoting a version written as a number, showing it as written: without
// quotes 2.40 is the number 2.4, which as a version is 2.4.0, not 2.40.0.
func versionHint(v cty.Value, src string) string {
	h := quoteHint(v, src)
	if h == "" || v.Type() != cty.Number {
		return h
	}
	if n := v.AsBigFloat().Text('f', -1); n != src {
		h += fmt.Sprintf(" Without quotes, %s is the number %s, and would be read as the version %s.", src, n, n)
	}
	return h + " Version constraints are strings."
}

const constraintHelp = `A version constraint is one of: an exact version ("5.2.21"); "~X.Y.Z", same major and minor ("~13.2" admits 13.2.0 up to 13.3.0); "^X.Y.Z", same major ("^5.0.0" admits 5.0.0 up to 6.0.0); a comma-separated range of >=, >, <=, < terms (">=1.0.0,<2.0.0"); or "*" for any version. Versions have one to three decimal numbers.`

func (d *decoder) environment(b *hcl.Block) Environment {
	e := Environment{
		Name:                 b.Labels[0],
		ConflictPolicy:       ConflictError,
		ConflictPolicyRange:  b.DefRange,
		KeepGenerations:      DefaultKeepGenerations,
		KeepGenerationsRange: b.DefRange,
		PreventDestroyRange:  b.DefRange,
		DeclRange:            b.DefRange,
		NameRange:            b.LabelRanges[0],
	}
	d.checkName("environment", b)
	content, diags := b.Body.Content(environmentSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["profile"]; ok {
		e.ProfileRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			e.Profile = v
		} else {
			e.ProfileRange = hcl.Range{} // not a reference; nothing to check
		}
	}
	if a, ok := content.Attributes["conflict_policy"]; ok {
		e.ConflictPolicyRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			var names []string
			for _, p := range ConflictPolicies() {
				names = append(names, string(p))
			}
			if slices.Contains(names, v) {
				e.ConflictPolicy = ConflictPolicy(v)
			} else {
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid conflict policy",
					fmt.Sprintf("conflict_policy must be %s; got %q.%s", quotedList(names), v, didYouMean(v, names)))
			}
		}
	}
	if a, ok := content.Attributes["keep_generations"]; ok {
		e.KeepGenerationsRange = a.Expr.Range()
		if n, ok := d.intAttr(a, 1, "the current generation counts"); ok {
			e.KeepGenerations = n
		}
	}
	if a, ok := content.Attributes["prevent_destroy"]; ok {
		e.PreventDestroyRange = a.Expr.Range()
		if v, ok := d.boolAttr(a); ok {
			e.PreventDestroy = v
		}
	}
	return e
}

func (d *decoder) gc(b *hcl.Block) GC {
	g := GC{
		GracePeriod:      DefaultGracePeriod,
		MaxDeletes:       DefaultMaxDeletes,
		DeclRange:        b.DefRange,
		GracePeriodRange: b.DefRange,
		MaxDeletesRange:  b.DefRange,
	}
	content, diags := b.Body.Content(gcSchema())
	d.diags = append(d.diags, diags...)
	if a, ok := content.Attributes["grace_period"]; ok {
		g.GracePeriodRange = a.Expr.Range()
		if s, ok := d.stringAttrHint(a, durationHint); ok {
			dur, err := parseDuration(s)
			switch {
			case errors.Is(err, errNegativeDuration):
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid duration",
					fmt.Sprintf("grace_period %q is negative; it is how long a package must exist before GC may delete it, at least \"0s\" (no grace).", s))
			case err != nil:
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid duration", fmt.Sprintf("grace_period %v.", err))
			default:
				g.GracePeriod = dur
			}
		}
	}
	if a, ok := content.Attributes["max_deletes"]; ok {
		g.MaxDeletesRange = a.Expr.Range()
		if n, ok := d.intAttr(a, 0, "0 means GC deletes nothing"); ok {
			g.MaxDeletes = n
		}
	}
	return g
}

var wholeNumber = regexp.MustCompile(`^[0-9]+$`)

// durationHint explains that a duration is a string with units; a bare number has none.
func durationHint(v cty.Value, src string) string {
	if v.Type() != cty.Number {
		return ""
	}
	if wholeNumber.MatchString(src) {
		return fmt.Sprintf("A duration is a string with units, such as \"%ss\", \"24h\" or \"7d\".", src)
	}
	return "A duration is a string with units, such as \"30m\", \"24h\" or \"7d\"."
}

// checkName checks a block's name label with Axiom's rule for names of its kind: package names
// may contain '+' as well (axiomname.CheckPackage).
func (d *decoder) checkName(kind string, b *hcl.Block) {
	if err := checkNameOf(kind, b.Labels[0]); err != nil {
		chars := "letters, digits, '.', '_' and '-'"
		if kind == "package" {
			chars = "letters, digits, '.', '_', '+' and '-'"
		}
		d.errorAt(b.LabelRanges[0], nil, fmt.Sprintf("Invalid %s name", kind),
			fmt.Sprintf("%s. %s names may use %s, are 1 to %d bytes long, do not begin with a dot or '-' and are not one of %s.",
				upperFirst(err.Error()), upperFirst(kind), chars, axiomname.MaxLen, quotedList(axiomname.Reserved)))
	}
}

// checkNameOf checks name as a name of the given kind of block.
func checkNameOf(kind, name string) error {
	if kind == "package" {
		return axiomname.CheckPackage(name)
	}
	return axiomname.Check(name)
}

// where formats a range's start as file:line:column, as diagnostics print their own location.
func where(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// notMountpointChar reports a character the store's mountpoint may not contain: anything but
// ASCII letters and digits and . _ - + : @ , = /, none of which a shell or ZFS treats specially.
func notMountpointChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("._-+:@,=/", r)
}
