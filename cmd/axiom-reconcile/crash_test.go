//go:build realzfs

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// crashStore is every configuration's store and source.
const crashStore = `
store {
  dataset    = "%ROOT%"
  mountpoint = "%MP%"
}
source "samples" { path = "%PKGS%" }
`

// Configuration A builds the tree; B changes it in every way a pass can: a new package, a new
// generation, a pin to drop, a prune, an environment and a profile to remove, and GC. Before B,
// the test also leaves what an earlier crash (or someone) would: a temporary dataset, a leftover
// temporary file, a leaked hold and a missing one, a property drifted, a package unmounted. C
// prunes and removes once more, for the points after a prune's or a removal's destroy (a pass
// killed before them has nothing left to prune or remove). D builds a second generation to roll
// back to, and the `rollback` command is killed at its own points.
const crashConfigA = crashStore + `
profile "tools" {
  package "vim" { version = "~9.0" }
}
profile "old" {
  package "make" {}
}
environment "dev" {
  profile          = "tools"
  keep_generations = 1
}
environment "legacy" { profile = "old" }
gc { grace_period = "0s" }
`

const crashConfigB = crashStore + `
profile "tools" {
  package "vim" { version = "~9.1" }
}
environment "dev" {
  profile          = "tools"
  keep_generations = 1
}
environment "extra" { profile = "tools" }
gc { grace_period = "0s" }
`

const crashConfigC = crashStore + `
profile "tools" {
  package "vim" { version = "~9.0" }
}
environment "dev" {
  profile          = "tools"
  keep_generations = 1
}
gc { grace_period = "0s" }
`

const crashConfigD = crashStore + `
profile "tools" {
  package "vim" { version = "~9.1" }
}
environment "dev" {
  profile          = "tools"
  keep_generations = 2
}
gc { grace_period = "0s" }
`

// The failpoints only the later configurations reach, in the order they reach them; every other
// one must be reached by configuration A.
var (
	phaseB = []string{
		failpoint.TempCleaned, failpoint.FilesCleaned, failpoint.HoldsReleased, failpoint.Mounted, failpoint.PropsSet, failpoint.ActivateUnpinned,
		failpoint.PruneOriginRenamed, failpoint.PrunePromoted, failpoint.PruneDestroyed,
		failpoint.RemoveEnvDestroyed, failpoint.RemoveProfile, failpoint.GCUnmounted, failpoint.GCBatch,
	}
	phaseC        = []string{failpoint.PruneReleased, failpoint.RemoveEnvReleased}
	phaseD        = []string{failpoint.HoldsRepaired}
	phaseRollback = []string{failpoint.RollbackPinned}
)

// TestCrashAtEveryFailpointReal kills axiom-reconcile with SIGKILL at every failpoint and requires
// it to converge. The crashes are chained, in the order a pass reaches the points: each run after
// a crash must get past the debris the crash left (or it fails the test, instead of being killed
// at its own point), and a final run must succeed with an empty plan after it (so no temporary
// dataset or file, no leaked or missing hold, no generation missing a package remains). Every
// point must actually be reached, and datasets the reconciler does not own survive all of it.
//
// Two chains run side by side, each on a tree of its own. "build": configuration A's points,
// from an empty tree. "change": configuration A applied without a crash, then the test leaves an
// earlier crash's debris and chains configuration B's points, then C's, then D's (after dropping
// a hold), then the rollback command's.
func TestCrashAtEveryFailpointReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	if !failpoint.Enabled {
		t.Fatal("this test needs a binary built with -tags failpoints")
	}
	later := slices.Concat(phaseB, phaseC, phaseD, phaseRollback)
	var phaseA []string
	for _, fp := range failpoint.Names() {
		if !slices.Contains(later, fp) {
			phaseA = append(phaseA, fp)
		}
	}
	t.Run("build", func(t *testing.T) {
		t.Parallel()
		r := newCrashRig(t)
		r.chain(r.cfgs["a"], phaseA, "apply")
	})
	t.Run("change", func(t *testing.T) {
		t.Parallel()
		r := newCrashRig(t)
		r.chain(r.cfgs["a"], nil, "apply")
		foreign := plantForeign(t, r.c, r.root)
		leaveDebris(t, r.c, r.root, r.mp)
		r.chain(r.cfgs["b"], phaseB, "apply")
		r.chain(r.cfgs["c"], phaseC, "apply")
		// gen-3 stays in D: a hold it lost must be placed again (in B, every generation the
		// debris touched is pruned or removed, so no hold is missing there).
		dropHold(t, r.c, r.root, "dev", 3)
		r.chain(r.cfgs["d"], phaseD, "apply")
		r.chain(r.cfgs["d"], phaseRollback, "rollback", "dev")
		foreign.check(t)
	})
}

// crashRig is one crash chain's tree, configurations and lock files.
type crashRig struct {
	t              *testing.T
	c              *zfs.CLI
	root, mp, work string
	cfgs           map[string]string // "a".."d" -> configuration directory
}

func newCrashRig(t *testing.T) *crashRig {
	pool := zfstest.RealPool(t)
	pkgs, err := filepath.Abs("../../examples/packages")
	if err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool) + "/axiom"
	r := &crashRig{t: t, c: c, root: root, mp: "/" + root, work: t.TempDir(), cfgs: map[string]string{}}
	for name, text := range map[string]string{"a": crashConfigA, "b": crashConfigB, "c": crashConfigC, "d": crashConfigD} {
		dir := filepath.Join(r.work, name)
		r.cfgs[name] = dir
		text = strings.NewReplacer("%ROOT%", root, "%MP%", r.mp, "%PKGS%", pkgs).Replace(text)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// cli runs axiom-reconcile, to be killed at point ("" for none).
func (r *crashRig) cli(point string, args ...string) (killed bool, out string, err error) {
	cmd := exec.Command("axiom-reconcile", append(args, "--lock-file", filepath.Join(r.work, "lock"), "--gc-lock-file", filepath.Join(r.work, "gc.lock"), "--log-level", "warn")...)
	cmd.Env = append(os.Environ(), failpoint.Env+"="+point)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, string(b), nil
		}
	}
	return false, string(b), err
}

