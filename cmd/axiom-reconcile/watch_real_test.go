//go:build realzfs

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// watchDaemon is one `axiom-reconcile watch` process of TestWatchReal.
type watchDaemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string // metrics
	log    *syncBuffer
	exited chan error
}

func startWatchDaemon(t *testing.T, env []string, args ...string) *watchDaemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &watchDaemon{t: t, addr: ln.Addr().String(), log: &syncBuffer{}, exited: make(chan error, 1)}
	ln.Close()
	d.cmd = exec.Command("axiom-reconcile", append([]string{"watch", "--metrics-addr", d.addr, "--log-format", "json"}, args...)...)
	d.cmd.Env = env
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-d.exited:
			d.exited <- err
		default:
			d.cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	return d
}

// passes is the sum of axiom_reconcile_passes_total, or -1 while the endpoint does not answer.
func (d *watchDaemon) passes() int {
	resp, err := http.Get("http://" + d.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "axiom_reconcile_passes_total{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			n += int(v)
		}
	}
	return n
}

// wait returns how the daemon exited (nil: status 0), failing the test if it does not within limit.
func (d *watchDaemon) wait(limit time.Duration) error {
	d.t.Helper()
	select {
	case err := <-d.exited:
		d.exited <- err
		return err
	case <-time.After(limit):
		d.t.Fatal("watch did not exit")
		return nil
	}
}

