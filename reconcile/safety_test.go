package reconcile

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// A recursive destroy (remove-environment, remove-profile, prune, clean-temp) never takes with it
// what the reconciler does not own: the plan fails naming it, and nothing is destroyed.
func TestRecursiveDestroysSpareWhatIsNotOurs(t *testing.T) {
	both := profileHCL("p", "make") + profileHCL("q", "zlib") + envHCL("e", "p", "keep_generations = 1") + envHCL("f", "q")
	for _, tc := range []struct {
		name string
		// after is main.hcl after the plant; plant makes what is in the way, returning its name.
		after string
		plant func(w *world) string
		want  string
	}{
		{
			name:  "dataset inside an undeclared environment",
			after: profileHCL("p", "make") + profileHCL("q", "zlib") + envHCL("e", "p", "keep_generations = 1"),
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/env/f/scratch", zfs.CreateOptions{}))
				return testRoot + "/env/f/scratch"
			},
			want: `environment "f" is no longer declared, but tank/axiom/env/f cannot be removed`,
		},
		{
			name:  "dataset inside an undeclared profile",
			after: profileHCL("p", "make") + envHCL("e", "p", "keep_generations = 1"),
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/profiles/q/notes", zfs.CreateOptions{}))
				return testRoot + "/profiles/q/notes"
			},
			want: `profile "q" is no longer declared, but tank/axiom/profiles/q cannot be removed`,
		},
		{
			name:  "held snapshot of an undeclared environment's generation",
			after: profileHCL("p", "make") + profileHCL("q", "zlib") + envHCL("e", "p", "keep_generations = 1"),
			plant: func(w *world) string {
				must(w.t, w.m.Hold(bg, "backup", testRoot+"/env/f/gen-1@realized"))
				return testRoot + "/env/f/gen-1@realized has 1 user hold"
			},
			want: "cannot be removed",
		},
		{
			name:  "clone of a generation to prune",
			after: profileHCL("p", "make", "ncurses") + profileHCL("q", "zlib") + envHCL("e", "p", "keep_generations = 1") + envHCL("f", "q"),
			plant: func(w *world) string {
				must(w.t, w.m.Clone(bg, testRoot+"/env/e/gen-1@realized", "tank/debug", nil))
				return testRoot + "/env/e/gen-1@realized is the origin of tank/debug"
			},
			want: "is beyond keep_generations but cannot be pruned",
		},
		{
			name:  "dataset inside a generation to prune",
			after: profileHCL("p", "make", "ncurses") + profileHCL("q", "zlib") + envHCL("e", "p", "keep_generations = 1") + envHCL("f", "q"),
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/env/e/gen-1/mine", zfs.CreateOptions{}))
				return testRoot + "/env/e/gen-1/mine"
			},
			want: "is beyond keep_generations but cannot be pruned",
		},
		{
			name:  "dataset inside a temporary dataset",
			after: both,
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/tmp/gen-e-5-cafe", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy}}))
				must(w.t, w.m.Create(bg, testRoot+"/tmp/gen-e-5-cafe/mine", zfs.CreateOptions{}))
				return testRoot + "/tmp/gen-e-5-cafe/mine"
			},
			want: "cannot be cleaned",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", both)
			w.apply(defaults)
			what := tc.plant(w)
			w.write("main.hcl", tc.after)
			before := w.m.String()

			_, err := w.plan(defaults)
			wantPlanError(t, err, tc.want, what, "nothing was destroyed")
			calls := w.m.Calls
			if _, _, err := w.e.Reconcile(bg, w.cfg(), defaults); err == nil || w.m.Calls != calls {
				t.Fatalf("apply: %v, %d zfs calls", err, w.m.Calls-calls)
			}
			if after := w.m.String(); after != before {
				t.Fatalf("the tree changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}
}

// The same rule holds at apply time, against a fresh observation: something that appears inside
// a dataset between the plan and the destroy stops the destroy.
func TestRecursiveDestroyRechecksAtApply(t *testing.T) {
	for _, tc := range []struct {
		name, after, plant string
	}{
		{"environment", profileHCL("p", "make") + profileHCL("q", "zlib") + envHCL("e", "p"), testRoot + "/env/f/scratch"},
		{"profile", profileHCL("p", "make") + envHCL("e", "p"), testRoot + "/profiles/q/notes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib")+envHCL("e", "p")+envHCL("f", "q"))
			w.apply(defaults)
			w.write("main.hcl", tc.after)
			cfg := w.cfg()
			obs, err := w.e.observe(bg, cfg)
			must(t, err)
			plan, err := w.e.plan(bg, cfg, obs, defaults)
			must(t, err)
			must(t, w.m.Create(bg, tc.plant, zfs.CreateOptions{}))
			_, err = w.e.apply(bg, plan, obs)
			var no *NotOursError
			if !errors.As(err, &no) || !errors.Is(err, errUnmanagedInTheWay) || !strings.Contains(err.Error(), tc.plant+" is not managed by axiom-reconcile") {
				t.Fatalf("apply: %v", err)
			}
			if !w.exists(tc.plant) {
				t.Fatalf("%s was destroyed", tc.plant)
			}
		})
	}
}

