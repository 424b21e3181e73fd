package zfs

import (
	"slices"
	"strings"
	"testing"
)

// TestTreeLookups: Children, Snapshots and Under (which search the sorted names) find what a
// scan of every dataset finds, with names that sort between a dataset and its children
// ("a-b", "a.b": '-' and '.' sort before '/', and '@' after it).
func TestTreeLookups(t *testing.T) {
	var ds []Dataset
	for _, n := range []string{"p", "p/a", "p/a-b", "p/a.b", "p/a/c", "p/a/c@s", "p/a/c/d", "p/a@s1", "p/a@s2",
		"p/a-b@s", "p/a0", "p/ab", "p/a/c-d", "p/b@s"} {
		typ := Filesystem
		if strings.Contains(n, "@") {
			typ = Snapshot
		}
		ds = append(ds, Dataset{Name: n, Type: typ})
	}
	tree := NewTree(slices.Clone(ds))
	names := func(in []*Dataset) []string {
		var out []string
		for _, d := range in {
			out = append(out, d.Name)
		}
		return out
	}
	scan := func(keep func(n string, typ Type) bool) []string {
		var out []string
		for _, d := range tree.Datasets {
			if keep(d.Name, d.Type) {
				out = append(out, d.Name)
			}
		}
		return out
	}
	for _, name := range []string{"p", "p/a", "p/a-b", "p/a/c", "p/b", "p/x", "q"} {
		wantChildren := scan(func(n string, typ Type) bool {
			rest, ok := strings.CutPrefix(n, name+"/")
			return ok && typ != Snapshot && !strings.Contains(rest, "/")
		})
		if got := names(tree.Children(name)); !slices.Equal(got, wantChildren) {
			t.Errorf("Children(%q) = %q, want %q", name, got, wantChildren)
		}
		wantSnaps := scan(func(n string, _ Type) bool { return strings.HasPrefix(n, name+"@") })
		if got := names(tree.Snapshots(name)); !slices.Equal(got, wantSnaps) {
			t.Errorf("Snapshots(%q) = %q, want %q", name, got, wantSnaps)
		}
		wantUnder := scan(func(n string, _ Type) bool {
			return n == name || strings.HasPrefix(n, name+"/") || strings.HasPrefix(n, name+"@")
		})
		if got := names(tree.Under(name)); !slices.Equal(got, wantUnder) {
			t.Errorf("Under(%q) = %q, want %q", name, got, wantUnder)
		}
	}
}
