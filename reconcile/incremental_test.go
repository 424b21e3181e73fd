package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// genTree describes the files of a generation's directory: "d0755", "f0644 <sha-less content>",
// "l <target>".
func genTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch m := fi.Mode(); {
		case m.IsDir():
			out[rel] = fmt.Sprintf("d%04o", uint32(m.Perm()))
		case m.IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("f%04o %s", uint32(m&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid)), b)
		default:
			target, _ := os.Readlink(p)
			out[rel] = "l " + target
		}
		return nil
	}))
	return out
}

// dataset returns a dataset of the model, failing the test when it is missing.
func (w *world) dataset(name string) *zfs.Dataset {
	w.t.Helper()
	tree, err := w.m.Observe(bg, "tank")
	must(w.t, err)
	d, ok := tree.Get(name)
	if !ok {
		w.t.Fatalf("%s does not exist:\n%s", name, w.m)
	}
	return d
}

// prunedSnapshots lists the snapshots left of pruned generations.
func (w *world) prunedSnapshots() []string {
	w.t.Helper()
	tree, err := w.m.Observe(bg, "tank")
	must(w.t, err)
	var out []string
	for _, d := range tree.Datasets {
		if _, snap, ok := strings.Cut(d.Name, "@"); ok {
			if _, pruned := layout.ParsePrunedSnapshot(snap); pruned {
				out = append(out, d.Name)
			}
		}
	}
	return out
}

func (w *world) genDir(env string, k int) string {
	return filepath.Join(w.mp, "env", env, layout.GenerationName(k))
}

// TestIncrementalGenerations: a new generation is a clone of the current one with only what
// changed rewritten, its files exactly those of a generation realized in full from the same
// packages; pruning generations that later ones were cloned from, in any number and order,
// leaves every other generation whole, independent, and no snapshot of a pruned one behind.
func TestIncrementalGenerations(t *testing.T) {
	w := newWorld(t, "", "")
	gen := func(k int) string { return testRoot + "/env/e/" + layout.GenerationName(k) }
	set := func(keep int, fresh string, pkgs ...string) {
		cfg := profileHCL("p", pkgs...) + envHCL("e", "p", fmt.Sprintf("keep_generations = %d", keep))
		if fresh != "" { // an environment with no generation yet: realized in full
			cfg += envHCL(fresh, "p")
		}
		w.write("main.hcl", cfg)
	}
	set(3, "", "make", "zlib", "readline ~8.1")
	w.apply(defaults)
	if o := w.dataset(gen(1)).Origin; o != "" {
		t.Fatalf("the first generation is a clone of %s", o)
	}

	// One package of three changes: gen-2 is cloned from gen-1 and equals a full realize.
	set(3, "full2", "make", "zlib", "readline ~8.2")
	w.apply(defaults)
	if o := w.dataset(gen(2)).Origin; o != gen(1)+"@realized" {
		t.Fatalf("gen-2's origin is %q, want gen-1@realized", o)
	}
	if diff := cmp.Diff(genTree(t, w.genDir("full2", 1)), genTree(t, w.genDir("e", 2))); diff != "" {
		t.Fatalf("incremental gen-2 differs from a full realize (-full +incremental):\n%s", diff)
	}
	gen1Files := genTree(t, w.genDir("e", 1))

	// Packages go and come: gen-3 from gen-2.
	set(3, "", "make", "ncurses")
	w.apply(defaults)
	if o := w.dataset(gen(3)).Origin; o != gen(2)+"@realized" {
		t.Fatalf("gen-3's origin is %q, want gen-2@realized", o)
	}
	if _, err := os.Stat(filepath.Join(w.genDir("e", 3), "lib", "libz.so")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file of a package that went is still there: %v", err)
	}

	// keep_generations = 1 and a new generation: gen-1, gen-2 and gen-3 are pruned, each the
	// origin of the next; gen-4 is left alone, whole and independent.
	set(1, "full4", "make", "zlib", "ncurses")
	plan := w.apply(defaults)
	if n := len(stepsOf(plan, KindPrune)); n != 3 {
		t.Fatalf("%d prunes, want 3:\n%s", n, humanPlan(plan))
	}
	for k := 1; k <= 3; k++ {
		if w.exists(gen(k)) {
			t.Fatalf("%s was not pruned:\n%s", gen(k), w.m)
		}
	}
	if o := w.dataset(gen(4)).Origin; o != "" {
		t.Fatalf("gen-4 still depends on %s", o)
	}
	if left := w.prunedSnapshots(); len(left) != 0 {
		t.Fatalf("snapshots of pruned generations left: %v", left)
	}
	if diff := cmp.Diff(genTree(t, w.genDir("full4", 1)), genTree(t, w.genDir("e", 4))); diff != "" {
		t.Fatalf("gen-4 differs from a full realize (-full +incremental):\n%s", diff)
	}
	if gen1Files["lib/libz.so"] == "" && gen1Files["lib"] == "" {
		t.Fatal("gen-1 had no files to compare")
	}
}

