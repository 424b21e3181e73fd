package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Checks across blocks and files. The decoder's slices are sorted by position when these run.

// checkStore requires exactly one store block and returns it.
func (d *decoder) checkStore(files []*sourceFile) Store {
	if len(d.stores) == 0 {
		if d.opaque || d.sawStore || len(files) == 0 {
			return Store{}
		}
		first := files[0].display
		for _, f := range files {
			first = min(first, f.display)
		}
		d.errorAt(*startOf(first), nil, "Missing store block",
			"The configuration needs exactly one store block, naming the ZFS dataset that holds the Axiom tree:\n\n  store {\n    dataset = \"zroot/axiom\"\n  }")
		return Store{}
	}
	for _, s := range d.stores[1:] {
		d.errorAt(s.DeclRange, nil, "Duplicate store block",
			fmt.Sprintf("A store block is already declared at %s. A configuration has exactly one store block.", where(d.stores[0].DeclRange)))
	}
	return d.stores[0]
}

// checkGC allows at most one gc block and returns it, or the defaults.
func (d *decoder) checkGC() GC {
	if len(d.gcs) == 0 {
		return GC{GracePeriod: DefaultGracePeriod, MaxDeletes: DefaultMaxDeletes}
	}
	for _, g := range d.gcs[1:] {
		d.errorAt(g.DeclRange, nil, "Duplicate gc block",
			fmt.Sprintf("A gc block is already declared at %s. A configuration has at most one gc block.", where(d.gcs[0].DeclRange)))
	}
	return d.gcs[0]
}

// checkUnique reports every item whose name an earlier item already has.
func checkUnique[T any](d *decoder, kind string, items []T, name func(T) string, decl func(T) hcl.Range) {
	first := map[string]hcl.Range{}
	for _, it := range items {
		n := name(it)
		if r, dup := first[n]; dup {
			d.errorAt(decl(it), nil, "Duplicate "+kind,
				fmt.Sprintf("%s named %q is already declared at %s. Names must be unique across all files of the configuration.", article(kind), n, where(r)))
			continue
		}
		first[n] = decl(it)
	}
}

// checkReferences requires every environment's profile to be declared.
func (d *decoder) checkReferences() {
	if d.opaque {
		return
	}
	names := slices.Clone(d.profileLabels)
	slices.Sort(names)
	names = slices.Compact(names)
	for _, e := range d.environments {
		if e.ProfileRange == (hcl.Range{}) || slices.Contains(names, e.Profile) {
			continue
		}
		detail := fmt.Sprintf("Environment %q uses profile %q, but no profile of that name is declared.", e.Name, e.Profile)
		switch {
		case len(names) == 0:
			detail += " The configuration declares no profiles."
		default:
			if s := didYouMean(e.Profile, names); s != "" {
				detail += s
			} else {
				detail += " Declared profiles: " + strings.Join(quoteAll(names), ", ") + "."
			}
		}
		d.errorAt(e.ProfileRange, nil, "Reference to undefined profile", detail)
	}
}

// article returns "a kind" or "an kind".
func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "An " + kind
	}
	return "A " + kind
}
