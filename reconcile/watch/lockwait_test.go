package watch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A pass that waits for the global lock says so: the gauge is 1 and /healthz (before a first
// success) names the holder while it waits; afterwards the wait is in lock_wait_seconds, and not
// in the pass's duration (histogram, summary line, status file).
func TestLockWaitReportedApartFromDuration(t *testing.T) {
	const wait, work = 400 * time.Millisecond, 10 * time.Millisecond
	const holder = "pid 4242 on host (`axiom-reconcile apply -c /etc/axiom`) since 2026-01-01T00:00:00Z"
	h := newHarness(t)
	h.manualTimer()
	h.cfg.Metrics = NewMetrics()
	h.cfg.StatusFile = filepath.Join(t.TempDir(), "status.json")
	waiting := make(chan struct{})
	acquire := make(chan struct{})
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		if n == 1 {
			done := WaitingForLock(ctx, holder)
			close(waiting)
			<-acquire
			done()
			done() // a second call does nothing
		}
		time.Sleep(work)
		return PassResult{}, nil
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.cfg.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	h.write("main.hcl", "v1")
	h.start()

	<-waiting
	if code, body := get("/healthz"); code != http.StatusServiceUnavailable || body != "no pass has succeeded yet: waiting for the global lock, held by "+holder+"\n" {
		t.Errorf("/healthz while the first pass waits: %d %q", code, body)
	}
	_, body := get("/metrics")
	if m := parseExposition(t, body); m["axiom_reconcile_waiting_for_lock"] != 1 {
		t.Errorf("waiting_for_lock = %v while waiting, want 1", m["axiom_reconcile_waiting_for_lock"])
	}
	time.Sleep(wait)
	close(acquire)

	s := h.expect(TriggerStartup, ResultOK)
	lw, _ := s["lock_wait_seconds"].(float64)
	d, _ := s["duration_seconds"].(float64)
	if lw < wait.Seconds() || d >= wait.Seconds()/2 || d < work.Seconds() {
		t.Errorf("summary lock_wait_seconds %v, duration_seconds %v: want the wait (≥%v) apart from the pass's own time (≥%v, well below the wait)", lw, d, wait, work)
	}
	st := readStatus(t, h.cfg.StatusFile)
	if st.LockWait != lw || st.Duration != d {
		t.Errorf("status file: lock_wait_seconds %v, duration_seconds %v; want %v, %v as in the summary", st.LockWait, st.Duration, lw, d)
	}
	_, body = get("/metrics")
	m := parseExposition(t, body)
	if m["axiom_reconcile_waiting_for_lock"] != 0 || m["axiom_reconcile_lock_wait_seconds_count"] != 1 ||
		m["axiom_reconcile_lock_wait_seconds_sum"] != lw || m["axiom_reconcile_pass_duration_seconds_sum"] != d {
		t.Errorf("metrics after the wait: %v", m)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after a success: %d", code)
	}

	// A pass that does not wait adds nothing to lock_wait_seconds.
	h.hangup()
	h.expect(TriggerSignal, ResultOK)
	_, body = get("/metrics")
	if m := parseExposition(t, body); m["axiom_reconcile_lock_wait_seconds_count"] != 1 || m["axiom_reconcile_pass_duration_seconds_count"] != 2 {
		t.Errorf("metrics after a pass without wait: %v", m)
	}
	h.stop()
}

// A pass that returns while still "waiting" (it gave up, say, when ctx was cancelled) has its
// wait closed by the daemon; outside a pass WaitingForLock does nothing.
func TestLockWaitLeftOpen(t *testing.T) {
	h := newHarness(t)
	h.cfg.Metrics = NewMetrics()
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		WaitingForLock(ctx, "pid 1")
		time.Sleep(50 * time.Millisecond)
		return PassResult{}, nil
	}
	h.write("main.hcl", "v1")
	h.start()
	s := h.expect(TriggerStartup, ResultOK)
	if lw, _ := s["lock_wait_seconds"].(float64); lw < 0.05 {
		t.Errorf("lock_wait_seconds %v, want the open wait counted", lw)
	}
	rec := httptest.NewRecorder()
	h.cfg.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if m := parseExposition(t, rec.Body.String()); m["axiom_reconcile_waiting_for_lock"] != 0 {
		t.Errorf("waiting_for_lock %v after the pass", m["axiom_reconcile_waiting_for_lock"])
	}
	h.stop()

	WaitingForLock(context.Background(), "pid 1")() // must not panic
	if !strings.Contains(Help, "naming the holder") {
		t.Error("Help does not tell that a lock wait is logged")
	}
}
