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

// Configuration A builds the tree; B changes it in every way a pass can: a new package, a new
// generation, a pin to drop, a prune, an environment and a profile to remove, and GC. Before B,
// the test also leaves what an earlier crash would: a temporary dataset, a leaked hold and a
// missing one.
const crashConfigA = `
store {
  dataset    = "%ROOT%"
  mountpoint = "%MP%"
}
source "samples" { path = "%PKGS%" }
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

const crashConfigB = `
store {
  dataset    = "%ROOT%"
  mountpoint = "%MP%"
}
source "samples" { path = "%PKGS%" }
profile "tools" {
  package "vim" { version = "~9.1" }
}
environment "dev" {
  profile          = "tools"
  keep_generations = 1
}
gc { grace_period = "0s" }
`

// phaseB are the failpoints only the second configuration reaches, in the order it reaches them.
var phaseB = []string{
	failpoint.TempCleaned, failpoint.HoldsRepaired, failpoint.ActivateUnpinned,
	failpoint.PruneReleased, failpoint.PruneDestroyed, failpoint.RemoveEnvReleased,
	failpoint.RemoveEnvDestroyed, failpoint.RemoveProfile, failpoint.GCBatch,
}

// TestCrashAtEveryFailpointReal kills `axiom-reconcile apply` with SIGKILL at every failpoint and
// requires it to converge. The crashes are chained, in the order a pass reaches the points: each
// run after a crash must get past the debris the crash left (or it fails the test, instead of
// being killed at its own point), and a final apply must succeed with an empty plan after it (so
// no temporary dataset, no leaked or missing hold, no generation missing a package remains).
// Configuration A builds the tree; then the test leaves an earlier crash's debris and chains
// configuration B's points. Every point must actually be reached.
func TestCrashAtEveryFailpointReal(t *testing.T) {
	if !failpoint.Enabled {
		t.Fatal("this test needs a binary built with -tags failpoints")
	}
	pool := zfstest.RealPool(t)
	pkgs, err := filepath.Abs("../../examples/packages")
	if err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool) + "/axiom"
	mp := "/" + root
	work := t.TempDir()
	cfgA, cfgB := filepath.Join(work, "a"), filepath.Join(work, "b")
	for dir, text := range map[string]string{cfgA: crashConfigA, cfgB: crashConfigB} {
		text = strings.NewReplacer("%ROOT%", root, "%MP%", mp, "%PKGS%", pkgs).Replace(text)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(point string, args ...string) (killed bool, out string, err error) {
		cmd := exec.Command("axiom-reconcile", append(args, "--lock-file", filepath.Join(work, "lock"), "--gc-lock-file", filepath.Join(work, "gc.lock"), "--log-level", "warn")...)
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
	chain := func(cfg string, points []string) {
		t.Helper()
		for _, fp := range points {
			killed, out, err := cli(fp, "apply", "-c", cfg)
			if !killed {
				t.Fatalf("failpoint %s was not reached after the crash before it (err %v):\n%s", fp, err, out)
			}
			t.Logf("killed at %s", fp)
		}
		if _, out, err := cli("", "apply", "-c", cfg); err != nil {
			t.Fatalf("apply after the last crash: %v\n%s", err, out)
		}
		if _, out, err := cli("", "plan", "-c", cfg, "--detailed-exitcode"); err != nil {
			t.Fatalf("plan after converging is not empty (%v):\n%s", err, out)
		}
	}

	var phaseA []string
	for _, fp := range failpoint.Names() {
		if !slices.Contains(phaseB, fp) {
			phaseA = append(phaseA, fp)
		}
	}
	chain(cfgA, phaseA)
	leaveDebris(t, c, root)
	chain(cfgB, phaseB)
}

// leaveDebris makes the tree look like an earlier pass crashed: a temporary dataset, a hold of a
// generation that does not exist, a generation missing one of its holds, and a rollback pin from a
// configuration that has changed since.
func leaveDebris(t *testing.T, c *zfs.CLI, root string) {
	t.Helper()
	l := layout.Layout{Root: root}
	if err := c.Create(bg, l.Tmp()+"/gen-dev-9-deadbeef", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindGeneration}}); err != nil {
		t.Fatal(err)
	}
	tree, err := c.Observe(bg, l.PkgRoot())
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
	if err := c.Hold(bg, layout.HoldTag("dev", 9), makeSnap); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(bg, layout.HoldTag("dev", 1), ncursesSnap); err != nil {
		t.Fatal(err)
	}
	if err := c.SetProps(bg, l.Env("dev"), zfs.Props{layout.PropPinned: "1", layout.PropPinnedFor: "sha256:an-older-configuration"}); err != nil {
		t.Fatal(err)
	}
}
