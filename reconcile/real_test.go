//go:build realzfs

package reconcile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// realEngine gives a test an engine on real ZFS and a fresh Axiom root below the test pool.
func realEngine(t testing.TB) (*Engine, *zfs.CLI, string, string) {
	t.Helper()
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...)) // as the command builds it
	base := zfstest.NewRoot(t, c, pool)
	root := base + "/axiom"
	return &Engine{ZFS: c, Log: zerolog.Nop()}, c, root, "/" + root
}

// foreign plants datasets the reconciler does not own inside the tree: an upstream-style
// package, an undeclared profile and a child of the store container. Every test checks they
// survive untouched.
type foreign struct {
	names []string
	guids map[string]uint64
}

func plantForeign(t *testing.T, c *zfs.CLI, root, mp string) *foreign {
	t.Helper()
	must(t, c.Create(bg, root, zfs.CreateOptions{Props: zfs.Props{"mountpoint": mp}}))
	f := &foreign{names: []string{
		root + "/store/pkg/handmade/1.0.0/1/0123456789abcdef",
		root + "/profiles/handmade",
		root + "/env/handmade",
	}}
	for _, n := range f.names {
		must(t, c.Create(bg, n, zfs.CreateOptions{Parents: true, Props: zfs.Props{"axiom:note": "not yours"}}))
	}
	must(t, c.SetProps(bg, f.names[0], zfs.Props{"readonly": "on"}))
	must(t, c.Snapshot(bg, f.names[0]+"@installed"))
	f.guids = f.snapshot(t, c)
	return f
}

func (f *foreign) snapshot(t *testing.T, _ *zfs.CLI) map[string]uint64 {
	t.Helper()
	// A client that reads every user property: the engine's reads only the reconciler's.
	tree, err := zfs.NewCLI(zerolog.Nop()).Observe(bg, f.names...)
	must(t, err)
	out := map[string]uint64{}
	for _, d := range tree.Datasets {
		out[d.Name] = d.GUID
		if v, ok := d.Local("axiom:note"); d.Type != zfs.Snapshot && (!ok || v != "not yours") {
			t.Fatalf("%s: its properties changed: %+v", d.Name, d.Props)
		}
		if _, ok := d.Local(layout.PropManagedBy); ok {
			t.Fatalf("%s was marked managed", d.Name)
		}
	}
	return out
}

func (f *foreign) check(t *testing.T, c *zfs.CLI) {
	t.Helper()
	now := f.snapshot(t, c)
	if len(now) != len(f.guids) {
		t.Fatalf("unmanaged datasets changed: had %v, now %v", f.guids, now)
	}
	for n, g := range f.guids {
		if now[n] != g {
			t.Fatalf("unmanaged dataset %s was replaced or destroyed", n)
		}
	}
}

// TestExamplesReal applies an example on real ZFS: it converges, the next plan and apply do
// nothing (no mutating zfs command), generations are read-only, and foreign datasets survive.
func TestExamplesReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	// One example on real ZFS: fleet-host, the one whose first apply runs the most zfs commands.
	// TestExamplesConvergeOnModel applies every example (the model is where the planner's
	// logic is proven), and `make demo` applies all of them on real ZFS as a user would.
	for _, ex := range []string{"fleet-host"} {
		t.Run(ex, func(t *testing.T) {
			e, c, root, mp := realEngine(t)
			f := plantForeign(t, c, root, mp)
			cfg := loadConfig(t, filepath.Join("..", "examples", ex), root, mp)

			plan, done, err := e.Reconcile(bg, cfg, PlanOptions{})
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, planText(plan))
			}
			procs, mutating := c.Stats()
			t.Logf("first apply: %d steps, %d zfs processes (%d mutating), %s", done.Steps, procs, mutating, done.Duration)

			again, err := e.Plan(bg, cfg, PlanOptions{})
			must(t, err)
			if !again.Empty() {
				t.Fatalf("plan after apply is not empty:\n%s", planText(again))
			}

			p0, m0 := c.Stats()
			start := time.Now()
			_, done, err = e.Reconcile(bg, cfg, PlanOptions{})
			must(t, err)
			p1, m1 := c.Stats()
			t.Logf("no-op apply: %d zfs processes, %d mutating, %s", p1-p0, m1-m0, time.Since(start))
			if done.Steps != 0 || m1 != m0 {
				t.Fatalf("second apply ran %d steps and %d mutating zfs commands; want 0 and 0", done.Steps, m1-m0)
			}

			for _, env := range cfg.Environments {
				bin := filepath.Join(mp, "env", env.Name, "current", "bin")
				entries, err := os.ReadDir(bin)
				if err != nil || len(entries) == 0 {
					t.Fatalf("%s: current/bin: %v (%d entries)", env.Name, err, len(entries))
				}
				if err := os.WriteFile(filepath.Join(bin, "x"), nil, 0o644); err == nil {
					t.Fatalf("%s: a generation is writable", env.Name)
				}
			}
			f.check(t, c)
		})
	}
}

