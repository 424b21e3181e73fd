package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// flock locks belong to open file descriptions, so a lock taken through a new descriptor
// conflicts with one this process already holds: these tests play both sides in one process.

func lockPaths(t *testing.T) (dir string, opt LockOptions) {
	t.Helper()
	dir = t.TempDir()
	return dir, LockOptions{
		Path:    filepath.Join(dir, "run", "axiom-reconcile.lock"), // run/ does not exist yet
		GCPath:  filepath.Join(dir, "run", "axiom-gc.lock"),
		Command: "apply -c /etc/axiom",
	}
}

// probe reports whether path could be locked (exclusively or shared) through a new descriptor
// right now, and leaves it unlocked.
func probe(t *testing.T, path string, exclusive bool) bool {
	t.Helper()
	l := flock.New(path)
	var ok bool
	var err error
	if exclusive {
		ok, err = l.TryLock()
	} else {
		ok, err = l.TryRLock()
	}
	must(t, err)
	must(t, l.Close())
	return ok
}

// foreignLock holds an exclusive flock on path through its own descriptor, as another process
// (upstream axiom, say) would.
func foreignLock(t *testing.T, path string) *os.File {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	must(t, err)
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	t.Cleanup(func() { f.Close() })
	return f
}

func release(t *testing.T, h *Held) {
	t.Helper()
	must(t, h.Release())
}

func TestLockExclusiveOwnerRecord(t *testing.T) {
	_, opt := lockPaths(t)
	before := time.Now().UTC().Truncate(time.Second)
	h, err := LockExclusive(bg, opt)
	must(t, err)
	b, err := os.ReadFile(opt.Path + ".owner")
	must(t, err)
	var o Owner
	must(t, json.Unmarshal(b, &o))
	host, _ := os.Hostname()
	if o.PID != os.Getpid() || o.Command != opt.Command || o.Host != host || o.Since.Before(before) || o.Since.After(time.Now()) {
		t.Fatalf("owner record %+v", o)
	}
	for _, p := range []string{opt.Path, opt.GCPath} {
		if probe(t, p, false) {
			t.Fatalf("%s is not locked exclusively", p)
		}
	}

	release(t, h)
	if _, err := os.Stat(opt.Path + ".owner"); !os.IsNotExist(err) {
		t.Fatalf("the owner record survived the release: %v", err)
	}
	for _, p := range []string{opt.Path, opt.GCPath} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the lock file %s was removed: %v", p, err)
		}
		if !probe(t, p, true) {
			t.Fatalf("%s is still locked after the release", p)
		}
	}
}

func TestLockWithoutGCPath(t *testing.T) {
	dir, opt := lockPaths(t)
	opt.GCPath = ""
	h, err := LockExclusive(bg, opt)
	must(t, err)
	defer release(t, h)
	if _, err := os.Stat(filepath.Join(dir, "run", "axiom-gc.lock")); !os.IsNotExist(err) {
		t.Fatalf("a GC lock was taken although GCPath is empty: %v", err)
	}
}

func TestLockExclusiveConflictNamesOwner(t *testing.T) {
	_, opt := lockPaths(t)
	h, err := LockExclusive(bg, opt)
	must(t, err)
	defer release(t, h)

	second := opt
	second.Command = "watch -c /etc/axiom"
	second.Timeout = 300 * time.Millisecond
	start := time.Now()
	h2, err := LockExclusive(bg, second)
	took := time.Since(start)
	if h2 != nil || !IsLocked(err) {
		t.Fatalf("a second exclusive lock: %v, %v", h2, err)
	}
	if took < second.Timeout || took > second.Timeout+2*time.Second {
		t.Fatalf("gave up after %s with a timeout of %s", took, second.Timeout)
	}
	for _, want := range []string{opt.Path + " is held by ", fmt.Sprintf("pid %d on ", os.Getpid()), "(`axiom-reconcile apply -c /etc/axiom`)", "gave up after ", "--lock-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("the error does not say %q: %v", want, err)
		}
	}
	// The loser did not touch the holder's record.
	b, err := os.ReadFile(opt.Path + ".owner")
	if err != nil || !strings.Contains(string(b), "apply -c /etc/axiom") {
		t.Fatalf("owner record %q, %v", b, err)
	}

	// A timeout of 0 tries once.
	second.Timeout = 0
	start = time.Now()
	if _, err := LockExclusive(bg, second); !IsLocked(err) || time.Since(start) > lockRetry {
		t.Fatalf("with no timeout: %v after %s", err, time.Since(start))
	}
}