// busyClient makes Destroy of some datasets fail as ZFS does when a process runs from them.
type busyClient struct {
	*zfstest.Model
	mu   sync.Mutex
	busy map[string]bool
}

func (b *busyClient) Destroy(ctx context.Context, name string, opt zfs.DestroyOptions) error {
	b.mu.Lock()
	busy := b.busy[name]
	b.mu.Unlock()
	if busy {
		return &zfs.Error{Op: "destroy", Name: name, ExitCode: 1, Stderr: "cannot unmount: pool or dataset is busy", Err: zfs.ErrBusy}
	}
	return b.Model.Destroy(ctx, name, opt)
}

// A busy old generation does not stop the pass: it is kept with its holds (so its packages stay),
// the other steps run, the apply ends with an error naming it, and the next pass prunes it.
func TestBusyGenerationIsSkipped(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1")+envHCL("f", "p", "keep_generations = 1")+gcHCL("0s", 100))
	w.apply(defaults)
	bc := &busyClient{Model: w.m, busy: map[string]bool{testRoot + "/env/e/gen-1": true}}
	w.e.ZFS = bc
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+envHCL("f", "p", "keep_generations = 1")+gcHCL("0s", 100))
	zlib := w.pkgDataset("zlib/1.3.1/1")

	plan, done, err := w.e.Reconcile(bg, w.cfg(), defaults)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, zfs.ErrBusy) || !slices.Equal(be.Datasets, []string{testRoot + "/env/e/gen-1"}) {
		t.Fatalf("apply: %v", err)
	}
	if done.Steps != len(plan.Steps) {
		t.Fatalf("ran %d of %d steps:\n%s", done.Steps, len(plan.Steps), humanPlan(plan))
	}
	if !w.exists(testRoot+"/env/e/gen-1") || w.exists(testRoot+"/env/f/gen-1") || !w.exists(testRoot+"/env/e/gen-2") {
		t.Fatalf("after the busy pass:\n%s", w.m)
	}
	if h := w.holds(zlib + "@installed"); !slices.Equal(h, []string{"axiom-env:e:1"}) || !w.exists(zlib) {
		t.Fatalf("zlib: exists %v, holds %v; the busy generation must keep holding it", w.exists(zlib), h)
	}
	if cur, _ := os.Readlink(filepath.Join(w.mp, "env", "e", "current")); cur != "gen-2" {
		t.Fatalf("e's current is %q", cur)
	}

	// No longer busy: the next pass prunes it and collects zlib.
	bc.mu.Lock()
	bc.busy = nil
	bc.mu.Unlock()
	plan = w.apply(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindPrune, KindGC}) || w.exists(zlib) {
		t.Fatalf("the next pass:\n%s", humanPlan(plan))
	}
}

// A dataset someone creates where a create step was about to is used only if it carries the
// local managed marker.
func TestCreateRaceChecksOwnership(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make"))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+profileHCL("q", "zlib"))
	cfg := w.cfg()
	obs, err := w.e.observe(bg, cfg)
	must(t, err)
	plan, err := w.e.plan(bg, cfg, obs, defaults)
	must(t, err)
	must(t, w.m.Create(bg, testRoot+"/profiles/q", zfs.CreateOptions{}))
	_, err = w.e.apply(bg, plan, obs)
	if !errors.Is(err, errUnmanagedInTheWay) || !strings.Contains(err.Error(), testRoot+"/profiles/q was created meanwhile by someone else") {
		t.Fatalf("apply: %v", err)
	}
	if _, err := os.Stat(filepath.Join(w.mp, "profiles", "q", layout.ProfileFile)); !os.IsNotExist(err) {
		t.Fatalf("profile.yaml was written into a dataset that is not ours: %v", err)
	}

	// One that is ours (a concurrent reconciler made it) is used.
	must(t, w.m.Destroy(bg, testRoot+"/profiles/q", zfs.DestroyOptions{}))
	obs, err = w.e.observe(bg, cfg)
	must(t, err)
	plan, err = w.e.plan(bg, cfg, obs, defaults)
	must(t, err)
	must(t, w.m.Create(bg, testRoot+"/profiles/q", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindProfile}}))
	_, err = w.e.apply(bg, plan, obs)
	must(t, err)
}

