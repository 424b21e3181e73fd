package reconcile

import (
	"errors"
	"slices"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Profiles hold what their locks name (issue 14, item 2): a package only a lock names is held
// by the kernel too, so neither upstream's `axiom gc` nor a hand-run `zfs destroy` takes it
// between passes; a pass releases exactly what it makes unreferenced.
func TestProfileHolds(t *testing.T) {
	const make441, zlib = "make/4.4.1/1", "zlib/1.3.1/1"
	for _, tc := range []struct {
		name string
		// first is applied, then drift runs (if set), then second (if set) is applied.
		first, second string
		drift         func(w *world)
		// want are the tags on each package's @installed after the last apply; a package
		// missing from the store is listed as nil.
		want map[string][]string
	}{
		{
			name:  "a lock without an environment holds its packages",
			first: profileHCL("p", "make"),
			want:  map[string][]string{make441: {"axiom-profile:p"}},
		},
		{
			name:   "a lock change holds the new package and releases the old one, which GC then collects",
			first:  profileHCL("p", "make") + gcHCL("0s", 10),
			second: profileHCL("p", "zlib") + gcHCL("0s", 10),
			want:   map[string][]string{zlib: {"axiom-profile:p"}, make441: nil},
		},
		{
			name:   "a removed profile releases its holds",
			first:  profileHCL("p", "make") + profileHCL("q", "make", "zlib"),
			second: profileHCL("q", "zlib"),
			want:   map[string][]string{make441: {}, zlib: {"axiom-profile:q"}},
		},
		{
			name:  "holds a store from before profiles held packages lacks are placed",
			first: profileHCL("p", "make") + envHCL("e", "p"),
			drift: func(w *world) {
				must(w.t, w.m.Release(bg, "axiom-profile:p", w.pkgDataset(make441)+"@installed"))
			},
			want: map[string][]string{make441: {"axiom-env:e:1", "axiom-profile:p"}},
		},
		{
			name:  "a tag left where the lock names nothing, or by a profile that is gone, is released",
			first: profileHCL("p", "make") + profileHCL("q", "zlib"),
			drift: func(w *world) {
				must(w.t, w.m.Hold(bg, "axiom-profile:p", w.pkgDataset(zlib)+"@installed"))
				must(w.t, w.m.Hold(bg, "axiom-profile:gone", w.pkgDataset(zlib)+"@installed"))
			},
			want: map[string][]string{make441: {"axiom-profile:p"}, zlib: {"axiom-profile:q"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", tc.first)
			w.apply(defaults)
			ids := map[string]string{} // the packages' datasets, found before any is collected
			for pkg := range tc.want {
				if ds, ok := findPackage(w, pkg); ok {
					ids[pkg] = ds
				}
			}
			if tc.drift != nil {
				tc.drift(w)
			}
			if tc.second != "" {
				w.write("main.hcl", tc.second)
			}
			w.apply(defaults)
			for pkg, want := range tc.want {
				ds, ok := ids[pkg]
				if !ok {
					ds, _ = findPackage(w, pkg)
				}
				h, err := w.m.Holds(bg, ds+"@installed")
				if want == nil {
					if err == nil && w.exists(ds) {
						t.Errorf("%s is still in the store (holds %v)", pkg, h[ds+"@installed"])
					}
					continue
				}
				must(t, err)
				if got := h[ds+"@installed"]; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("%s holds %v, want %v", pkg, got, want)
				}
			}
		})
	}
}

// findPackage is pkgDataset for a package that may be absent.
func findPackage(w *world, nameVersionRev string) (string, bool) {
	tree, err := w.m.Observe(bg, testRoot+"/store/pkg/"+nameVersionRev)
	if err != nil {
		return "", false
	}
	for _, d := range tree.Children(testRoot + "/store/pkg/" + nameVersionRev) {
		return d.Name, true
	}
	return "", false
}

// The kernel refuses to destroy a package only a profile's lock names: the destroy fails busy
// and the package stays.
func TestProfileHoldStopsDestroy(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make"))
	w.apply(defaults)
	ds := w.pkgDataset("make/4.4.1/1")
	if err := w.m.Destroy(bg, ds, zfs.DestroyOptions{Recursive: true}); !errors.Is(err, zfs.ErrBusy) {
		t.Fatalf("zfs destroy -r of a package only a lock names: %v, want busy", err)
	}
	if !w.exists(ds + "@installed") {
		t.Fatal("the package went")
	}
}