// TestPruneOriginKeepsSiblingsClones: two generations cloned from one (a rollback made the
// older one current before the second was built); pruning the origin moves its files to the
// newest clone, and the snapshot stays while the other clone needs it, then goes with it.
func TestPruneOriginKeepsSiblingsClones(t *testing.T) {
	w := newWorld(t, "", "")
	gen := func(k int) string { return testRoot + "/env/e/" + layout.GenerationName(k) }
	set := func(keep int, pkgs ...string) {
		w.write("main.hcl", profileHCL("p", pkgs...)+envHCL("e", "p", fmt.Sprintf("keep_generations = %d", keep)))
	}
	set(5, "make")
	w.apply(defaults)
	set(5, "make", "zlib")
	w.apply(defaults) // gen-2 from gen-1
	// Back to gen-1 by hand, as a rollback would: gen-3 is then built from gen-1 too.
	must(t, SwitchLink(filepath.Join(w.mp, "env", "e"), layout.CurrentLink, "gen-1"))
	set(5, "make", "ncurses")
	w.apply(defaults)
	if o2, o3 := w.dataset(gen(2)).Origin, w.dataset(gen(3)).Origin; o2 != gen(1)+"@realized" || o3 != o2 {
		t.Fatalf("origins: gen-2 %q, gen-3 %q; want both gen-1@realized", o2, o3)
	}
	files2, files3 := genTree(t, w.genDir("e", 2)), genTree(t, w.genDir("e", 3))

	// keep_generations = 2 keeps gen-2 and gen-3 and prunes gen-1: gen-3 (the newest) takes its
	// snapshot, which gen-2 is then a clone of.
	set(2, "make", "ncurses")
	w.apply(defaults)
	if w.exists(gen(1)) {
		t.Fatal("gen-1 was not pruned")
	}
	held := gen(3) + "@pruned-1"
	if o := w.dataset(gen(2)).Origin; o != held {
		t.Fatalf("gen-2's origin is %q, want %s", o, held)
	}
	if diff := cmp.Diff(files2, genTree(t, w.genDir("e", 2))); diff != "" {
		t.Fatalf("gen-2 changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(files3, genTree(t, w.genDir("e", 3))); diff != "" {
		t.Fatalf("gen-3 changed (-before +after):\n%s", diff)
	}

	// gen-2 pruned: the snapshot it was cloned from goes with it.
	set(1, "make", "ncurses")
	w.apply(defaults)
	if w.exists(gen(2)) || w.exists(held) {
		t.Fatalf("gen-2 or %s left:\n%s", held, w.m)
	}
}

// TestPruneRefusesForeignClone: a clone of a generation that someone else made (not a
// generation of the environment) keeps the generation from being pruned, as before.
func TestPruneRefusesForeignClone(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1"))
	w.apply(defaults)
	snap := testRoot + "/env/e/gen-1@realized"
	must(t, w.m.Clone(bg, snap, "tank/mine", nil))
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1"))
	_, err := w.plan(defaults)
	wantPlanError(t, err, "gen-1@realized is the origin of tank/mine")
	if !w.exists(snap) || !w.exists("tank/mine") {
		t.Fatal("the generation or the foreign clone went")
	}
}

// TestIncrementalFallsBackToFull: a previous generation without its record (built before
// generations kept one, or damaged) is not built from: the new generation is realized in full.
func TestIncrementalFallsBackToFull(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	must(t, os.Remove(filepath.Join(w.genDir("e", 1), layout.GenerationRecord)))
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	if o := w.dataset(testRoot + "/env/e/gen-2").Origin; o != "" {
		t.Fatalf("gen-2 was cloned from %s, which has no record", o)
	}
	if _, err := os.Stat(filepath.Join(w.genDir("e", 2), layout.GenerationRecord)); err != nil {
		t.Fatalf("gen-2 has no record: %v", err)
	}
}

// interruptingClient fails the first call fail picks, as a pass killed there would leave the
// store (the model then holds what was done before it).
type interruptingClient struct {
	*zfstest.Model
	fail func(op, name string) bool
	done bool
}

func (c *interruptingClient) interrupt(op, name string) error {
	if !c.done && c.fail(op, name) {
		c.done = true
		return fmt.Errorf("interrupted before %s %s", op, name)
	}
	return nil
}

func (c *interruptingClient) Promote(ctx context.Context, name string) error {
	if err := c.interrupt("promote", name); err != nil {
		return err
	}
	return c.Model.Promote(ctx, name)
}

func (c *interruptingClient) Destroy(ctx context.Context, name string, opt zfs.DestroyOptions) error {
	if err := c.interrupt("destroy", name); err != nil {
		return err
	}
	return c.Model.Destroy(ctx, name, opt)
}

// TestPruneOfOriginConverges: a prune of an origin generation interrupted after each of its
// steps (the rename, the promote, the destroy of the generation) converges on the next pass,
// with no generation broken and nothing of the pruned one left.
func TestPruneOfOriginConverges(t *testing.T) {
	gen := func(k int) string { return testRoot + "/env/e/" + layout.GenerationName(k) }
	for _, tc := range []struct {
		name string
		fail func(op, name string) bool
	}{
		{"after the rename", func(op, name string) bool { return op == "promote" }},
		{"after the promote", func(op, name string) bool { return op == "destroy" && name == gen(1) }},
		{"after the destroy", func(op, name string) bool { return op == "destroy" && strings.Contains(name, "@pruned-1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 2"))
			w.apply(defaults)
			w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1"))
			files := func() map[string]string { return genTree(t, w.genDir("e", 2)) }
			ic := &interruptingClient{Model: w.m, fail: tc.fail}
			w.e.ZFS = ic
			if _, _, err := w.e.Reconcile(bg, w.cfg(), defaults); err == nil {
				t.Fatal("the interrupted apply succeeded")
			}
			if !ic.done {
				t.Fatal("the interruption was never reached")
			}
			before := files()
			w.apply(defaults)
			if w.exists(gen(1)) || len(w.prunedSnapshots()) > 0 {
				t.Fatalf("gen-1 or its snapshot left:\n%s", w.m)
			}
			if diff := cmp.Diff(before, files()); diff != "" {
				t.Fatalf("gen-2 changed (-before +after):\n%s", diff)
			}
			if w.dataset(gen(2)).Origin != "" {
				t.Fatalf("gen-2 still depends on %s", w.dataset(gen(2)).Origin)
			}
		})
	}
}

