package watch

import (
	"context"
	"sync"
	"time"
)

// WaitingForLock tells the daemon whose pass ctx belongs to that the pass has started waiting
// for the global lock, held by holder (for people: "pid 4242 on host (`axiom-reconcile apply`)
// since ..."). Call the function it returns when the wait is over, whether the lock was taken or
// not; calling it again does nothing. With a ctx that no pass of Run was given, it does nothing.
//
// While the wait lasts, axiom_reconcile_waiting_for_lock is 1 and, until a first pass has
// succeeded, /healthz names the holder. The time waited is kept out of the pass's duration
// (the pass_duration_seconds histogram, the summary line's and the status file's
// duration_seconds) and reported on its own (lock_wait_seconds). The pass logs the wait itself:
// it knows more about the holder than this package does.
func WaitingForLock(ctx context.Context, holder string) (done func()) {
	tr, _ := ctx.Value(passKey{}).(*passTracker)
	if tr == nil {
		return func() {}
	}
	tr.start(holder)
	return sync.OnceFunc(tr.end)
}

type passKey struct{}

// passTracker accumulates one pass's lock waits.
type passTracker struct {
	m *Metrics

	mu     sync.Mutex
	since  time.Time // start of the wait in progress; zero when none
	waited time.Duration
}

func (tr *passTracker) start(holder string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.since.IsZero() {
		tr.since = time.Now()
	}
	tr.m.setWaiting(holder)
}

func (tr *passTracker) end() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.since.IsZero() {
		tr.waited += time.Since(tr.since)
		tr.since = time.Time{}
	}
	tr.m.setWaiting("")
}

// finish ends a wait the pass left open and returns the total time waited.
func (tr *passTracker) finish() time.Duration {
	tr.end()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.waited
}