// Leftover temporary files of a killed write, in the reconciler's own datasets, are removed by the
// next pass; look-alikes and files elsewhere are not.
func TestLeftoverTempFilesAreCleaned(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	prof, env := filepath.Join(w.mp, "profiles", "p"), filepath.Join(w.mp, "env", "e")
	leftovers := []string{
		filepath.Join(prof, ".profile.yaml.123456.tmp"),
		filepath.Join(prof, ".profile.lock.yaml.42.tmp"),
		filepath.Join(env, ".activate.987.tmp"),
		filepath.Join(env, ".current.0123456789ab"),
	}
	kept := []string{
		filepath.Join(prof, ".profile.yaml.bak"),
		filepath.Join(env, ".current.tmp"),
		filepath.Join(env, "notes.txt"),
	}
	for _, f := range append(slices.Clone(leftovers), kept...) {
		must(t, os.WriteFile(f, nil, 0o644))
	}
	// An unmanaged profile's directory is not ours to clean.
	must(t, w.m.Create(bg, testRoot+"/profiles/theirs", zfs.CreateOptions{}))
	theirs := filepath.Join(w.mp, "profiles", "theirs", ".profile.yaml.1.tmp")
	must(t, os.WriteFile(theirs, nil, 0o644))

	plan := w.mustPlan(defaults)
	st := stepsOf(plan, KindCleanFiles)
	if len(st) != 1 || len(plan.Steps) != 1 || !slices.Equal(st[0].Op.(*CleanFilesStep).Files, slices.Sorted(slices.Values(leftovers))) {
		t.Fatalf("want one clean-files step for %v:\n%s", leftovers, humanPlan(plan))
	}
	w.apply(defaults)
	for _, f := range leftovers {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Fatalf("%s survived: %v", f, err)
		}
	}
	for _, f := range append(kept, theirs) {
		if _, err := os.Lstat(f); err != nil {
			t.Fatalf("%s was removed: %v", f, err)
		}
	}
}

// A package that ships .axiom (reserved in a generation for the lock copy) is a conflict naming
// it, at plan time.
func TestReservedDirectoryConflict(t *testing.T) {
	src := conflictSource(t)
	for name, path := range map[string]string{"dir": ReservedDir + "/profile.lock.yaml", "file": ReservedDir} {
		t.Run(name, func(t *testing.T) {
			s := t.TempDir()
			copyDir(t, src, s)
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(s, "a", "root", path)), 0o755))
			must(t, os.WriteFile(filepath.Join(s, "a", "root", path), []byte("mine\n"), 0o644))
			w := newWorld(t, s, profileHCL("p", "a")+envHCL("e", "p"))
			_, err := w.plan(defaults)
			pe := wantPlanError(t, err, "package a 1.0.0-1", "ships .axiom", "reserves in every generation")
			var re *ReservedError
			if !errors.As(pe, &re) {
				t.Fatalf("not a *ReservedError: %v", err)
			}
		})
	}
}

// A generation that names a missing package fails the plan only if it stays; one the plan prunes
// is just pruned.
func TestMissingPackageOfPrunedGeneration(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	// Someone destroys zlib by hand, holds and all.
	must(t, w.m.Release(bg, "axiom-env:e:1", zlib+"@installed"))
	must(t, w.m.Release(bg, "axiom-profile:p", zlib+"@installed"))
	must(t, w.m.Destroy(bg, zlib, zfs.DestroyOptions{Recursive: true}))
	_, err := w.plan(defaults)
	wantPlanError(t, err, "a generation that stays uses package zlib 1.3.1-1 (", "), but "+zlib+"@installed does not exist")

	// The configuration moves on: gen-1 is pruned, and that is fine.
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	plan := w.apply(defaults)
	if len(stepsOf(plan, KindPrune)) != 1 || w.exists(testRoot+"/env/e/gen-1") {
		t.Fatalf("gen-1 was not pruned:\n%s", humanPlan(plan))
	}
}