// holdWatcher records, when a generation's temporary dataset is made, which package snapshots
// already carry that generation's hold tag.
type holdWatcher struct {
	*zfstest.Model
	t      *testing.T
	atMake map[string][]string // tag -> snapshots carrying it when the generation was made
}

func (c *holdWatcher) saw(name string) {
	base := strings.TrimPrefix(name, testRoot+"/tmp/gen-e-")
	if base == name {
		return
	}
	k, _, _ := strings.Cut(base, "-")
	tag := "axiom-env:e:" + k
	c.atMake[tag] = c.carrying(tag)
}

// carrying lists the package snapshots that carry tag.
func (c *holdWatcher) carrying(tag string) []string {
	tree, err := c.Observe(bg, testRoot+"/store")
	must(c.t, err)
	var snaps, out []string
	for _, d := range tree.Datasets {
		if strings.HasSuffix(d.Name, "@installed") {
			snaps = append(snaps, d.Name)
		}
	}
	holds, err := c.Holds(bg, snaps...)
	must(c.t, err)
	for _, s := range snaps {
		if slices.Contains(holds[s], tag) {
			out = append(out, s)
		}
	}
	return out
}

func (c *holdWatcher) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	c.saw(name)
	return c.Model.Create(ctx, name, opt)
}

func (c *holdWatcher) Clone(ctx context.Context, snap, name string, props zfs.Props) error {
	c.saw(name)
	return c.Model.Clone(ctx, snap, name, props)
}

// TestRealizeHoldsBeforeCopy: every package a generation uses carries the generation's hold
// before its temporary dataset exists, so no file is ever copied from an unheld package (a
// realize killed mid-copy leaves every package it was reading held), for a generation realized
// in full and for one built from the previous generation.
func TestRealizeHoldsBeforeCopy(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	hw := &holdWatcher{Model: w.m, t: t, atMake: map[string][]string{}}
	w.e.ZFS = hw
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+envHCL("e", "p"))
	w.apply(defaults)
	for _, tag := range []string{"axiom-env:e:1", "axiom-env:e:2"} {
		final := hw.carrying(tag)
		if len(final) != 2 || !slices.Equal(hw.atMake[tag], final) {
			t.Errorf("%s: held on %v when the generation was made, on %v once built", tag, hw.atMake[tag], final)
		}
	}
}

// TestContentDigestWithoutSources: a generation realized from store packages that no source, and
// so no scan cache, knows any more records the digest of its files too (w.apply checks it): their
// trees are walked and their files hashed instead of taken from the build-id's list.
func TestContentDigestWithoutSources(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	w.write("store.hcl", fmt.Sprintf("store {\n  dataset = %q\n}\n\nsource \"s\" {\n  path = %q\n}\n", testRoot, t.TempDir()))
	w.e.scans = source.Cache{}
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p")+envHCL("f", "p"))
	w.apply(defaults)
	if f := testRoot + "/env/f/" + layout.GenerationName(1); !w.digested[f] {
		t.Fatalf("%s was not realized and checked", f)
	}
}