func TestIsLocked(t *testing.T) {
	le := &lockedError{path: "/x"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{context.Canceled, false},
		{le, true},
		{fmt.Errorf("apply: %w", le), true},
	} {
		if got := IsLocked(tc.err); got != tc.want {
			t.Errorf("IsLocked(%v) = %v", tc.err, got)
		}
	}
}

func TestLockSharedIsShared(t *testing.T) {
	_, opt := lockPaths(t)
	a, err := LockShared(bg, opt)
	must(t, err)
	b, err := LockShared(bg, opt)
	must(t, err)
	if _, err := os.Stat(opt.Path + ".owner"); !os.IsNotExist(err) {
		t.Fatalf("a shared lock wrote an owner record: %v", err)
	}
	if _, err := os.Stat(opt.GCPath); !os.IsNotExist(err) {
		t.Fatalf("a shared lock took the GC lock: %v", err)
	}
	release(t, a)
	if probe(t, opt.Path, true) {
		t.Fatal("the lock is free while a shared holder remains")
	}
	release(t, b)
	if !probe(t, opt.Path, true) {
		t.Fatal("the lock is still held")
	}
}

func TestLockSharedAndExclusiveExclude(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second func(context.Context, LockOptions) (*Held, error)
		says          string
	}{
		{"exclusive while shared", LockShared, LockExclusive, "held by another process (shared: a plan or status in progress)"},
		{"shared while exclusive", LockExclusive, LockShared, fmt.Sprintf("held by pid %d on ", os.Getpid())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, opt := lockPaths(t)
			h, err := tc.first(bg, opt)
			must(t, err)
			opt.Timeout = 150 * time.Millisecond
			h2, err := tc.second(bg, opt)
			if h2 != nil || !IsLocked(err) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("second lock: %v; want IsLocked saying %q", err, tc.says)
			}
			// It waits: released meanwhile, the second one gets it.
			opt.Timeout = 5 * time.Second
			go func() {
				time.Sleep(150 * time.Millisecond)
				h.Release()
			}()
			h2, err = tc.second(bg, opt)
			must(t, err)
			release(t, h2)
		})
	}
}

// An exclusive holder that died (SIGKILL: no release) leaves its owner record behind. While a
// shared holder (a plan) blocks the next apply, the record names nobody who holds the lock.
func TestLockStaleOwnerRecordIsNotNamed(t *testing.T) {
	_, opt := lockPaths(t)
	must(t, os.MkdirAll(filepath.Dir(opt.Path), 0o755))
	must(t, os.WriteFile(opt.Path+".owner", []byte(`{"pid":999999,"host":"gone","command":"apply -c /old","since":"2020-01-01T00:00:00Z"}`+"\n"), 0o644))
	h, err := LockShared(bg, opt)
	must(t, err)
	defer release(t, h)
	_, err = LockExclusive(bg, opt)
	if !IsLocked(err) || strings.Contains(err.Error(), "999999") || !strings.Contains(err.Error(), "shared") {
		t.Fatalf("exclusive while shared, with a stale owner record: %v", err)
	}
}

func TestLockGCLockHeldByUpstream(t *testing.T) {
	_, opt := lockPaths(t)
	up := foreignLock(t, opt.GCPath) // `axiom gc` is running
	opt.Timeout = 200 * time.Millisecond
	h, err := LockExclusive(bg, opt)
	if h != nil || !IsLocked(err) || !strings.Contains(err.Error(), opt.GCPath+" is held by another process;") {
		t.Fatalf("with the GC lock held: %v", err)
	}
	// Giving up released the global lock and its owner record.
	if !probe(t, opt.Path, true) {
		t.Fatal("the global lock stayed held after giving up on the GC lock")
	}
	if _, err := os.Stat(opt.Path + ".owner"); !os.IsNotExist(err) {
		t.Fatalf("the owner record survived: %v", err)
	}
	// Upstream finishes: the next attempt gets both.
	must(t, syscall.Flock(int(up.Fd()), syscall.LOCK_UN))
	h, err = LockExclusive(bg, opt)
	must(t, err)
	release(t, h)
}

