package pkgmeta

import (
	"bytes"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Manifest is a package's manifest.yaml.
type Manifest struct {
	FormatVersion string // "1.0"; read as "1.0" when absent and written as "1.0" when empty
	Name          string
	Version       version.Version
	Revision      uint32
	Description   string
	License       string
	Homepage      string
	Maintainer    string
	Origin        string // FreeBSD port origin, e.g. devel/autoconf
	Tags          []string
	Provides      []string // virtual names
	Conflicts     []Relation
	Replaces      []Relation
	// Extra holds the top-level keys this package does not interpret (kernel:, services:,
	// outputs:, …), sorted by key, so that nothing a package declared is lost when its manifest
	// is written again.
	Extra []Field
}

// Relation is an entry of a manifest's conflicts: or replaces: list, written upstream's way as
// "name" (every version) or "name<op>version" with op one of >= <= > < ~ ^ =.
type Relation struct {
	Name       string
	Constraint version.Constraint
}

// Field is a top-level manifest key that this package keeps without interpreting it.
type Field struct {
	Key string
	// Value is the key's value, normalised: no comments, no source positions, styles chosen by
	// the encoder. Decode it with Value.Decode.
	Value *yaml.Node
}

// value is f.Value, with nil meaning null.
func (f Field) value() *yaml.Node {
	if f.Value == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return f.Value
}

// ParseManifest reads a manifest.yaml. name and version are required; unknown top-level keys go
// to Extra.
func ParseManifest(b []byte) (Manifest, error) {
	root, err := parseDoc(b)
	if err != nil {
		return Manifest{}, err
	}
	if root == nil {
		return Manifest{}, &Error{Line: 1, Column: 1, Msg: "the manifest is empty; it needs at least name and version"}
	}
	fs, err := fields(root, "the manifest")
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{FormatVersion: formatVersion}
	var haveName, haveVersion bool
	for _, f := range fs {
		var err error
		switch f.key {
		case "format_version":
			m.FormatVersion, err = readFormatVersion(f)
		case "name":
			m.Name, err = f.packageName()
			haveName = true
		case "version":
			m.Version, err = f.version()
			haveVersion = true
		case "revision":
			m.Revision, err = f.uint32()
		case "description":
			m.Description, err = f.str()
		case "license":
			m.License, err = f.str()
		case "homepage":
			m.Homepage, err = f.str()
		case "maintainer":
			m.Maintainer, err = f.str()
		case "origin":
			m.Origin, err = f.str()
		case "tags":
			m.Tags, err = f.strList()
		case "provides":
			m.Provides, err = nameList(f)
		case "conflicts":
			m.Conflicts, err = relationList(f)
		case "replaces":
			m.Replaces, err = relationList(f)
		default:
			m.Extra = append(m.Extra, Field{Key: f.key, Value: normalize(f.valNode)})
		}
		if err != nil {
			return Manifest{}, err
		}
	}
	switch {
	case !haveName:
		return Manifest{}, errorf(root, "the manifest has no name")
	case !haveVersion:
		return Manifest{}, errorf(root, "the manifest has no version")
	}
	slices.SortStableFunc(m.Extra, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	return m, nil
}

// nameList reads a list of package names (provides).
func nameList(f field) ([]string, error) {
	items, err := f.list()
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := itemField(f.key, i, it).packageName()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func relationList(f field) ([]Relation, error) {
	items, err := f.list()
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]Relation, 0, len(items))
	for i, it := range items {
		itf := itemField(f.key, i, it)
		s, err := itf.required()
		if err != nil {
			return nil, err
		}
		r, err := ParseRelation(s)
		if err != nil {
			return nil, wrapf(it, err, "invalid %s", itf.key)
		}
		out = append(out, r)
	}
	return out, nil
}

// relationOpChars are the characters upstream's relation operators (>= <= > < ~ ^ =) are made
// of. None can occur in a package name, so the operator starts at the first of them; for every
// valid relation that is the operator upstream finds.
const relationOpChars = "<>=~^"

// ParseRelation parses upstream's relation syntax: "name" (every version) or "name<op>version"
// where op is the first of >= <= > < ~ ^ = found. >= and > give a lower bound, <= and < an upper
// bound, ~ and ^ tilde and caret, = an exact version. As with every constraint here, a range of
// several comma-separated terms ("name>=1.0,<2.0") is accepted too.
func ParseRelation(s string) (Relation, error) {
	s = strings.TrimSpace(s)
	cut := strings.IndexAny(s, relationOpChars)
	if cut < 0 {
		cut = len(s)
	}
	name := strings.TrimSpace(s[:cut])
	if err := axiomname.CheckPackage(name); err != nil {
		return Relation{}, err
	}
	rest := strings.TrimSpace(s[cut:])
	if rest == "" {
		return Relation{Name: name}, nil
	}
	var (
		c   version.Constraint
		err error
	)
	if rest[0] == '=' {
		c, err = version.ParseConstraintKind(version.Exact, rest[1:])
	} else {
		c, err = version.ParseConstraint(rest)
	}
	if err != nil {
		return Relation{}, err
	}
	return Relation{Name: name, Constraint: c}, nil
}

// String writes r in upstream's syntax: "name" for every version, "name=1.2.3" for an exact
// version, otherwise the name followed by the constraint ("name>=1.0.0", "name^5.0.0").
func (r Relation) String() string {
	switch r.Constraint.Kind() {
	case version.Any:
		return r.Name
	case version.Exact:
		return r.Name + "=" + r.Constraint.String()
	}
	return r.Name + r.Constraint.String()
}

// Marshal writes the manifest in upstream's shape and key order (format_version first, then
// name, version, revision, description, license, homepage, maintainer, origin, tags, then
// provides, conflicts and replaces, which upstream's store writer drops, then Extra by key).
// version is written unquoted, because upstream's manifest reader does not unquote; empty
// optional fields are left out.
func (m Manifest) Marshal() []byte {
	var w writer
	fv := m.FormatVersion
	if fv == "" {
		fv = formatVersion
	}
	w.kv("", "format_version", fv)
	w.kv("", "name", m.Name)
	w.raw("", "version", m.Version.String())
	w.raw("", "revision", u32(m.Revision))
	for _, kv := range [][2]string{
		{"description", m.Description}, {"license", m.License}, {"homepage", m.Homepage},
		{"maintainer", m.Maintainer}, {"origin", m.Origin},
	} {
		if kv[1] != "" {
			w.kv("", kv[0], kv[1])
		}
	}
	w.list("tags", m.Tags)
	w.list("provides", m.Provides)
	w.list("conflicts", relationStrings(m.Conflicts))
	w.list("replaces", relationStrings(m.Replaces))
	extra := slices.Clone(m.Extra)
	slices.SortStableFunc(extra, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	for _, f := range extra {
		w.Write(encodeField(f.Key, f.value()))
	}
	return w.Bytes()
}

func relationStrings(rs []Relation) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// Equal reports whether m and o hold the same manifest, comparing Extra values by their YAML
// encoding rather than by node identity.
func (m Manifest) Equal(o Manifest) bool {
	a, b := m, o
	a.Extra, b.Extra = nil, nil
	if !equalPlain(a, b) || len(m.Extra) != len(o.Extra) {
		return false
	}
	for i := range m.Extra {
		if m.Extra[i].Key != o.Extra[i].Key ||
			!bytes.Equal(encodeField("x", m.Extra[i].value()), encodeField("x", o.Extra[i].value())) {
			return false
		}
	}
	return true
}

// equalPlain compares manifests without Extra, treating nil and empty slices alike.
func equalPlain(a, b Manifest) bool {
	return a.FormatVersion == b.FormatVersion && a.Name == b.Name && a.Version == b.Version &&
		a.Revision == b.Revision && a.Description == b.Description && a.License == b.License &&
		a.Homepage == b.Homepage && a.Maintainer == b.Maintainer && a.Origin == b.Origin &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Provides, b.Provides) &&
		slices.Equal(a.Conflicts, b.Conflicts) && slices.Equal(a.Replaces, b.Replaces)
}

// normalize returns a copy of n without comments, source positions or presentation styles, so
// that a value read from any spelling is kept (and written) the same way. Null scalars lose their
// spelling (~, empty) and read as null; strings are quoted by the same rule as the known fields
// (strStyle).
func normalize(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value}
	switch {
	case isNull(n):
		c.Value = "null"
	case n.Kind == yaml.ScalarNode:
		c.Style = strStyle(n.Tag, n.Value)
	}
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			c.Content[i] = normalize(ch)
		}
	}
	return c
}

// strStyle is the style for a scalar in an Extra value: a string that plainSafe rejects is
// double-quoted, as the writer quotes known fields. (Left to itself yaml.v3 writes every
// multi-line string as a literal block, which it cannot read back when a line starts with a tab.)
func strStyle(tag, value string) yaml.Style {
	if tag == "!!str" && !plainSafe(value) {
		return yaml.DoubleQuotedStyle
	}
	return 0
}
