package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
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

// checkNameLengths rejects names that are valid on their own but too long for the dataset names
// built from them below the store, which ZFS would refuse halfway through an apply. The
// derived names come from package layout, which the planner checks real package versions with.
func (d *decoder) checkNameLengths(s Store) {
	if s.Dataset == "" || zfs.ValidateDataset(s.Dataset) != nil {
		return // no store, or one reported already
	}
	l := layout.Layout{Root: layout.Dataset(s.Dataset)}
	var e *layout.NameTooLongError
	if errors.As(layout.CheckNames(l.Containers()), &e) {
		d.errorAt(s.DatasetRange, nil, "Store dataset name too long",
			fmt.Sprintf("The store dataset %q leaves no room for the datasets below it: %s would be %d bytes long, and ZFS allows at most %d bytes in a dataset or snapshot name. Use a shorter store dataset.",
				s.Dataset, e.Name, len(e.Name), layout.MaxNameLen))
		return
	}
	for _, p := range d.profiles {
		d.checkDerived(s.Dataset, "profile", p.Name, p.NameRange, l.ProfileNames, "")
		for _, pkg := range p.Packages {
			d.checkDerived(s.Dataset, "package", pkg.Name, pkg.NameRange,
				func(name string) []string { return l.PackageNames(layout.MaxPackageID(name)) },
				packageAllowance)
		}
	}
	for _, e := range d.environments {
		d.checkDerived(s.Dataset, "environment", e.Name, e.NameRange,
			func(name string) []string { return l.EnvNames(name, layout.MaxGeneration) },
			fmt.Sprintf(", counting generation numbers of up to %d digits", len(fmt.Sprint(layout.MaxGeneration))))
	}
}

// packageAllowance explains the worst case a package name is checked with: its versions are not
// known until the sources are scanned, so the longest there can be is assumed (the planner
// checks the real ones again).
var packageAllowance = func() string {
	id := layout.MaxPackageID("")
	return fmt.Sprintf(", allowing for the longest version (%d bytes), revision (%d bytes) and build-id (%d bytes) a package can have",
		len(id.Version.String()), len(fmt.Sprint(id.Revision)), len(id.BuildID))
}()

// checkDerived reports name, of the given kind and declared at at, if the longest of the names
// derived from it is too long. how explains the worst case counted, for the message.
func (d *decoder) checkDerived(store, kind, name string, at hcl.Range, derive func(string) []string, how string) {
	if checkNameOf(kind, name) != nil {
		return // reported already
	}
	var e *layout.NameTooLongError
	if !errors.As(layout.CheckNames(derive(name)), &e) {
		return
	}
	shape := derive("<" + kind + ">")[e.Index]
	d.errorAt(at, nil, upperFirst(kind)+" name too long for the store",
		fmt.Sprintf("The %s name %q is %d bytes long. Below store %q the reconciler creates %s, which with this name would be %d bytes long%s; ZFS allows at most %d bytes in a dataset or snapshot name. Shorten the name by at least %s, or use a shorter store dataset.",
			kind, abbreviate(name), len(name), store, shape, len(e.Name), how, layout.MaxNameLen, bytesCount(len(e.Name)-layout.MaxNameLen)))
}

func bytesCount(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// abbreviate shortens a long name for a message that also gives its length.
func abbreviate(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:20] + "..." + s[len(s)-10:]
}

// article returns "a kind" or "an kind".
func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "An " + kind
	}
	return "A " + kind
}