func TestLockWaitStopsWithContext(t *testing.T) {
	_, opt := lockPaths(t)
	h, err := LockExclusive(bg, opt)
	must(t, err)
	defer release(t, h)
	ctx, cancel := context.WithTimeout(bg, 150*time.Millisecond)
	defer cancel()
	opt.Timeout = time.Minute
	start := time.Now()
	_, err = LockExclusive(ctx, opt)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("waiting with a cancelled context: %v after %s", err, time.Since(start))
	}
	if _, err := LockShared(ctx, opt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockShared with a done context: %v", err)
	}
}

// Release may be called more than once (a deferred Release after an explicit one): the second
// call does nothing and returns nil. In particular it must not remove the owner record of
// whoever holds the lock by then.
func TestLockReleaseTwice(t *testing.T) {
	_, opt := lockPaths(t)
	a, err := LockExclusive(bg, opt)
	must(t, err)
	release(t, a)
	b, err := LockExclusive(bg, LockOptions{Path: opt.Path, GCPath: opt.GCPath, Command: "second"})
	must(t, err)
	defer release(t, b)

	if err := a.Release(); err != nil {
		t.Fatalf("a second Release: %v", err)
	}
	rec, err := os.ReadFile(opt.Path + ".owner")
	if err != nil || !strings.Contains(string(rec), `"second"`) {
		t.Fatalf("a stale Release removed the current holder's owner record: %q, %v", rec, err)
	}
	if probe(t, opt.Path, false) || probe(t, opt.GCPath, false) {
		t.Fatal("a stale Release unlocked the current holder's locks")
	}

	s, err := LockShared(bg, LockOptions{Path: filepath.Join(t.TempDir(), "l")})
	must(t, err)
	release(t, s)
	release(t, s)
	var none *Held
	release(t, none)
}

// heldFile returns the file a held lock is on (the GC lock is the second).
func heldFile(t *testing.T, h *Held, i int) os.FileInfo {
	t.Helper()
	if len(h.locks) <= i {
		t.Fatalf("only %d locks held", len(h.locks))
	}
	fi, err := h.locks[i].Stat()
	must(t, err)
	return fi
}

// Upstream axiom unlinks its GC lock file when it releases it. A waiter must end up holding a
// lock on the file that is at the path, not on an unlinked one.
func TestLockGCLockUnlinkedWhileWaiting(t *testing.T) {
	for _, recreate := range []bool{false, true} {
		t.Run(fmt.Sprintf("recreated=%v", recreate), func(t *testing.T) {
			_, opt := lockPaths(t)
			old := foreignLock(t, opt.GCPath)
			opt.Timeout = 10 * time.Second
			type result struct {
				h   *Held
				err error
			}
			done := make(chan result, 1)
			go func() {
				h, err := LockExclusive(bg, opt)
				done <- result{h, err}
			}()
			time.Sleep(2 * lockRetry) // it is waiting now
			select {
			case r := <-done:
				t.Fatalf("got the GC lock while upstream held it: %v", r.err)
			default:
			}
			must(t, os.Remove(opt.GCPath))
			if recreate {
				must(t, os.WriteFile(opt.GCPath, nil, 0o644))
			}
			must(t, syscall.Flock(int(old.Fd()), syscall.LOCK_UN))

			r := <-done
			must(t, r.err)
			defer release(t, r.h)
			cur, err := os.Stat(opt.GCPath)
			must(t, err)
			if !os.SameFile(heldFile(t, r.h, 1), cur) {
				t.Fatal("the GC lock held is not on the file at the path")
			}
			if probe(t, opt.GCPath, false) {
				t.Fatal("the file at the GC lock path is not locked")
			}
		})
	}
}