// Hold drift whose counts balance (a leaked tag of the generation about to be realized, and a
// missing one of an existing generation) converges: the realize tolerates its own tag, and the
// plan looks at the tags of the packages a new generation holds.
func TestBalancedHoldDriftConverges(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	snap := w.pkgDataset("make/4.4.1/1") + "@installed"
	must(t, w.m.Release(bg, "axiom-env:e:1", snap))
	must(t, w.m.Hold(bg, "axiom-env:e:2", snap)) // an earlier pass died while building gen-2
	if p := w.mustPlan(defaults); !p.Empty() {
		t.Fatalf("balanced counts: want no steps until something realizes:\n%s", humanPlan(p))
	}
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	plan := w.apply(defaults)
	hs := stepsOf(plan, KindHolds)
	if len(hs) != 1 || !equalHolds(hs[0].Op.(*HoldsStep).Hold, map[string][]string{"axiom-env:e:1": {snap}}) || !equalHolds(hs[0].Op.(*HoldsStep).Release, map[string][]string{"axiom-env:e:2": {snap}}) {
		t.Fatalf("want gen-1's hold placed and the leaked gen-2 tag released:\n%s", humanPlan(plan))
	}
	if got := w.holds(snap); !slices.Equal(got, []string{"axiom-env:e:1", "axiom-env:e:2", "axiom-profile:p"}) {
		t.Fatalf("holds after apply: %v", got)
	}
}

// realize tolerates its tag already on some packages, and release a tag already gone, whether
// Hold and Release are atomic or per snapshot.
func TestHoldAndReleaseTolerateTheirOwnTag(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	mk, zl := w.pkgDataset("make/4.4.1/1")+"@installed", w.pkgDataset("zlib/1.3.1/1")+"@installed"
	must(t, w.m.Hold(bg, "axiom-env:e:7", zl))
	must(t, w.e.hold(bg, "axiom-env:e:7", []layout.Snapshot{layout.Snapshot(mk), layout.Snapshot(zl)}))
	for _, s := range []string{mk, zl} {
		if !slices.Contains(w.holds(s), "axiom-env:e:7") {
			t.Fatalf("%s lacks the tag: %v", s, w.holds(s))
		}
	}
	must(t, w.m.Release(bg, "axiom-env:e:7", mk))
	must(t, w.e.releaseTag(bg, "axiom-env:e:7", []layout.Snapshot{layout.Snapshot(mk), layout.Snapshot(zl)}))
	x := &executor{e: w.e, l: layout.Layout{Root: testRoot, Mountpoint: w.mp}, done: &Applied{}}
	must(t, x.release(bg, map[layout.Tag][]layout.Snapshot{"axiom-env:e:7": {layout.Snapshot(mk), layout.Snapshot(zl)}}))
	for _, s := range []string{mk, zl} {
		if slices.Contains(w.holds(s), "axiom-env:e:7") {
			t.Fatalf("%s still has the tag: %v", s, w.holds(s))
		}
	}
}

// A generation whose lock is unreadable blocks nothing but its own tag: leaked holds of
// generations that do not exist are still released, and the generation keeps its holds.
func TestUnreadableLockBlocksOnlyItsOwnTag(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p")+envHCL("f", "p"))
	w.apply(defaults)
	snap := w.pkgDataset("make/4.4.1/1") + "@installed"
	must(t, w.m.Hold(bg, "axiom-env:ghost:3", snap))
	must(t, os.WriteFile(filepath.Join(w.mp, "env", "f", "gen-1", layout.GenerationLock), []byte("{not yaml"), 0o644))
	plan := w.mustPlan(defaults)
	hs := stepsOf(plan, KindHolds)
	if len(hs) != 1 || !equalHolds(hs[0].Op.(*HoldsStep).Release, map[string][]string{"axiom-env:ghost:3": {snap}}) || len(hs[0].Op.(*HoldsStep).Hold) != 0 {
		t.Fatalf("want the ghost's hold released:\n%s", humanPlan(plan))
	}
	if !strings.Contains(strings.Join(plan.Warnings, "\n"), "garbage collection is skipped: the lock of generation "+testRoot+"/env/f/gen-1 cannot be read") {
		t.Fatalf("warnings %q", plan.Warnings)
	}
	_, _, err := w.e.Reconcile(bg, w.cfg(), defaults)
	must(t, err)
	if got := w.holds(snap); !slices.Equal(got, []string{"axiom-env:e:1", "axiom-env:f:1", "axiom-profile:p"}) {
		t.Fatalf("holds after apply: %v", got)
	}
}