// chain runs args (with -c cfg) once per point, each to be killed there, then once more to
// succeed; then the plan must be empty.
func (r *crashRig) chain(cfg string, points []string, args ...string) {
	t := r.t
	t.Helper()
	args = append(args, "-c", cfg)
	for _, fp := range points {
		killed, out, err := r.cli(fp, args...)
		if !killed {
			t.Fatalf("failpoint %s was not reached by %v after the crash before it (err %v):\n%s", fp, args, err, out)
		}
		t.Logf("killed at %s", fp)
	}
	if _, out, err := r.cli("", args...); err != nil {
		t.Fatalf("%v after the last crash: %v\n%s", args, err, out)
	}
	if _, out, err := r.cli("", "plan", "-c", cfg, "--detailed-exitcode"); err != nil {
		t.Fatalf("plan after converging is not empty (%v):\n%s", err, out)
	}
}

// dropHold releases generation k's tag from the first package snapshot that carries it.
func dropHold(t *testing.T, c *zfs.CLI, root, env string, k int) {
	t.Helper()
	tree, err := c.Observe(bg, root+"/store/pkg")
	if err != nil {
		t.Fatal(err)
	}
	var held []string
	for _, d := range tree.Datasets {
		if d.Type == zfs.Snapshot && d.UserRefs > 0 {
			held = append(held, d.Name)
		}
	}
	tags, err := c.Holds(bg, held...)
	if err != nil {
		t.Fatal(err)
	}
	tag := string(layout.HoldTag(env, k))
	for _, s := range held {
		if slices.Contains(tags[s], tag) {
			if err := c.Release(bg, tag, s); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no package is held by %s", tag)
}

// foreignDatasets are datasets in the tree the reconciler does not own.
type foreignDatasets map[string]uint64 // name -> guid

func plantForeign(t *testing.T, c *zfs.CLI, root string) foreignDatasets {
	t.Helper()
	f := foreignDatasets{}
	for _, n := range []string{root + "/profiles/handmade", root + "/env/handmade", root + "/store/notes"} {
		if err := c.Create(bg, n, zfs.CreateOptions{Props: zfs.Props{"axiom:note": "not yours"}}); err != nil {
			t.Fatal(err)
		}
		f[n] = 0
	}
	tree, err := c.Observe(bg, root)
	if err != nil {
		t.Fatal(err)
	}
	for n := range f {
		d, _ := tree.Get(n)
		f[n] = d.GUID
	}
	return f
}

func (f foreignDatasets) check(t *testing.T) {
	t.Helper()
	var names []string
	for n := range f {
		names = append(names, n)
	}
	tree, err := zfs.NewCLI(zerolog.Nop()).Observe(bg, names...)
	if err != nil {
		t.Fatal(err)
	}
	for n, guid := range f {
		d, ok := tree.Get(n)
		if !ok || d.GUID != guid {
			t.Fatalf("unmanaged dataset %s was destroyed or replaced", n)
		}
		if v, _ := d.Local("axiom:note"); v != "not yours" {
			t.Fatalf("unmanaged dataset %s was changed: %+v", n, d.Props)
		}
		if _, ok := d.Local(layout.PropManagedBy); ok {
			t.Fatalf("unmanaged dataset %s was marked managed", n)
		}
	}
}

// leaveDebris makes the tree look like an earlier pass crashed, or someone meddled: a temporary
// dataset, a temporary file of a killed write, a hold of a generation that does not exist, a
// generation missing one of its holds, a rollback pin from a configuration that has changed
// since, an environment property drifted, and a package B realizes from unmounted.
func leaveDebris(t *testing.T, c *zfs.CLI, root, mp string) {
	t.Helper()
	l := layout.Layout{Root: layout.Dataset(root), Mountpoint: mp}
	if err := c.Create(bg, string(l.Temp("gen-dev-9", "deadbeef")), zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindGeneration}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.Path(l.Profile("tools")), "."+layout.ProfileFile+".123456.tmp"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := c.Observe(bg, string(l.PkgRoot()))
	if err != nil {
		t.Fatal(err)
	}
	var makeSnap, ncursesSnap string
	for _, d := range tree.Datasets {
		switch {
		case d.Type == zfs.Snapshot && strings.Contains(d.Name, "/make/"):
			makeSnap = d.Name
		case d.Type == zfs.Snapshot && strings.Contains(d.Name, "/ncurses/"):
			ncursesSnap = d.Name
		}
	}
	if makeSnap == "" || ncursesSnap == "" {
		t.Fatalf("packages missing after apply A: %v", tree.Datasets)
	}
	if err := c.Hold(bg, string(layout.HoldTag("dev", 9)), makeSnap); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(bg, string(layout.HoldTag("dev", 1)), ncursesSnap); err != nil {
		t.Fatal(err)
	}
	if err := c.SetProps(bg, string(l.Env("dev")), zfs.Props{layout.PropPinned: "1", layout.PropPinnedFor: "sha256:an-older-configuration", layout.PropPreventDestroy: "on"}); err != nil {
		t.Fatal(err)
	}
	ncurses, _, _ := strings.Cut(ncursesSnap, "@")
	if out, err := exec.Command("zfs", "unmount", ncurses).CombinedOutput(); err != nil {
		t.Fatalf("zfs unmount %s: %v\n%s", ncurses, err, out)
	}
}