// TestGenerationsRollbackGCReal walks an environment through its life on real ZFS: a profile change
// makes gen-2 and keeps gen-1; rollback pins gen-1 and plans leave it; a later change moves on,
// prunes, and GC removes what nothing uses only once the grace period has passed.
func TestGenerationsRollbackGCReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	e, c, root, mp := realEngine(t)
	f := plantForeign(t, c, root, mp)
	dir := t.TempDir()
	copyDir(t, filepath.Join("..", "examples"), dir)
	cfgDir := filepath.Join(dir, "workstation")
	clk := &clock{t: time.Now()}
	e.Now = clk.now
	apply := func(what string) *Plan {
		t.Helper()
		cfg := loadConfig(t, cfgDir, root, mp)
		plan, _, err := e.Reconcile(bg, cfg, PlanOptions{})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		again, err := e.Plan(bg, cfg, PlanOptions{})
		must(t, err)
		if !again.Empty() {
			t.Fatalf("%s: plan after apply is not empty:\n%s", what, planText(again))
		}
		return plan
	}
	current := func(env string) string {
		t.Helper()
		cur, err := os.Readlink(filepath.Join(mp, "env", env, "current"))
		must(t, err)
		return cur
	}
	gens := func(env string) []string {
		t.Helper()
		tree, err := c.Observe(bg, root+"/env/"+env)
		must(t, err)
		var out []string
		for _, d := range tree.Children(root + "/env/" + env) {
			out = append(out, filepath.Base(d.Name))
		}
		return out
	}
	edit := func(from, to string) {
		t.Helper()
		p := filepath.Join(cfgDir, "profiles.hcl")
		b, err := os.ReadFile(p)
		must(t, err)
		if !strings.Contains(string(b), from) {
			t.Fatalf("profiles.hcl has no %q", from)
		}
		must(t, os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
	}

	apply("first apply")
	if current("py") != "gen-1" {
		t.Fatalf("py current = %s", current("py"))
	}

	edit(`package "python" { version = "~3.12" }`, `package "python" { version = "~3.11" }`)
	plan := apply("python 3.11")
	if !strings.Contains(planText(plan), "python 3.12.4-1 -> 3.11.9-1") {
		t.Fatalf("the plan does not show the lock change:\n%s", planText(plan))
	}
	if current("py") != "gen-2" || !slices.Equal(gens("py"), []string{"gen-1", "gen-2"}) {
		t.Fatalf("after a profile change: current %s, generations %v", current("py"), gens("py"))
	}

	// Rollback pins gen-1; plans say so and leave it.
	from, to, err := e.Rollback(bg, loadConfig(t, cfgDir, root, mp), "py", 0)
	must(t, err)
	if from != 2 || to != 1 || current("py") != "gen-1" {
		t.Fatalf("rollback: %d -> %d, current %s", from, to, current("py"))
	}
	cfg := loadConfig(t, cfgDir, root, mp)
	pinned, err := e.Plan(bg, cfg, PlanOptions{})
	must(t, err)
	if !pinned.Empty() || len(pinned.Notes) == 0 || !strings.Contains(pinned.Notes[0], "pinned at gen-1") {
		t.Fatalf("plan after rollback:\n%s", planText(pinned))
	}

	// A configuration change moves on: gen-3, the pin goes, gen-1 falls out of keep_generations = 2.
	edit(`package "bash" { version = "^5.2.0" }`, `package "bash" { version = "^5.1.0" }`)
	edit(`package "python" { version = "~3.11" }`, `package "python" { version = "~3.12" }`)
	apply("moving on")
	if current("py") != "gen-3" || !slices.Equal(gens("py"), []string{"gen-2", "gen-3"}) {
		t.Fatalf("after moving on: current %s, generations %v", current("py"), gens("py"))
	}
	tree, err := c.Observe(bg, root)
	must(t, err)
	if d, _ := tree.Get(root + "/env/py"); d.Props[layout.PropPinned].Source == zfs.SourceLocal {
		t.Fatal("the rollback pin survived a configuration change")
	}

	// Every package a retained generation uses is held by it and present.
	checkRetained := func() {
		t.Helper()
		tree, err := c.Observe(bg, root)
		must(t, err)
		for _, env := range []string{"dev", "py"} {
			for _, g := range gens(env) {
				k, _ := layout.ParseGeneration(g)
				lockPath := filepath.Join(mp, "env", env, g, layout.GenerationLock)
				b, err := os.ReadFile(lockPath)
				must(t, err)
				var snaps []string
				lk := mustLock(t, b)
				for _, id := range lockIDs(&lk) {
					snap := root + "/store/pkg/" + id.Path() + "@installed"
					if _, ok := tree.Get(snap); !ok {
						t.Fatalf("%s/%s uses %s, which is gone", env, g, id)
					}
					snaps = append(snaps, snap)
				}
				holds, err := c.Holds(bg, snaps...)
				must(t, err)
				for _, s := range snaps {
					if !slices.Contains(holds[s], string(layout.HoldTag(env, k))) {
						t.Fatalf("%s is not held by %s/%s: %v", s, env, g, holds[s])
					}
				}
			}
		}
	}
	checkRetained()

	// GC. Packages were created about now; the engine's clock moves instead.
	t0 := clk.t
	py311 := func() string {
		t.Helper()
		tree, err := c.Observe(bg, root+"/store/pkg/python/3.11.9")
		must(t, err)
		for _, d := range tree.Datasets {
			if d.Type == zfs.Filesystem && strings.Count(strings.TrimPrefix(d.Name, root+"/store/pkg/"), "/") == 3 {
				return d.Name
			}
		}
		return ""
	}
	explain := func(ds string, opt PlanOptions) string {
		t.Helper()
		s, err := e.Explain(bg, loadConfig(t, cfgDir, root, mp), ds, opt)
		must(t, err)
		return s
	}
	python311 := py311()
	if python311 == "" {
		t.Fatal("python 3.11.9 is not in the store")
	}

	// Past the grace period, a package only a retained generation uses (python 3.11.9: py/gen-2;
	// the profile now locks 3.12) is kept, by apply and by gc alike.
	clk.t = t0.Add(25 * time.Hour)
	for _, opt := range []PlanOptions{{}, {GCOnly: true}} {
		p, err := e.Plan(bg, loadConfig(t, cfgDir, root, mp), opt)
		must(t, err)
		if !p.Empty() {
			t.Fatalf("GC (gc only: %v) past the grace period collects what a retained generation uses:\n%s", opt.GCOnly, planText(p))
		}
		if s := explain(python311, opt); !strings.Contains(s, "is kept: it is referenced by generation "+root+"/env/py/gen-2") {
			t.Fatalf("explain: %s", s)
		}
	}

	// Within the grace period, an unreferenced package is kept: keep one generation (gen-2 goes,
	// and with it the last reference to python 3.11.9) an hour after the packages were made.
	p := filepath.Join(cfgDir, "environments.hcl")
	b, err := os.ReadFile(p)
	must(t, err)
	must(t, os.WriteFile(p, []byte(strings.Replace(string(b), "keep_generations = 2", "keep_generations = 1", 1)), 0o644))
	clk.t = t0.Add(time.Hour)
	plan = apply("keep one generation, within the grace period")
	if text := planText(plan); !strings.Contains(text, "prune gen-2") || len(stepsOf(plan, KindGC)) != 0 {
		t.Fatalf("expected gen-2 pruned and nothing collected:\n%s", text)
	}
	if py311() != python311 {
		t.Fatal("python 3.11.9 was collected within the grace period")
	}
	if s := explain(python311, PlanOptions{}); !strings.Contains(s, "is kept: it is within the grace period until ") {
		t.Fatalf("explain: %s", s)
	}
	checkRetained()

	// Past the grace period it is collectable, and only it. A shell whose working directory is
	// inside it keeps GC from unmounting it: it is skipped as busy, left whole (its snapshot
	// too, so it is not half-destroyed), and collected once the shell is gone.
	clk.t = t0.Add(25 * time.Hour)
	gcPlan, err := e.Plan(bg, loadConfig(t, cfgDir, root, mp), PlanOptions{})
	must(t, err)
	if gc := stepsOf(gcPlan, KindGC); len(gc) != 1 || !slices.Equal(layout.Strings(gc[0].Op.(*GCStep).Packages), []string{python311}) {
		t.Fatalf("want python 3.11.9 alone collected:\n%s", planText(gcPlan))
	}
	if s := explain(python311, PlanOptions{}); !strings.Contains(s, "is collectable") {
		t.Fatalf("explain: %s", s)
	}
	shell := exec.Command("sleep", "600")
	shell.Dir = filepath.Join(mp, strings.TrimPrefix(python311, root+"/"), "root")
	must(t, shell.Start())
	_, done, err := e.Reconcile(bg, loadConfig(t, cfgDir, root, mp), PlanOptions{})
	_ = shell.Process.Kill()
	_ = shell.Wait()
	must(t, err)
	if done.Skipped[python311] != zfs.SkipBusy {
		t.Fatalf("GC with a shell inside the package: skipped %v", done.Skipped)
	}
	tree, err = c.Observe(bg, python311)
	must(t, err)
	if _, ok := tree.Get(python311 + "@installed"); !ok {
		t.Fatalf("the busy package lost its @installed: %v", tree.Datasets)
	}
	if d, _ := tree.Get(python311); d == nil || d.Unmounted {
		t.Fatalf("the busy package is not mounted any more: %+v", d)
	}
	plan = apply("past the grace period")
	if gc := stepsOf(plan, KindGC); len(gc) != 1 || !slices.Equal(layout.Strings(gc[0].Op.(*GCStep).Packages), []string{python311}) || py311() != "" {
		t.Fatalf("python 3.11.9 was not collected past the grace period:\n%s", planText(plan))
	}
	checkRetained()

	// Removing an environment and a profile never takes unmanaged datasets inside them along:
	// the plan fails naming them, and nothing is destroyed; once they are moved away, the
	// removal goes ahead.
	extra := filepath.Join(cfgDir, "extra.hcl")
	must(t, os.WriteFile(extra, []byte("profile \"notes\" {\n  package \"make\" {}\n}\nenvironment \"scratch\" {\n  profile = \"notes\"\n}\n"), 0o644))
	apply("an extra environment and profile")
	inside := []string{root + "/env/scratch/mine", root + "/profiles/notes/mine"}
	for _, n := range inside {
		must(t, c.Create(bg, n, zfs.CreateOptions{Props: zfs.Props{"axiom:note": "not yours"}}))
	}
	must(t, os.Remove(extra))
	cfg = loadConfig(t, cfgDir, root, mp)
	_, _, err = e.Reconcile(bg, cfg, PlanOptions{})
	for _, n := range inside {
		if err == nil || !strings.Contains(err.Error(), n+" is not managed by axiom-reconcile") {
			t.Fatalf("removing what holds %s: %v", n, err)
		}
	}
	tree, err = c.Observe(bg, root)
	must(t, err)
	for _, n := range append(inside, root+"/env/scratch/gen-1", root+"/profiles/notes") {
		if _, ok := tree.Get(n); !ok {
			t.Fatalf("%s was destroyed", n)
		}
	}
	for _, n := range inside {
		must(t, c.Rename(bg, n, strings.TrimSuffix(root, "/axiom")+"/kept-"+filepath.Base(filepath.Dir(n)), zfs.RenameOptions{}))
	}
	apply("the extra environment and profile removed")
	tree, err = c.Observe(bg, root)
	must(t, err)
	if _, ok := tree.Get(root + "/env/scratch"); ok {
		t.Fatal("env/scratch survived its removal")
	}
	checkRetained()
	f.check(t, c)
}