// A kept unmanaged profile (made by upstream's axiom CLI) keeps the packages its lock names, in
// apply as in gc; an unreadable lock of any profile or generation that stays makes GC collect
// nothing, with a warning naming it.
func TestGCRootsIncludeUnmanagedProfiles(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+gcHCL("1h", 100))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	lock, err := os.ReadFile(filepath.Join(w.mp, "profiles", "p", layout.LockFile))
	must(t, err)
	// Upstream's CLI makes a profile of its own with the same lock.
	must(t, w.m.Create(bg, testRoot+"/profiles/upstream", zfs.CreateOptions{}))
	upstreamLock := filepath.Join(w.mp, "profiles", "upstream", layout.LockFile)
	must(t, os.WriteFile(upstreamLock, lock, 0o644))
	w.write("main.hcl", profileHCL("p", "make")+gcHCL("1h", 100))
	w.apply(defaults)
	w.clk.t = w.clk.t.Add(2 * time.Hour)

	for _, opt := range []PlanOptions{defaults, {GCOnly: true}} {
		if p := w.mustPlan(opt); !p.Empty() {
			t.Fatalf("GCOnly %v: zlib, which profile upstream locks, is collected:\n%s", opt.GCOnly, humanPlan(p))
		}
		s, err := w.e.Explain(bg, w.cfg(), zlib, opt)
		must(t, err)
		if !strings.Contains(s, "is kept: it is referenced by the lock of profile upstream on disk") {
			t.Fatalf("explain: %s", s)
		}
	}

	// Its lock becomes unreadable: nothing is collected, even what nothing else names.
	must(t, os.WriteFile(upstreamLock, []byte("resolved: [oops"), 0o644))
	for _, opt := range []PlanOptions{defaults, {GCOnly: true}} {
		p := w.mustPlan(opt)
		if !p.Empty() || !strings.Contains(strings.Join(p.Warnings, "\n"), "garbage collection is skipped: the lock of profile upstream ("+testRoot+"/profiles/upstream) cannot be read") {
			t.Fatalf("GCOnly %v with an unreadable lock:\n%s", opt.GCOnly, humanPlan(p))
		}
	}
	st, err := w.e.Status(bg, w.cfg())
	must(t, err)
	var b strings.Builder
	st.WriteHuman(&b)
	if len(st.Warnings) != 1 || !strings.Contains(b.String(), "Warning: garbage collection is skipped") {
		t.Fatalf("status does not warn:\n%s", b.String())
	}
	must(t, os.Remove(upstreamLock))
	if p := w.mustPlan(defaults); len(stepsOf(p, KindGC)) != 1 {
		t.Fatalf("with the lock gone, zlib is collectable:\n%s", humanPlan(p))
	}
}

// An unmounted package a realize needs gets a mount step; the realize never reads a missing
// root/ as "no files".
func TestUnmountedPackageIsMountedForRealize(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	must(t, w.m.Unmount(zlib))
	// Nothing needs it: nothing to do.
	if p := w.mustPlan(defaults); !p.Empty() {
		t.Fatalf("an unmounted package nothing realizes from:\n%s", humanPlan(p))
	}
	w.write("main.hcl", profileHCL("p", "make", "zlib")+profileHCL("q", "zlib")+envHCL("e", "p"))
	plan := w.mustPlan(defaults)
	ms := stepsOf(plan, KindMount)
	if len(ms) != 1 || string(ms[0].Op.(*MountStep).Dataset) != zlib || !strings.Contains(ms[0].Reason, "environment e is realized from its files") {
		t.Fatalf("want a mount step for %s:\n%s", zlib, humanPlan(plan))
	}
	w.apply(defaults)
	if _, err := os.Stat(filepath.Join(w.mp, "env", "e", "current", "lib", "libz.so.1")); err != nil {
		t.Fatalf("gen-2 lacks zlib's files: %v", err)
	}
}

