//go:build realzfs

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// TestWatchReal runs the daemon against real ZFS: the startup pass converges; an idle daemon
// starts no zfs process between resyncs; an atomic-rename save causes exactly one pass; an
// invalid save none and the next valid save one; the metrics endpoint counts those passes; and
// SIGTERM during a pass exits 0, after which the next run converges.
func TestWatchReal(t *testing.T) {
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

	// Every zfs process the daemon starts is logged by a wrapper in front of the real zfs.
	realZFS, err := exec.LookPath("zfs")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "bin")
	zfsLog := filepath.Join(work, "zfs.log")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\nexec %s \"$@\"\n", zfsLog, realZFS)
	if err := os.WriteFile(filepath.Join(bin, "zfs"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	zfsCalls := func() int {
		b, _ := os.ReadFile(zfsLog)
		return strings.Count(string(b), "\n")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	statusFile := filepath.Join(work, "status.json")
	cmd := exec.Command("axiom-reconcile", "watch", "-c", cfgDir, "--debounce", "300ms", "--interval", "1h",
		"--metrics-addr", addr, "--status-file", statusFile,
		"--lock-file", filepath.Join(work, "lock"), "--gc-lock-file", filepath.Join(work, "gc.lock"), "--log-format", "json")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logTail strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logTail.WriteString(sc.Text() + "\n")
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logTail.String())
		}
	}()

	passes := func() int {
		resp, err := http.Get("http://" + addr + "/metrics")
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
	status := func() map[string]any {
		b, err := os.ReadFile(statusFile)
		if err != nil {
			return nil
		}
		var s map[string]any
		_ = json.Unmarshal(b, &s)
		return s
	}
	waitFor := func(what string, limit time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (passes %d, status %v)", what, passes(), status())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	waitFor("the startup pass", 10*time.Minute, func() bool { s := status(); return s != nil && s["result"] == "ok" && passes() == 1 })

	// Idle: no zfs process until the next resync.
	before := zfsCalls()
	time.Sleep(5 * time.Second)
	if n := zfsCalls() - before; n != 0 || passes() != 1 {
		t.Fatalf("an idle daemon ran %d zfs processes and %d passes", n, passes()-1)
	}

	// One atomic-rename save, one pass.
	save(config("second"))
	waitFor("the pass after a save", 5*time.Minute, func() bool { return passes() == 2 && status()["result"] == "ok" })
	time.Sleep(2 * time.Second)
	if n := passes(); n != 2 {
		t.Fatalf("one save caused %d passes", n-1)
	}

	// An invalid save: no pass. The next valid one: one pass.
	save("profile {\n")
	time.Sleep(3 * time.Second)
	if n := passes(); n != 2 {
		t.Fatalf("an invalid save caused %d passes", n-2)
	}
	save(config("third"))
	waitFor("the pass after a valid save", 5*time.Minute, func() bool { return passes() == 3 && status()["result"] == "ok" })

	// SIGTERM while a pass is changing things: the step in progress finishes, the daemon exits 0.
	mutations := zfsCalls()
	save(strings.Replace(config("fourth"), `version = "~9.0"`, `version = "~9.1"`, 1))
	waitFor("the pass to start changing ZFS", 5*time.Minute, func() bool { return zfsCalls() > mutations+2 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("watch exited %v after SIGTERM, want 0", err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("watch did not exit after SIGTERM")
	}

	// The next start converges.
	run := func(args ...string) (string, error) {
		out, err := exec.Command("axiom-reconcile", append(args, "--lock-file", filepath.Join(work, "lock"), "--gc-lock-file", filepath.Join(work, "gc.lock"))...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("apply", "-c", cfgDir); err != nil {
		t.Fatalf("apply after SIGTERM: %v\n%s", err, out)
	}
	if out, err := run("plan", "-c", cfgDir, "--detailed-exitcode"); err != nil {
		t.Fatalf("plan after converging: %v\n%s", err, out)
	}
}
