package zfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fakeZFS returns a client whose zfs is a shell script: what the process layer does with a
// command is tested without ZFS.
func fakeZFS(t *testing.T, script string) *CLI {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zfs")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	c := NewCLI(zerolog.Nop())
	c.zfsBin = bin
	return c
}

func TestErrorCarriesTheCommand(t *testing.T) {
	c := fakeZFS(t, `echo "cannot create 'tp/a': dataset already exists" >&2; exit 3`)
	err := c.Create(context.Background(), "tp/a", CreateOptions{Props: Props{"axiom:x": "1"}})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrExist) {
		t.Fatalf("got %v, want a *Error that is ErrExist", err)
	}
	want := []string{c.zfsBin, "create", "-o", "axiom:x=1", "tp/a"}
	if !slices.Equal(e.Argv, want) || e.ExitCode != 3 || e.Stderr != "cannot create 'tp/a': dataset already exists" || e.Op != "create" || e.Name != "tp/a" {
		t.Fatalf("error %#v, want argv %v, exit 3 and the stderr", e, want)
	}
}

func TestCreatedButNotMountedOrShared(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		want   error
	}{
		{"cannot mount 'tp/a': Not a directory\nfilesystem successfully created, but not mounted", ErrNotMounted},
		{"filesystem successfully created, but it may only be mounted by root", ErrNotMounted},
		{"cannot share 'tp/a': exportfs failed\nfilesystem successfully created, but not shared", nil},
	} {
		c := fakeZFS(t, "printf '%s\\n' '"+strings.ReplaceAll(tc.stderr, "'", `'"'"'`)+"' >&2; exit 1")
		for what, err := range map[string]error{
			"create": c.Create(context.Background(), "tp/a", CreateOptions{}),
			"clone":  c.Clone(context.Background(), "tp/a@s", "tp/b", nil),
		} {
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("%s with %q: got %v, want %v", what, tc.stderr, err, tc.want)
			}
			if errors.Is(err, ErrExist) || errors.Is(err, ErrBusy) {
				t.Errorf("%s with %q: %v reads as a failure to create", what, tc.stderr, err)
			}
		}
	}
}

func TestCapabilitiesCachesOnlySuccess(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	// The first `zfs version` fails, the others succeed.
	c := fakeZFS(t, `echo x >>`+count+`
[ "$(wc -l <`+count+`)" -gt 1 ] || { echo "cannot open /dev/zfs: Resource temporarily unavailable" >&2; exit 1; }
printf 'zfs-2.3.2-1\nzfs-kmod-2.3.2-1\n'`)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Capabilities(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("with a cancelled context: %v", err)
	}
	if _, err := c.Capabilities(ctx); err == nil {
		t.Fatal("the failing zfs version succeeded")
	}
	caps, err := c.Capabilities(ctx)
	if err != nil || caps.Major != 2 || caps.Minor != 3 || !caps.JSON {
		t.Fatalf("after a failure and a cancellation: %+v, %v", caps, err)
	}
	before, _ := c.Stats()
	if again, err := c.Capabilities(ctx); err != nil || again != caps {
		t.Fatalf("cached: %+v, %v", again, err)
	}
	if after, _ := c.Stats(); after != before {
		t.Fatal("a known answer ran zfs version again")
	}
}

// TestCancelStopsTheCommand: cancelling the context stops a running zfs and whatever it started
// (the script's sleep keeps stdout open: signalling only the script would leave Run waiting until
// waitDelay).
func TestCancelStopsTheCommand(t *testing.T) {
	c := fakeZFS(t, "sleep 30\n")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Observe(ctx, "tp/a")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cancelled command ran for %v", took)
	}
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, context.DeadlineExceeded) || e.Argv == nil {
		t.Fatalf("got %v, want the deadline as a *Error with its command", err)
	}
}

// TestOwnProcessGroup: a terminal's Ctrl-C (SIGINT to the foreground group) must not reach the
// zfs command of the step the daemon is finishing.
func TestOwnProcessGroup(t *testing.T) {
	c := fakeZFS(t, "exec cat /proc/self/stat\n")
	out, err := c.run(context.Background(), "stat", "", false, "stat")
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid pgrp ...; comm is "cat", without spaces.
	f := strings.Fields(string(out))
	pid, _ := strconv.Atoi(f[0])
	pgrp, _ := strconv.Atoi(f[4])
	if pid == 0 || pgrp != pid || pgrp == syscall.Getpgrp() {
		t.Fatalf("zfs ran as pid %d in process group %d (ours: %d), want a group of its own", pid, pgrp, syscall.Getpgrp())
	}
}

// TestProgramEndsOptions: arguments of a channel program that begin with '-' reach the program
// (GNU getopt would read them as zfs program's own options: "-n" as a dry run).
func TestProgramEndsOptions(t *testing.T) {
	c := fakeZFS(t, `printf '{"return": "%s"}' "$*"`)
	out, err := c.Program(context.Background(), "tp", "return 1", false, "-n", "--x")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `"program -j -- tp /dev/stdin -n --x"`; got != want {
		t.Fatalf("zfs ran as %s, want %s", got, want)
	}
}

// TestProcessTimeCountsEveryProcess: the time waited for processes is summed, failing ones
// included, and a process not started (a cancelled context) adds nothing.
func TestProcessTimeCountsEveryProcess(t *testing.T) {
	c := fakeZFS(t, `sleep 0.2; [ "$1" = create ] && exit 1; exit 0`)
	ctx := context.Background()
	_ = c.Create(ctx, "tp/a", CreateOptions{})
	if err := c.Snapshot(ctx, "tp/a@s"); err != nil {
		t.Fatal(err)
	}
	if got := c.ProcessTime(); got < 400*time.Millisecond || got > 10*time.Second {
		t.Fatalf("two processes of 0.2 s each: ProcessTime %v", got)
	}
	before := c.ProcessTime()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_ = c.Snapshot(cancelled, "tp/a@t")
	if c.ProcessTime() != before {
		t.Fatal("a process that never started was counted")
	}
}