// Realizing from a package whose root/ is missing is an error, never an empty contribution.
func TestRealizeRefusesMissingRoot(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	root := filepath.Join(w.mp, strings.TrimPrefix(zlib, testRoot+"/"), "root")
	must(t, os.RemoveAll(root))
	w.write("main.hcl", profileHCL("p", "make", "zlib")+profileHCL("q", "zlib")+envHCL("e", "p"))
	_, err := w.plan(defaults)
	wantPlanError(t, err, root+" does not exist", "not mounted")
	// At apply time too (the plan was made while it was there).
	st := &RealizeStep{Env: "e", Profile: "p", Generation: 9, Lock: "", Policy: "error", Packages: []string{strings.TrimPrefix(zlib, testRoot+"/store/pkg/")}}
	err = w.e.realize(bg, layout.Layout{Root: testRoot, Mountpoint: w.mp}, st, "")
	if err == nil || !strings.Contains(err.Error(), root+" does not exist") {
		t.Fatalf("realize: %v", err)
	}
	if w.exists(testRoot + "/env/e/gen-9") {
		t.Fatal("a generation was made from a missing root/")
	}
}

// A profile, environment or generation that is not mounted would look empty: the plan refuses it.
func TestPlanRefusesUnmountedProfile(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	must(t, w.m.Unmount(testRoot+"/profiles/p"))
	_, err := w.plan(defaults)
	wantPlanError(t, err, testRoot+"/profiles/p is not mounted", "zfs mount "+testRoot+"/profiles/p")
}

