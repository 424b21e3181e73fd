package zfs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// orphanParentEnv makes the test binary act as a reconciler that runs a long zfs command (see
// TestMain): the test kills it with SIGKILL and watches what becomes of the command.
const orphanParentEnv = "AXIOM_TEST_ORPHAN_PARENT"

func TestMain(m *testing.M) {
	if bin := os.Getenv(orphanParentEnv); bin != "" {
		c := NewCLI(zerolog.Nop())
		c.zfsBin = bin
		_, err := c.run(context.Background(), "destroy", "tp/a", true, "destroy", "-r", "tp/a")
		fmt.Fprintln(os.Stderr, "the long zfs command ended:", err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// A zfs child never outlives a reconciler killed with SIGKILL: the kernel sends it the
// parent-death signal, so it is gone before a next pass could start.
func TestZFSChildDiesWithReconciler(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	bin := filepath.Join(dir, "zfs")
	// exec: the shell becomes the long command itself, as zfs would be.
	script := "#!/bin/sh\necho $$ >" + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile + "\nexec sleep 300\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), orphanParentEnv+"="+bin)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(30 * time.Second); child == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			parent.Process.Kill()
			t.Fatal("the fake zfs command never started")
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// Signal 0 probes; a zombie (dead, not yet reaped by init) counts as gone.
		if err := syscall.Kill(child, 0); err != nil || isZombie(child) {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("zfs child %d still runs 10 s after its reconciler was killed", child)
		}
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