// mustLock parses a generation's lock copy.
func mustLock(t testing.TB, b []byte) pkgmeta.Lock {
	t.Helper()
	lk, err := pkgmeta.ParseLock(b)
	must(t, err)
	return lk
}

// TestStoreLockReal: on real ZFS the store lock is a file in the tmp container's own
// filesystem (not in the directory below its mount), made with the containers on a new store,
// and a second holder is refused while the first holds it.
func TestStoreLockReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	e, _, root, mp := realEngine(t)
	cfg := &spec.Config{Store: spec.Store{Dataset: root, Mountpoint: mp}}
	h, err := e.LockStore(bg, cfg, LockOptions{Command: "apply -c /jail1"})
	must(t, err)
	defer h.Release()
	var lk, dir, parent syscall.Stat_t
	must(t, syscall.Stat(filepath.Join(mp, "tmp", StoreLockFile), &lk))
	must(t, syscall.Stat(filepath.Join(mp, "tmp"), &dir))
	must(t, syscall.Stat(mp, &parent))
	if lk.Dev != dir.Dev || dir.Dev == parent.Dev {
		t.Fatalf("the lock (dev %d) is not in tmp's own filesystem (dev %d; the root's %d)", lk.Dev, dir.Dev, parent.Dev)
	}
	if _, err := e.LockStore(bg, cfg, LockOptions{}); !IsLocked(err) || !strings.Contains(err.Error(), "/jail1") {
		t.Fatalf("a second store lock: %v; want it refused, naming the holder", err)
	}
}