// The window the inode check closes: the waiter opens the lock file, then upstream replaces it
// (unlink, or a new file renamed over it) and releases, then the waiter's flock succeeds, on a
// file that is no longer at the path. A FIFO makes the window deterministic: opening it for
// reading blocks until a writer opens it, so the test replaces the path while the waiter is
// inside its open, then lets the open finish.
func TestLockInodeCheckAfterOpen(t *testing.T) {
	dir, opt := lockPaths(t)
	must(t, os.MkdirAll(filepath.Dir(opt.GCPath), 0o755))
	must(t, syscall.Mkfifo(opt.GCPath, 0o600))
	handle := filepath.Join(dir, "fifo") // the same FIFO, reachable after the path is replaced
	must(t, os.Link(opt.GCPath, handle))
	var writer *os.File
	t.Cleanup(func() {
		if writer == nil {
			// Unblock the waiter whatever happened.
			if f, err := os.OpenFile(handle, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				writer = f
			}
		}
		if writer != nil {
			writer.Close()
		}
	})

	opt.Timeout = 10 * time.Second
	type result struct {
		h   *Held
		err error
	}
	done := make(chan result, 1)
	go func() {
		h, err := LockExclusive(bg, opt)
		done <- result{h, err}
	}()
	time.Sleep(2 * lockRetry) // the waiter is blocked opening the FIFO

	// Replace the path with a regular file, then let the waiter's open complete.
	tmp := filepath.Join(dir, "run", "new")
	must(t, os.WriteFile(tmp, nil, 0o644))
	must(t, os.Rename(tmp, opt.GCPath))
	f, err := os.OpenFile(handle, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ENXIO) {
		t.Skip("the waiter had not reached its open of the FIFO; the window was not exercised")
	}
	must(t, err)
	writer = f

	r := <-done
	must(t, r.err)
	defer release(t, r.h)
	fi := heldFile(t, r.h, 1)
	cur, err := os.Stat(opt.GCPath)
	must(t, err)
	if fi.Mode()&os.ModeNamedPipe != 0 || !os.SameFile(fi, cur) {
		t.Fatalf("the GC lock is held on %v (%s), not on the file at the path", fi.Mode(), fi.Name())
	}
}

// OnWait is told once per lock that has to be waited for, with the holder's record; never for a
// lock that is free, nor when Timeout is 0 (no wait).
func TestLockOnWaitNamesHolder(t *testing.T) {
	_, opt := lockPaths(t)
	var waits []LockWait
	second := opt
	second.Command = "watch -c /etc/axiom"
	second.OnWait = func(w LockWait) { waits = append(waits, w) }

	h, err := LockExclusive(bg, second) // free: no wait
	must(t, err)
	release(t, h)
	if len(waits) != 0 {
		t.Fatalf("OnWait called for a free lock: %+v", waits)
	}

	h, err = LockExclusive(bg, opt)
	must(t, err)
	second.Timeout = 0
	if _, err := LockExclusive(bg, second); !IsLocked(err) || len(waits) != 0 {
		t.Fatalf("with no timeout: %v, OnWait calls %+v", err, waits)
	}
	second.Timeout = 5 * time.Second
	go func() {
		time.Sleep(5 * lockRetry) // several retries: OnWait must still be called once
		h.Release()
	}()
	h2, err := LockExclusive(bg, second)
	must(t, err)
	release(t, h2)
	if len(waits) != 1 {
		t.Fatalf("OnWait called %d times, want once: %+v", len(waits), waits)
	}
	w := waits[0]
	if w.Path != opt.Path || w.Shared || w.Owner == nil || w.Owner.PID != os.Getpid() || w.Owner.Command != "apply -c /etc/axiom" {
		t.Fatalf("OnWait got %+v (owner %+v), want the global lock held by this pid's apply", w, w.Owner)
	}
	if got := w.Holder(); !strings.Contains(got, fmt.Sprintf("pid %d on ", os.Getpid())) || !strings.Contains(got, "`axiom-reconcile apply -c /etc/axiom`") {
		t.Errorf("Holder() = %q", got)
	}

	// Upstream's GC lock, held by a process that writes no record.
	waits = nil
	f := foreignLock(t, opt.GCPath)
	go func() {
		time.Sleep(2 * lockRetry)
		f.Close()
	}()
	h2, err = LockExclusive(bg, second)
	must(t, err)
	release(t, h2)
	if len(waits) != 1 || waits[0].Path != opt.GCPath || waits[0].Owner != nil || waits[0].Holder() != "another process" {
		t.Fatalf("waiting for the GC lock: OnWait calls %+v", waits)
	}
}
