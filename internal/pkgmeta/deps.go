package pkgmeta

import (
	"cmp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Deps is a package's deps.yaml.
type Deps struct {
	// Dependencies, sorted by name and then constraint (Parse and Marshal both sort). A name may
	// appear more than once; every one of its constraints applies.
	Dependencies []Dependency
}

// Dependency is one entry of deps.yaml.
type Dependency struct {
	Name       string
	Constraint version.Constraint
}

var (
	depsKeys  = []string{"dependencies"}
	entryKeys = []string{"name", "version", "constraint"}
)

// ParseDeps reads a deps.yaml. An empty file, `dependencies:` with no items and
// `dependencies: []` all mean no dependencies. Every entry needs a name.
func ParseDeps(b []byte) (Deps, error) {
	root, err := parseDoc(b)
	if err != nil || root == nil {
		return Deps{}, err
	}
	fs, err := fields(root, "deps.yaml")
	if err != nil {
		return Deps{}, err
	}
	var d Deps
	for _, f := range fs {
		if f.key != "dependencies" {
			return Deps{}, unknownKey(f, "deps.yaml", depsKeys)
		}
		items, err := f.list()
		if err != nil {
			return Deps{}, err
		}
		for i, it := range items {
			name, c, err := readEntry(it, "dependency", i)
			if err != nil {
				return Deps{}, err
			}
			d.Dependencies = append(d.Dependencies, Dependency{Name: name, Constraint: c})
		}
	}
	sortDeps(d.Dependencies)
	return d, nil
}

// readEntry reads a `- name: … version: … constraint: …` item of deps.yaml or profile.yaml.
func readEntry(n *yaml.Node, what string, i int) (string, version.Constraint, error) {
	label := what + " " + strconv.Itoa(i+1)
	fs, err := fields(n, label)
	if err != nil {
		return "", version.Constraint{}, err
	}
	var name string
	var haveName bool
	var ver, kind *field
	for _, f := range fs {
		switch f.key {
		case "name":
			if name, err = f.packageName(); err != nil {
				return "", version.Constraint{}, err
			}
			haveName = true
		case "version":
			ver = &f
		case "constraint":
			kind = &f
		default:
			return "", version.Constraint{}, unknownKey(f, label, entryKeys)
		}
	}
	if !haveName {
		return "", version.Constraint{}, errorf(n, "%s has no name", label)
	}
	c, err := readConstraint(ver, kind)
	if err != nil {
		return "", version.Constraint{}, err
	}
	return name, c, nil
}

func sortDeps(ds []Dependency) {
	slices.SortStableFunc(ds, func(a, b Dependency) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Constraint.String(), b.Constraint.String()))
	})
}

// Marshal writes deps.yaml in upstream's shape: `dependencies:` with `- name:` items carrying
// `version: "…"` (always quoted) and an explicit `constraint:` kind, sorted by name. With no
// dependencies it writes `dependencies: []`, which is valid YAML and which upstream's reader
// accepts (it ignores the value and finds no items).
func (d Deps) Marshal() []byte {
	var w writer
	if len(d.Dependencies) == 0 {
		w.WriteString("dependencies: []\n")
		return w.Bytes()
	}
	ds := slices.Clone(d.Dependencies)
	sortDeps(ds)
	w.WriteString("dependencies:\n")
	for _, dep := range ds {
		w.entry(dep.Name, dep.Constraint)
	}
	return w.Bytes()
}

// entry writes a `- name:` item with its version and constraint kind.
func (w *writer) entry(name string, c version.Constraint) {
	w.kv("  - ", "name", name)
	w.raw("    ", "version", quote(c.String()))
	w.raw("    ", "constraint", c.Kind().String())
}