// A store package whose metadata cannot be read is left out of resolution with a warning; other
// profiles still resolve.
func TestUnreadableStorePackageIsSkipped(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib"))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	must(t, os.WriteFile(filepath.Join(w.mp, strings.TrimPrefix(zlib, testRoot+"/"), "manifest.yaml"), []byte("{{"), 0o644))
	// A source copy of zlib would be chosen in its place; take the source away.
	must(t, os.RemoveAll(filepath.Join(w.src, "zlib-1.3.1")))
	// The engine caches what a committed package holds (read-only on ZFS, it cannot change);
	// the model let the test break it anyway, so plan as the next command would, afresh.
	w.e.meta = store.MetaCache{}
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+profileHCL("q", "zlib"))
	plan := w.mustPlan(defaults)
	if len(stepsOf(plan, KindLock)) != 1 || !strings.Contains(strings.Join(plan.Warnings, "\n"), "store package zlib 1.3.1-1 ("+path.Base(zlib)[:8]+") in "+zlib+" is left out of dependency resolution") {
		t.Fatalf("want p re-locked, with a warning about zlib:\n%s", humanPlan(plan))
	}
	// A profile that needs exactly it fails, saying why.
	w.write("main.hcl", profileHCL("p", "make", "ncurses", "zlib")+profileHCL("q", "zlib"))
	_, err := w.plan(defaults)
	wantPlanError(t, err, `profile "p"`, "could not read, and so could not choose", zlib)
}

// Resolver failures point at the package's constraint, not the profile.
func TestResolveErrorPointsAtConstraint(t *testing.T) {
	w := newWorld(t, "", "profile \"p\" {\n  package \"make\" {}\n  package \"zlib\" { version = \"^9.0\" }\n}\n")
	_, err := w.plan(defaults)
	wantPlanError(t, err, `profile "p" (`+filepath.Join(w.dir, "main.hcl")+":3:")
}

// Names ZFS would refuse for their length are refused at plan time, before anything is applied.
// spec.Load already refuses such a configuration (against the worst case), so the planner's own
// check is reached here with a configuration changed after loading.
func TestPlanRefusesOverlongNames(t *testing.T) {
	long := strings.Repeat("x", 240) // a valid name; its generation's is too long
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	cfg := w.cfg()
	cfg.Environments[0].Name = long
	calls := w.m.Calls
	_, err := w.e.Plan(bg, cfg, defaults)
	wantPlanError(t, err, `generation 1 of environment "`+long+`" would need the name`, "more than the 255 ZFS allows")
	if _, _, err := w.e.Reconcile(bg, cfg, defaults); err == nil || w.m.Calls != calls {
		t.Fatalf("apply: %v, %d zfs calls", err, w.m.Calls-calls)
	}
}

// Steps say why, and which configuration line caused them.
func TestStepsCarryReasonAndSource(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "readline")+envHCL("e", "p"))
	plan := w.mustPlan(defaults)
	main := filepath.Join(w.dir, "main.hcl")
	for _, st := range plan.Steps {
		if st.Reason == "" || st.Source == nil {
			t.Errorf("%s %s: reason %q, source %v", st.Kind(), st.Summary, st.Reason, st.Source)
		}
	}
	want := map[string]string{ // summary prefix -> reason, line
		"import make":     "requested by profile p, not in the store@2",
		"import readline": "requested by profile p, not in the store@3",
		"import ncurses":  "a dependency in the lock of profile p, not in the store@1",
		"realize gen-1":   "no generation yet@5",
		"activate gen-1":  "no generation is current yet@5",
	}
	for _, st := range plan.Steps {
		for prefix, rl := range want {
			if strings.HasPrefix(st.Summary, prefix) {
				reason, line, _ := strings.Cut(rl, "@")
				if st.Reason != reason || st.Source.File != main || !strings.HasPrefix(st.Source.String(), main+":"+line+":") {
					t.Errorf("%s: reason %q at %s, want %q at line %s", st.Summary, st.Reason, st.Source, reason, line)
				}
				delete(want, prefix)
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("steps not found: %v\n%s", want, humanPlan(plan))
	}
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p"))
	plan = w.mustPlan(defaults)
	if r := stepsOf(plan, KindRealize); len(r) != 1 || r[0].Reason != "the lock of profile p changed since gen-1 was built" {
		t.Fatalf("realize reason:\n%s", humanPlan(plan))
	}
}

// A package name whose old version GC collects while the same plan imports a new one keeps its
// name/ container: the plan does not count it as left empty (and so reports no skip for it).
func TestGCKeepsParentOfAnImport(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make ^4.4")+envHCL("e", "p", "keep_generations = 1")+gcHCL("0s", 100))
	w.apply(defaults)
	old := w.pkgDataset("make/4.4.1/1")
	addVersion(t, w.src, "make-4.4.1", "4.4.2")
	w.write("main.hcl", profileHCL("p", "make 4.4.2")+envHCL("e", "p", "keep_generations = 1")+gcHCL("0s", 100))
	plan := w.mustPlan(defaults)
	gc := stepsOf(plan, KindGC)
	pkg := testRoot + "/store/pkg/"
	if len(gc) != 1 || !slices.Equal(layout.Strings(gc[0].Op.(*GCStep).Packages), []string{old}) || !slices.Equal(layout.Strings(gc[0].Op.(*GCStep).Parents), []string{pkg + "make/4.4.1/1", pkg + "make/4.4.1"}) {
		t.Fatalf("want make 4.4.1 and its version containers collected, not make/:\n%s", humanPlan(plan))
	}
	_, done, err := w.e.Reconcile(bg, w.cfg(), defaults)
	must(t, err)
	if len(done.Skipped) != 0 || w.exists(old) || !w.exists(pkg+"make") {
		t.Fatalf("skipped %v; make 4.4.1 exists %v", done.Skipped, w.exists(old))
	}
}

// An unmounted store package is no reason to stop resolving: a source with the same build offers
// the same metadata; without one, it is left out with a warning and mounted for the next pass.
func TestUnmountedPackageInResolution(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib"))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	must(t, w.m.Unmount(zlib))
	w.write("main.hcl", profileHCL("p", "make", "zlib")+profileHCL("q", "zlib"))
	plan := w.mustPlan(defaults)
	if len(plan.Warnings) != 0 || len(stepsOf(plan, KindLock)) != 1 || len(stepsOf(plan, KindImport)) != 0 {
		t.Fatalf("with zlib in a source:\n%s", humanPlan(plan))
	}
	// Without one, a profile that needs it says so; one that does not gets on, and the package
	// is mounted on the way.
	must(t, os.RemoveAll(filepath.Join(w.src, "zlib-1.3.1")))
	_, err := w.plan(defaults)
	wantPlanError(t, err, `profile "p"`, zlib+" is not mounted (zfs mount "+zlib+")")
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+profileHCL("q", "zlib"))
	plan = w.mustPlan(defaults)
	if ms := stepsOf(plan, KindMount); len(ms) != 1 || string(ms[0].Op.(*MountStep).Dataset) != zlib || !strings.Contains(strings.Join(plan.Warnings, "\n"), "store package zlib 1.3.1-1 ("+path.Base(zlib)[:8]+") in "+zlib+" is left out of dependency resolution this pass: it is not mounted") {
		t.Fatalf("without a source:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
}
