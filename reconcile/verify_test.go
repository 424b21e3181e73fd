package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

const verifyConfig = `
profile "p" {
  package "make" {}
}

environment "e" {
  profile = "p"
}
`

// verifyWorld is a store with one package (make) and one generation (e/gen-1) on the model.
func verifyWorld(t *testing.T) (w *world, pkg, gen string) {
	t.Helper()
	w = newWorld(t, "", verifyConfig)
	w.apply(PlanOptions{})
	tree, err := w.m.Observe(bg, testRoot)
	must(t, err)
	l := layout.Layout{Root: testRoot, Mountpoint: w.mp}
	all := store.NewIndex(tree, l).All()
	if len(all) != 1 {
		t.Fatalf("want one package, have %d", len(all))
	}
	return w, string(all[0].Dataset), string(l.Generation("e", 1))
}

func (w *world) path(ds string) string {
	return layout.Layout{Root: testRoot, Mountpoint: w.mp}.Path(layout.Dataset(ds))
}

func (w *world) verify(opt VerifyOptions) *VerifyReport {
	w.t.Helper()
	rep, err := w.e.Verify(bg, w.cfg(), opt)
	must(w.t, err)
	return rep
}

// Verify on the model: each kind of tampering is found by the mode that can see it, repaired
// when a rollback restores the committed content, and otherwise reported and left in place.
func TestVerifyOnModel(t *testing.T) {
	type want struct {
		fast, deep     []string // substrings of the problems found (nil: none)
		repaired       bool     // --repair (with --deep when deepRepair) repairs it
		deepRepair     bool
		unrepairedWhy  string
		contentRestore bool // after repair, the file holds its original content
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, w *world, pkg, gen string) string // returns a file to watch
		want   want
	}{
		{"clean", func(*testing.T, *world, string, string) string { return "" }, want{}},
		{"package changed with readonly off", func(t *testing.T, w *world, pkg, _ string) string {
			must(t, w.m.SetProps(bg, pkg, zfs.Props{"readonly": "off"}))
			f := filepath.Join(w.path(pkg), "manifest.yaml")
			must(t, os.WriteFile(f, []byte("name: make\nversion: 6.6.6\n"), 0o644))
			return f
		}, want{fast: []string{"readonly is off", "bytes written since @installed"}, deep: []string{"build-id"}, repaired: true, contentRestore: true}},
		{"generation file changed", func(t *testing.T, w *world, _, gen string) string {
			f := filepath.Join(w.path(gen), "bin", "make")
			must(t, os.WriteFile(f, []byte("evil"), 0o755))
			return f
		}, want{fast: []string{"bytes written since @realized"}, deep: []string{"differ from those realized"}, repaired: true, contentRestore: true}},
		{"snapshot replaced", func(t *testing.T, w *world, pkg, _ string) string {
			snap := pkg + "@" + layout.SnapInstalled
			must(t, w.m.Rename(bg, snap, pkg+"@old", zfs.RenameOptions{}))
			must(t, os.WriteFile(filepath.Join(w.path(pkg), "root", "bin", "make"), []byte("evil"), 0o755))
			must(t, w.m.Snapshot(bg, snap))
			return ""
		}, want{fast: []string{"is not the snapshot taken"}, deep: []string{"build-id"}, unrepairedWhy: "snapshot was replaced"}},
		{"later snapshot in the way", func(t *testing.T, w *world, _, gen string) string {
			f := filepath.Join(w.path(gen), "bin", "make")
			must(t, os.WriteFile(f, []byte("evil"), 0o755))
			must(t, w.m.Snapshot(bg, gen+"@later"))
			return ""
		}, want{fast: []string{"bytes written since @realized"}, deep: []string{"differ"}, unrepairedWhy: "rollback"}},
		{"snapshot missing", func(t *testing.T, w *world, _, gen string) string {
			must(t, w.m.Destroy(bg, gen+"@"+layout.SnapRealized, zfs.DestroyOptions{}))
			return ""
		}, want{fast: []string{"@realized is missing"}, deep: []string{"@realized is missing"}, unrepairedWhy: "snapshot is gone"}},
		{"file added beside root/", func(t *testing.T, w *world, pkg, _ string) string {
			must(t, os.WriteFile(filepath.Join(w.path(pkg), "README"), []byte("not part of any build-id"), 0o644))
			return ""
		}, want{fast: []string{"bytes written since @installed"}, deep: []string{"never has: [README]"}, repaired: true}},
		{"not mounted", func(t *testing.T, w *world, pkg, _ string) string {
			must(t, w.m.Unmount(pkg))
			return ""
		}, want{fast: []string{"not mounted"}, deep: []string{"not mounted"}, unrepairedWhy: "mount it (the next apply does)"}},
		{"identity never recorded", func(t *testing.T, w *world, pkg, _ string) string {
			must(t, w.m.InheritProp(bg, pkg, layout.PropSnapshotGUID))
			return ""
		}, want{fast: []string{"no snapshot identity"}, deep: []string{"no snapshot identity"}, repaired: true, deepRepair: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, pkg, gen := verifyWorld(t)
			file := tc.tamper(t, w, pkg, gen)
			for _, deep := range []bool{false, true} {
				wantProblems := tc.want.fast
				if deep {
					wantProblems = tc.want.deep
				}
				rep := w.verify(VerifyOptions{Deep: deep})
				if rep.Packages != 1 || rep.Generations != 1 {
					t.Fatalf("deep %v: checked %d packages, %d generations", deep, rep.Packages, rep.Generations)
				}
				got := findingText(rep)
				if (len(wantProblems) == 0) != (len(rep.Findings) == 0) {
					t.Fatalf("deep %v: findings %q, want %q", deep, got, wantProblems)
				}
				for _, p := range wantProblems {
					if !strings.Contains(got, p) {
						t.Fatalf("deep %v: findings %q lack %q", deep, got, p)
					}
				}
			}
			if len(tc.want.fast) == 0 {
				return
			}
			rep := w.verify(VerifyOptions{Repair: true, Deep: tc.want.deepRepair})
			if len(rep.Findings) != 1 || rep.Findings[0].Repaired != tc.want.repaired {
				t.Fatalf("repair: %+v", rep.Findings)
			}
			if f := rep.Findings[0]; !f.Repaired && !strings.Contains(f.Unrepaired, tc.want.unrepairedWhy) {
				t.Fatalf("unrepaired because %q, want %q", f.Unrepaired, tc.want.unrepairedWhy)
			}
			after := w.verify(VerifyOptions{Deep: true})
			if tc.want.repaired && len(after.Findings) != 0 {
				t.Fatalf("after repair: %s", findingText(after))
			}
			if !tc.want.repaired && (len(after.Findings) != 1 || !w.exists(rep.Findings[0].Dataset)) {
				t.Fatalf("an unrepaired dataset must stay, and stay reported: %s", findingText(after))
			}
			if tc.want.contentRestore {
				if b, err := os.ReadFile(file); err != nil || strings.Contains(string(b), "evil") || strings.Contains(string(b), "6.6.6") {
					t.Fatalf("after repair %s holds %q (%v)", file, b, err)
				}
			}
		})
	}
}

func findingText(r *VerifyReport) string {
	var b strings.Builder
	r.WriteHuman(&b)
	return b.String()
}