// TestWatchReal runs the daemon against real ZFS: the startup pass converges; an idle daemon
// starts no zfs process between resyncs; an atomic-rename save causes exactly one pass; an
// invalid save none and the next valid save one; the metrics endpoint counts those passes. Then
// SIGTERM arrives while a pass is inside a step (a zfs wrapper holds the step's first `zfs
// create` until the signal has been sent): the step finishes, the pass is logged as cancelled,
// the lock and its owner record are released, the daemon exits 0, and work is left (plan
// --detailed-exitcode exits 2). The next start of watch itself converges (plan then exits 0).
func TestWatchReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	pkgs, err := filepath.Abs("../../examples/packages")
	if err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool) + "/axiom"
	work := t.TempDir()
	cfgDir := filepath.Join(work, "cfg")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	config := func(vim string) string {
		return strings.NewReplacer("%ROOT%", root, "%MP%", "/"+root, "%PKGS%", pkgs).Replace(crashConfigA) +
			"\n# vim: " + vim + "\n"
	}
	save := func(text string) { // as editors do: write a temporary file, rename it over
		t.Helper()
		tmp := filepath.Join(cfgDir, ".main.hcl.swp")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(cfgDir, "main.hcl")); err != nil {
			t.Fatal(err)
		}
	}
	save(config("first"))

	// Every zfs process the daemon starts is logged by a wrapper in front of the real zfs. While
	// the file PAUSE exists, the wrapper holds any `zfs create` (touching PAUSED) until PAUSE is
	// removed: a step that is in progress, deterministically.
	realZFS, err := exec.LookPath("zfs")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "bin")
	zfsLog := filepath.Join(work, "zfs.log")
	pause, paused := filepath.Join(work, "PAUSE"), filepath.Join(work, "PAUSED")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf(`#!/bin/sh
echo "$*" >> %[1]s
if [ "$1" = create ] && [ -e %[2]s ]; then
	: > %[3]s
	while [ -e %[2]s ]; do sleep 0.1; done
fi
exec %[4]s "$@"
`, zfsLog, pause, paused, realZFS)
	if err := os.WriteFile(filepath.Join(bin, "zfs"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	zfsCalls := func() int {
		b, _ := os.ReadFile(zfsLog)
		return strings.Count(string(b), "\n")
	}
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	lockFile := filepath.Join(work, "lock")
	lockArgs := []string{"--lock-file", lockFile, "--gc-lock-file", filepath.Join(work, "gc.lock")}
	statusFile := filepath.Join(work, "status.json")
	daemonArgs := append([]string{"-c", cfgDir, "--debounce", "300ms", "--interval", "1h", "--status-file", statusFile}, lockArgs...)

	status := func() map[string]any {
		b, err := os.ReadFile(statusFile)
		if err != nil {
			return nil
		}
		var s map[string]any
		_ = json.Unmarshal(b, &s)
		return s
	}
	waitFor := func(what string, d *watchDaemon, limit time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (passes %d, status %v)", what, d.passes(), status())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	run := func(args ...string) (string, int) {
		cmd := exec.Command("axiom-reconcile", append(args, lockArgs...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}

	d := startWatchDaemon(t, env, daemonArgs...)
	waitFor("the startup pass", d, 10*time.Minute, func() bool { s := status(); return s != nil && s["result"] == "ok" && d.passes() == 1 })

	// Idle: no zfs process until the next resync.
	before := zfsCalls()
	time.Sleep(5 * time.Second)
	if n := zfsCalls() - before; n != 0 || d.passes() != 1 {
		t.Fatalf("an idle daemon ran %d zfs processes and %d passes", n, d.passes()-1)
	}

	// One atomic-rename save, one pass.
	save(config("second"))
	waitFor("the pass after a save", d, 5*time.Minute, func() bool { return d.passes() == 2 && status()["result"] == "ok" })
	time.Sleep(2 * time.Second)
	if n := d.passes(); n != 2 {
		t.Fatalf("one save caused %d passes", n-1)
	}

	// An invalid save: no pass. The next valid one: one pass.
	save("profile {\n")
	time.Sleep(3 * time.Second)
	if n := d.passes(); n != 2 {
		t.Fatalf("an invalid save caused %d passes", n-2)
	}
	save(config("third"))
	waitFor("the pass after a valid save", d, 5*time.Minute, func() bool { return d.passes() == 3 && status()["result"] == "ok" })

	// SIGTERM while a pass is inside a step: the wrapper holds the step's first `zfs create`.
	if err := os.WriteFile(pause, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	save(strings.Replace(config("fourth"), `version = "~9.0"`, `version = "~9.1"`, 1))
	waitFor("the pass to reach a zfs create", d, 5*time.Minute, func() bool { _, err := os.Stat(paused); return err == nil })
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.exited:
		t.Fatalf("watch exited (%v) while the step it was in had not finished", err)
	case <-time.After(2 * time.Second):
	}
	if err := os.Remove(pause); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(5 * time.Minute); err != nil {
		t.Fatalf("watch exited %v after SIGTERM, want status 0", err)
	}
	var cancelled map[string]any
	for _, l := range logLines(d.log.String(), "pass") {
		if l["pass"] == 4.0 {
			cancelled = l
		}
	}
	if cancelled == nil || cancelled["result"] != "cancelled" || cancelled["trigger"] != "file" ||
		!strings.Contains(fmt.Sprint(cancelled["error"]), "stopped before step") || cancelled["applied"].(float64) < 1 {
		t.Fatalf("the interrupted pass was logged as %v; want result cancelled, stopped before a later step, the step in progress applied", cancelled)
	}
	if s := status(); s["result"] != "cancelled" {
		t.Errorf("status file after SIGTERM: %v", s)
	}
	if _, err := os.Stat(lockFile + ".owner"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock's owner record is still there after the daemon stopped: %v", err)
	}
	if out, code := run("plan", "-c", cfgDir, "--detailed-exitcode"); code != exitChanges {
		t.Fatalf("plan after the interrupted pass exited %d, want %d (work left):\n%s", code, exitChanges, out)
	}

	// The next start of watch converges.
	d2 := startWatchDaemon(t, env, daemonArgs...)
	waitFor("the second daemon's startup pass", d2, 10*time.Minute, func() bool {
		s := status()
		return s != nil && s["trigger"] == "startup" && s["result"] == "ok" && d2.passes() == 1
	})
	if out, code := run("plan", "-c", cfgDir, "--detailed-exitcode"); code != exitOK {
		t.Fatalf("plan after the restarted daemon's pass exited %d, want 0:\n%s", code, out)
	}
	if err := d2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d2.wait(time.Minute); err != nil {
		t.Fatalf("idle watch exited %v after SIGTERM, want status 0", err)
	}
}
