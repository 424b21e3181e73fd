package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
)

// The global lock (DESIGN.md §6) is an flock on a file that is never unlinked, so every process
// locks the same inode and the kernel drops the lock when its holder dies: no stale-lock guessing.
// Who holds it exclusively is written beside it, in <path>.owner, for the message others see.
// Mutating passes also take upstream axiom's GC lock, so `axiom gc` cannot run under them.

// LockOptions say which locks to take and how long to wait.
type LockOptions struct {
	Path   string // the global lock, /var/run/axiom-reconcile.lock by default
	GCPath string // upstream's GC lock, /var/run/axiom-gc.lock by default; "" to skip
	// Timeout is how long to wait for a lock held by someone else; 0 tries once.
	Timeout time.Duration
	// Command describes the holder for others to read ("apply -c /etc/axiom").
	Command string
	// OnWait, if not nil, is called when a lock is found held by someone else and the wait for
	// it begins: at most once per lock (the global lock, then the GC lock), never when a lock is
	// free at the first try or Timeout is 0. It runs on the caller's goroutine, before the
	// first retry. The watch daemon logs it: a pass that waits should say for whom.
	OnWait func(LockWait)
}

// LockWait describes a lock that is being waited for.
type LockWait struct {
	Path string
	// Owner is the holder's record (<Path>.owner), nil when there is none: the lock is held
	// shared (Shared), or by a process that writes no record (upstream axiom's GC lock).
	Owner  *Owner
	Shared bool
}

// Holder describes who holds the lock, for people: "pid 4242 on host (`axiom-reconcile apply
// -c /etc/axiom`) since ...".
func (w LockWait) Holder() string {
	switch {
	case w.Owner != nil:
		return w.Owner.String()
	case w.Shared:
		return "another process (shared: a plan or status in progress)"
	default:
		return "another process"
	}
}

// Owner describes who holds the global lock.
type Owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

func (o Owner) String() string {
	return fmt.Sprintf("pid %d on %s (`axiom-reconcile %s`) since %s", o.PID, o.Host, o.Command, o.Since.Format(time.RFC3339))
}

// lockedError says a lock stayed held past the timeout. Test for it with IsLocked.
type lockedError struct {
	path   string
	owner  *Owner
	shared bool
	waited time.Duration
}

func (e *lockedError) Error() string {
	who := LockWait{Path: e.path, Owner: e.owner, Shared: e.shared}.Holder()
	return fmt.Sprintf("%s is held by %s; gave up after %s (raise --lock-timeout to wait longer)", e.path, who, e.waited.Round(time.Millisecond))
}

// IsLocked reports whether err means a lock stayed held by someone else.
func IsLocked(err error) bool {
	var le *lockedError
	return errors.As(err, &le)
}

// Held is a set of acquired locks.
type Held struct {
	locks []*flock.Flock
	owner string
}

// Release drops the locks (and the owner record, which only an exclusive holder writes). The
// lock file itself is never removed.
func (h *Held) Release() error {
	if h == nil {
		return nil
	}
	var errs []error
	if h.owner != "" {
		if err := os.Remove(h.owner); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for i := len(h.locks) - 1; i >= 0; i-- {
		errs = append(errs, h.locks[i].Unlock())
	}
	// Released once: a second Release must not remove the record of whoever holds it next.
	h.owner, h.locks = "", nil
	return errors.Join(errs...)
}

// LockExclusive takes the global lock exclusively, then upstream's GC lock, for a mutating pass.
func LockExclusive(ctx context.Context, opt LockOptions) (*Held, error) {
	deadline := time.Now().Add(opt.Timeout)
	h, err := lockOwned(ctx, opt.Path, deadline, opt)
	if err != nil {
		return nil, err
	}
	if opt.GCPath != "" {
		g, err := acquire(ctx, opt.GCPath, true, deadline, opt.OnWait)
		if err != nil {
			h.Release()
			return nil, err
		}
		h.locks = append(h.locks, g)
	}
	return h, nil
}

// lockOwned takes the lock at path exclusively and records its holder in <path>.owner.
func lockOwned(ctx context.Context, path string, deadline time.Time, opt LockOptions) (*Held, error) {
	l, err := acquire(ctx, path, true, deadline, opt.OnWait)
	if err != nil {
		return nil, err
	}
	h := &Held{locks: []*flock.Flock{l}}
	host, _ := os.Hostname()
	owner := Owner{PID: os.Getpid(), Host: host, Command: opt.Command, Since: time.Now().UTC().Truncate(time.Second)}
	b, _ := json.Marshal(owner)
	h.owner = path + ".owner"
	if err := atomicfile.WriteFile(h.owner, append(b, '\n'), 0o644); err != nil {
		h.Release()
		return nil, fmt.Errorf("writing the lock owner: %w", err)
	}
	return h, nil
}

// LockShared takes the global lock shared: any number of plans may run, but no mutating pass.
func LockShared(ctx context.Context, opt LockOptions) (*Held, error) {
	l, err := acquire(ctx, opt.Path, false, time.Now().Add(opt.Timeout), opt.OnWait)
	if err != nil {
		return nil, err
	}
	return &Held{locks: []*flock.Flock{l}}, nil
}

const lockRetry = 100 * time.Millisecond

// acquire takes an flock on path, retrying until deadline, and calls onWait (if not nil) when
// it first has to wait. Upstream axiom unlinks its GC lock file when it releases it; a lock
// taken on an inode that is no longer at path protects nothing, so after locking, the path must
// still name the locked inode, or the lock is taken again.
func acquire(ctx context.Context, path string, exclusive bool, deadline time.Time, onWait func(LockWait)) (*flock.Flock, error) {
	start := time.Now()
	waiting := false
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	for {
		before, _ := inode(path)
		l := flock.New(path)
		var ok bool
		var err error
		if exclusive {
			ok, err = l.TryLock()
		} else {
			ok, err = l.TryRLock()
		}
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			// The inode at path did not change around the open, so it is the one locked.
			if after, err := inode(path); err == nil && before != ([2]uint64{}) && after == before {
				return l, nil
			}
			l.Unlock()
			continue
		}
		l.Close()
		if !time.Now().Before(deadline) {
			w := holder(path, exclusive)
			return nil, &lockedError{path: path, owner: w.Owner, shared: w.Shared, waited: time.Since(start)}
		}
		if !waiting && onWait != nil {
			onWait(holder(path, exclusive))
		}
		waiting = true
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(lockRetry, time.Until(deadline)+time.Millisecond)):
		}
	}
}

// holder finds out who blocks a lock on path, as far as can be told.
func holder(path string, exclusive bool) LockWait {
	w := LockWait{Path: path}
	// Whoever blocks an exclusive lock but lets a shared one through holds it shared, and an
	// owner record is then stale (left by a holder that was killed).
	if exclusive && sharedFree(path) {
		w.Shared = true
	} else if b, err := os.ReadFile(path + ".owner"); err == nil {
		var o Owner
		if json.Unmarshal(b, &o) == nil {
			w.Owner = &o
		}
	}
	return w
}

// sharedFree reports whether a shared lock on path could be taken now (and leaves it unlocked).
func sharedFree(path string) bool {
	l := flock.New(path)
	ok, err := l.TryRLock()
	l.Close()
	return ok && err == nil
}

func inode(path string) ([2]uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return [2]uint64{}, err
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, nil
}