// TestProfileHoldReal: on real ZFS, a package only a profile's lock names (no environment uses
// it) is held by the profile, so a hand-run `zfs destroy -r` of it fails ("cannot destroy
// snapshot ...@installed: it's being held", EBUSY) and the package stays.
func TestProfileHoldReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	e, c, root, mp := realEngine(t)
	pkgs, err := filepath.Abs(filepath.Join("..", "examples", "packages"))
	must(t, err)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(fmt.Sprintf(
		"store {\n  dataset = %q\n  mountpoint = %q\n}\nsource \"s\" { path = %q }\nprofile \"p\" {\n  package \"make\" {}\n}\n", root, mp, pkgs)), 0o644))
	_, _, err = e.Reconcile(bg, loadConfig(t, dir, root, mp), PlanOptions{})
	must(t, err)
	tree, err := c.Observe(bg, root+"/store/pkg/make")
	must(t, err)
	var pkg string
	for _, d := range tree.Datasets {
		if d.Type == zfs.Snapshot {
			pkg, _, _ = strings.Cut(d.Name, "@")
		}
	}
	if pkg == "" {
		t.Fatal("make was not imported")
	}
	out, err := exec.Command("zfs", "destroy", "-r", pkg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "being held") {
		t.Fatalf("zfs destroy -r %s: %v: %s; want it refused as busy", pkg, err, out)
	}
	if _, err := c.Observe(bg, pkg); err != nil {
		t.Fatalf("the package went: %v", err)
	}
}
