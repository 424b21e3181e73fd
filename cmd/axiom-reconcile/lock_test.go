package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// A second apply (or a plan) while another process holds the global lock gives up after
// --lock-timeout with exit status 75 and names the holder. The lock is decided before any ZFS
// access, so this needs no ZFS.
func TestLockHeldExits75(t *testing.T) {
	lock, gcLock, held := holdLocks(t)
	for _, args := range [][]string{
		{"apply", "-c", "../../examples/workstation", "--lock-timeout", "300ms"},
		{"plan", "-c", "../../examples/workstation"},
		{"gc", "-c", "../../examples/workstation"},
		{"rollback", "dev", "-c", "../../examples/workstation"},
	} {
		t.Run(args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}
			start := time.Now()
			code := run(bg, append(args, "--lock-file", lock, "--gc-lock-file", gcLock), e)
			if code != exitLockHeld {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitLockHeld, stderr.String())
			}
			want := fmt.Sprintf("held by pid %d", os.Getpid())
			if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "apply -c /etc/axiom") {
				t.Fatalf("stderr does not name the holder (%q):\n%s", want, stderr.String())
			}
			if args[0] == "apply" && time.Since(start) < 300*time.Millisecond {
				t.Fatalf("apply gave up after %s, before --lock-timeout", time.Since(start))
			}
		})
	}
	// Released, the lock is free again: a plan would now proceed to ZFS (not tested here).
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := reconcile.LockShared(bg, reconcile.LockOptions{Path: lock})
	if err != nil {
		t.Fatalf("the lock is still held after release: %v", err)
	}
	again.Release()
}

// holdLocks takes the global and the GC lock, as another apply would, in files of the test's
// own, and returns their paths and the hold. They are released when the test ends at the latest.
func holdLocks(t *testing.T) (lock, gcLock string, held *reconcile.Held) {
	t.Helper()
	dir := t.TempDir()
	lock, gcLock = filepath.Join(dir, "axiom-reconcile.lock"), filepath.Join(dir, "axiom-gc.lock")
	held, err := reconcile.LockExclusive(bg, reconcile.LockOptions{Path: lock, GCPath: gcLock, Command: "apply -c /etc/axiom"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Release() })
	return lock, gcLock, held
}
