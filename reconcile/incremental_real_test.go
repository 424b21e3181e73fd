//go:build realzfs

package reconcile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// TestIncrementalGenerationsReal: on real OpenZFS, a new generation is a clone of the previous
// one with only the difference applied, equal to a full realize; a hand-run destroy of the
// origin generation is refused and breaks nothing; pruning origin generations (zfs promote)
// leaves the newest generation whole and independent with no snapshot of a pruned one behind;
// and removing an environment whose generations are clones of each other removes it all.
func TestIncrementalGenerationsReal(t *testing.T) {
	t.Parallel()
	e, c, root, mp := realEngine(t)
	f := plantForeign(t, c, root, mp)
	dir := t.TempDir()
	src := samplePackages(t)
	env := root + "/env/e"
	gen := func(k int) string { return env + "/" + layout.GenerationName(k) }
	genDir := func(env string, k int) string { return filepath.Join(mp, "env", env, layout.GenerationName(k)) }
	apply := func(keep int, fresh string, pkgs ...string) {
		t.Helper()
		cfg := fmt.Sprintf("store {\n  dataset = %q\n  mountpoint = %q\n}\nsource \"s\" {\n  path = %q\n}\n", root, mp, src) + profileHCL("p", pkgs...)
		if keep > 0 {
			cfg += envHCL("e", "p", fmt.Sprintf("keep_generations = %d", keep))
		}
		if fresh != "" {
			cfg += envHCL(fresh, "p")
		}
		must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644))
		spec := loadConfig(t, dir, root, mp)
		if _, _, err := e.Reconcile(bg, spec, PlanOptions{}); err != nil {
			t.Fatalf("apply %v: %v", pkgs, err)
		}
		again, err := e.Plan(bg, spec, PlanOptions{})
		must(t, err)
		if !again.Empty() {
			t.Fatalf("plan after apply is not empty:\n%s", planText(again))
		}
	}
	observe := func() *zfs.Tree {
		t.Helper()
		tree, err := c.Observe(bg, root)
		must(t, err)
		return tree
	}
	origin := func(name string) string {
		t.Helper()
		d, ok := observe().Get(name)
		if !ok {
			t.Fatalf("%s does not exist", name)
		}
		return d.Origin
	}

	apply(2, "", "make", "zlib")
	apply(2, "full", "make", "zlib", "ncurses")
	if o := origin(gen(2)); o != gen(1)+"@realized" {
		t.Fatalf("gen-2's origin is %q, want gen-1@realized", o)
	}
	if diff := cmp.Diff(genTree(t, genDir("full", 1)), genTree(t, genDir("e", 2))); diff != "" {
		t.Fatalf("incremental gen-2 differs from a full realize (-full +incremental):\n%s", diff)
	}
	gen2 := genTree(t, genDir("e", 2))

	// Someone destroys the origin generation by hand: ZFS refuses, and nothing changes.
	if err := c.Destroy(bg, gen(1), zfs.DestroyOptions{Recursive: true}); !errors.Is(err, zfs.ErrBusy) {
		t.Fatalf("zfs destroy -r of the origin generation: %v, want ErrBusy", err)
	}
	if diff := cmp.Diff(gen2, genTree(t, genDir("e", 2))); diff != "" {
		t.Fatalf("gen-2 changed (-before +after):\n%s", diff)
	}

	// keep_generations = 1 and a new gen-3 (from gen-2): gen-1 and gen-2 are pruned although
	// each is the origin of the next.
	apply(1, "full3", "make", "ncurses")
	tree := observe()
	for _, k := range []int{1, 2} {
		if _, ok := tree.Get(gen(k)); ok {
			t.Fatalf("gen-%d was not pruned", k)
		}
	}
	for _, d := range tree.Datasets {
		if strings.Contains(d.Name, "@pruned-") {
			t.Fatalf("a pruned generation's snapshot is left: %s", d.Name)
		}
	}
	if d, _ := tree.Get(gen(3)); d == nil || d.Origin != "" {
		t.Fatalf("gen-3 after the prunes: %+v", d)
	}
	if diff := cmp.Diff(genTree(t, genDir("full3", 1)), genTree(t, genDir("e", 3))); diff != "" {
		t.Fatalf("gen-3 differs from a full realize (-full +incremental):\n%s", diff)
	}

	// A clone chain inside the environment, then the environment removed with it.
	apply(2, "", "make", "zlib")
	if o := origin(gen(4)); o != gen(3)+"@realized" {
		t.Fatalf("gen-4's origin is %q", o)
	}
	apply(0, "", "make")
	if _, ok := observe().Get(env); ok {
		t.Fatalf("%s was not removed", env)
	}
	f.check(t, c)
}
