package debian

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Set is the packages converted together, against which relations are mapped (see the package
// documentation).
type Set struct {
	versions  map[string]Version  // real packages by name
	providers map[string][]string // virtual name → the packages that provide it
}

// NewSet indexes the control files of the packages converted together. Two packages of one name
// are an error: a set is a snapshot of one release, with one version of each.
func NewSet(ctrls []Control) (*Set, error) {
	s := &Set{versions: map[string]Version{}, providers: map[string][]string{}}
	for _, c := range ctrls {
		name, err := c.Package()
		if err != nil {
			return nil, err
		}
		v, err := c.Version()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if old, dup := s.versions[name]; dup {
			return nil, fmt.Errorf("%s appears twice in the set (%s and %s)", name, old, v)
		}
		s.versions[name] = v
		provides, err := c.Relations("Provides")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, group := range provides {
			for _, r := range group {
				s.providers[r.Name] = append(s.providers[r.Name], name)
			}
		}
	}
	return s, nil
}

// Has reports whether the set holds a package called name.
func (s *Set) Has(name string) bool { _, ok := s.versions[name]; return ok }

// Result is one package's Axiom metadata.
type Result struct {
	Manifest pkgmeta.Manifest
	Deps     pkgmeta.Deps
	// Notes lists every relation that was dropped or widened, and why, in field order. They are
	// also in the manifest's `debian:` mapping.
	Notes []string
}

// Map converts the control file of one package of the set to Axiom metadata.
func (s *Set) Map(c Control) (Result, error) {
	name, err := c.Package()
	if err != nil {
		return Result{}, err
	}
	dv, err := c.Version()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	av, rev, err := dv.Axiom()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	m := &mapper{set: s, self: name, bounds: map[string]*bounds{}}
	for _, field := range []string{"Pre-Depends", "Depends"} {
		if err := m.depends(c, field); err != nil {
			return Result{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	conflicts, err := m.conflicts(c)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	provides, err := m.provides(c)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	deps, err := m.deps()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	homepage, _ := c.Field("Homepage")
	maintainer, _ := c.Field("Maintainer")
	man := pkgmeta.Manifest{
		FormatVersion: "1.0", Name: name, Version: av, Revision: rev,
		Description: c.Synopsis(), Homepage: homepage, Maintainer: maintainer,
		Provides: provides, Conflicts: conflicts,
		Extra: []pkgmeta.Field{{Key: "debian", Value: debianNode(c, dv, m.notes)}},
	}
	if section, ok := c.Field("Section"); ok {
		man.Tags = []string{section}
	}
	return Result{Manifest: man, Deps: deps, Notes: m.notes}, nil
}

// mapper collects one package's relations.
type mapper struct {
	set    *Set
	self   string
	bounds map[string]*bounds // dependencies by name
	order  []string           // dependency names in the order first met
	notes  []string
}

// bounds is what the dependencies on one name demand, each bound inclusive.
type bounds struct {
	lo, hi *version.Version
}

func (m *mapper) note(format string, args ...any) {
	m.notes = append(m.notes, fmt.Sprintf(format, args...))
}

// depends maps a Depends or Pre-Depends field into m.bounds.
func (m *mapper) depends(c Control, field string) error {
	groups, err := c.Relations(field)
	if err != nil {
		return err
	}
	for _, group := range groups {
		m.dependOn(field, group)
	}
	return nil
}

// dependOn maps one group of alternatives: the first the set has and satisfies.
func (m *mapper) dependOn(field string, group []Relation) {
	text := groupString(group)
	var unsatisfied []string
	for _, r := range group {
		if r.Name == m.self || slices.Contains(m.set.providers[r.Name], m.self) {
			m.note("%s: %s: a dependency on itself, dropped", field, text)
			return
		}
		have, real := m.set.versions[r.Name]
		switch {
		case real && r.Admits(have):
			m.requireReal(field, text, r, have)
			return
		case real:
			unsatisfied = append(unsatisfied, r.Name+" "+have.String())
		case len(m.set.providers[r.Name]) > 0:
			if r.Op != None {
				m.note("%s: %s: %s is a virtual package here (provided by %s), so any version",
					field, text, r.Name, strings.Join(m.set.providers[r.Name], ", "))
			}
			m.require(r.Name, nil, nil)
			return
		}
	}
	if len(unsatisfied) > 0 {
		m.note("%s: %s: dropped, the set's %s does not satisfy it", field, text, strings.Join(unsatisfied, ", "))
		return
	}
	m.note("%s: %s: dropped, not in the set", field, text)
}

// requireReal adds a dependency on r, which the set's version have of r.Name satisfies.
func (m *mapper) requireReal(field, text string, r Relation, have Version) {
	if r.Op == None {
		m.require(r.Name, nil, nil)
		return
	}
	lo, hi, err := axiomBounds(r)
	haveAx, _, herr := have.Axiom()
	if err == nil && herr == nil && (lo == nil || lo.Compare(haveAx) <= 0) && (hi == nil || hi.Compare(haveAx) >= 0) {
		m.require(r.Name, lo, hi)
		return
	}
	m.note("%s: %s: kept with any version, since the mapped bound would refuse the set's %s %s", field, text, r.Name, have)
	m.require(r.Name, nil, nil)
}

// axiomBounds maps r's version bound to inclusive Axiom bounds (strict ones made inclusive).
func axiomBounds(r Relation) (lo, hi *version.Version, err error) {
	v, _, err := r.Version.Axiom()
	if err != nil {
		return nil, nil, err
	}
	switch r.Op {
	case GreatEq, Greater:
		return &v, nil, nil
	case LessEq, Less:
		return nil, &v, nil
	case Equal:
		return &v, &v, nil
	}
	return nil, nil, nil
}

// require adds a dependency on name within [lo, hi] (nil: unbounded), merging with earlier ones.
func (m *mapper) require(name string, lo, hi *version.Version) {
	b, ok := m.bounds[name]
	if !ok {
		b = &bounds{}
		m.bounds[name] = b
		m.order = append(m.order, name)
	}
	if lo != nil && (b.lo == nil || lo.Compare(*b.lo) > 0) {
		b.lo = lo
	}
	if hi != nil && (b.hi == nil || hi.Compare(*b.hi) < 0) {
		b.hi = hi
	}
}

// deps writes the collected dependencies as deps.yaml entries.
func (m *mapper) deps() (pkgmeta.Deps, error) {
	var d pkgmeta.Deps
	slices.Sort(m.order)
	for _, name := range m.order {
		b := m.bounds[name]
		var text string
		switch {
		case b.lo != nil && b.hi != nil && *b.lo == *b.hi:
			text = b.lo.String()
		case b.lo != nil && b.hi != nil:
			text = ">=" + b.lo.String() + ",<=" + b.hi.String()
		case b.lo != nil:
			text = ">=" + b.lo.String()
		case b.hi != nil:
			text = "<=" + b.hi.String()
		}
		c, err := version.ParseConstraint(text)
		if err != nil {
			return pkgmeta.Deps{}, fmt.Errorf("dependency on %s: %w", name, err)
		}
		d.Dependencies = append(d.Dependencies, pkgmeta.Dependency{Name: name, Constraint: c})
	}
	return d, nil
}

// conflicts maps Conflicts and Breaks to the relations that hit a package of the set, and notes
// Replaces as dropped.
func (m *mapper) conflicts(c Control) ([]pkgmeta.Relation, error) {
	var out []pkgmeta.Relation
	for _, field := range []string{"Conflicts", "Breaks"} {
		groups, err := c.Relations(field)
		if err != nil {
			return nil, err
		}
		var absent []string
		for _, r := range slices.Concat(groups...) {
			have, real := m.set.versions[r.Name]
			switch {
			case r.Name == m.self:
				m.note("%s: %s: on itself, dropped", field, r)
			case !real:
				absent = append(absent, r.String())
			case !r.Admits(have):
				m.note("%s: %s: dropped, the set's %s %s is not hit", field, r, r.Name, have)
			case slices.ContainsFunc(out, func(x pkgmeta.Relation) bool { return x.Name == r.Name }):
			default:
				rel := pkgmeta.Relation{Name: r.Name}
				if r.Op != None {
					v, _, err := have.Axiom()
					if err != nil {
						return nil, fmt.Errorf("%s: %w", field, err)
					}
					rel.Constraint, err = version.ParseConstraintKind(version.Exact, v.String())
					if err != nil {
						return nil, err
					}
				}
				out = append(out, rel)
			}
		}
		if len(absent) > 0 {
			m.note("%s: %s: dropped, not in the set", field, strings.Join(absent, ", "))
		}
	}
	replaces, err := c.Relations("Replaces")
	if err != nil {
		return nil, err
	}
	if len(replaces) > 0 {
		var all []string
		for _, r := range slices.Concat(replaces...) {
			all = append(all, r.String())
		}
		m.note("Replaces: %s: dropped (in Debian it allows overwriting files; in Axiom it would exclude the replaced package)", strings.Join(all, ", "))
	}
	return out, nil
}

// provides lists the virtual names the package provides, without versions (Axiom's have none).
func (m *mapper) provides(c Control) ([]string, error) {
	groups, err := c.Relations("Provides")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range slices.Concat(groups...) {
		if r.Name != m.self && !slices.Contains(out, r.Name) {
			out = append(out, r.Name)
		}
	}
	return out, nil
}

func groupString(group []Relation) string {
	parts := make([]string, len(group))
	for i, r := range group {
		parts[i] = r.String()
	}
	return strings.Join(parts, " | ")
}

// debianNode is the manifest's `debian:` value: what the package was in Debian, and the notes.
func debianNode(c Control, v Version, notes []string) *yaml.Node {
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	name, _ := c.Package()
	n.Content = append(n.Content, str("package"), str(name), str("version"), str(v.String()))
	for _, f := range []string{"Architecture", "Multi-Arch", "Essential"} {
		if val, ok := c.Field(f); ok {
			n.Content = append(n.Content, str(strings.ToLower(f)), str(val))
		}
	}
	if len(notes) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, s := range notes {
			seq.Content = append(seq.Content, str(s))
		}
		n.Content = append(n.Content, str("notes"), seq)
	}
	return n
}
