package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestStartupPass(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	s := h.expect(TriggerStartup, ResultOK)
	if got := h.state(0); got != "v1" {
		t.Errorf("pass got state %q, want v1", got)
	}
	if s["applied"] != 1.0 || s["drift"] != 1.0 || s["stale_config"] != false {
		t.Errorf("summary %v: want applied 1, drift 1, stale_config false", s)
	}
	if steps, _ := s["steps"].(map[string]any); steps["import"] != 1.0 {
		t.Errorf("summary steps %v, want import=1", s["steps"])
	}
	if _, ok := s["duration_seconds"].(float64); !ok {
		t.Errorf("summary %v has no duration_seconds", s)
	}
	if s["lock_wait_seconds"] != 0.0 {
		t.Errorf("summary %v: want lock_wait_seconds 0", s)
	}
	h.stop()
}

func TestAtomicRenameSaveRunsOnePass(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.write("main.hcl", "v2") // temporary .main.hcl.swp renamed over main.hcl
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 2 {
		t.Errorf("%d passes, want 2 (startup, one for the save)", n)
	}
	if got := h.state(1); got != "v2" {
		t.Errorf("pass after the save got state %q, want v2", got)
	}
	h.stop()
}

// A save that reports several relevant events, spread over more time than a pass takes, is one
// pass that sees the finished file: the debounce (and the settle check) coalesce them. Without
// coalescing, the first event would start a pass on a missing or half-written main.hcl.
func TestSaveWithSeveralEventsRunsOnePass(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	// As editors that keep a backup save: main.hcl renamed away, a new main.hcl created and
	// written in two parts, its mode set, the backup removed. Each gap is a third of the
	// debounce.
	gap := testDebounce / 3
	p := filepath.Join(h.dir, "main.hcl")
	if err := os.Rename(p, p+"~"); err != nil { // Rename main.hcl
		t.Fatal(err)
	}
	time.Sleep(gap)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // Create main.hcl
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("v"); err != nil { // Write main.hcl
		t.Fatal(err)
	}
	time.Sleep(gap)
	if _, err := f.WriteString("2"); err != nil { // Write main.hcl
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(gap)
	if err := os.Chmod(p, 0o644); err != nil { // Chmod main.hcl
		t.Fatal(err)
	}
	if err := os.Remove(p + "~"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the save's events", func() bool { return len(h.sink.lines("relevant file event")) >= 4 })

	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 2 {
		t.Errorf("%d passes, want 2 (startup, one for the save)", n)
	}
	if got := h.state(1); got != "v2" {
		t.Errorf("pass after the save got state %q, want v2", got)
	}
	h.stop()
}

func TestBurstOfWritesRunsAtMostTwoPasses(t *testing.T) {
	h := newHarness(t)
	h.cfg.Debounce = 50 * time.Millisecond // a scheduling hiccup inside the burst must not split it twice
	h.write("main.hcl", "v0")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	for i := 1; i <= 100; i++ {
		if err := os.WriteFile(filepath.Join(h.dir, "main.hcl"), fmt.Appendf(nil, "v%d", i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.expect(TriggerFile, ResultOK)
	h.expectNoneOrOne(TriggerFile)
	n := int(h.passes.Load()) - 1
	if n < 1 || n > 2 {
		t.Fatalf("%d passes after a burst of 100 writes, want 1 or 2", n)
	}
	// Level-based: whatever the split, the last pass saw the final content.
	if got := h.state(n); got != "v100" {
		t.Errorf("last pass got state %q, want v100", got)
	}
	h.stop()
}

// expectNoneOrOne allows one more summary with the given trigger, then requires quiet.
func (h *harness) expectNoneOrOne(trigger Trigger) {
	h.t.Helper()
	select {
	case s := <-h.summaries:
		if s["trigger"] != string(trigger) {
			h.t.Fatalf("unexpected summary %v", s)
		}
	case <-time.After(quiet):
		return
	}
	h.expectNone(quiet)
}

func TestInvalidSaveRunsNoPassAndNextValidSaveOne(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.write("main.hcl", "INVALID")
	h.expect(TriggerFile, ResultInvalidConfig)
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 1 {
		t.Fatalf("%d passes after an invalid save, want 1 (startup only)", n)
	}
	if lines := h.sink.lines("configuration is invalid"); len(lines) != 1 || lines[0]["error"] != errInvalid.Error() {
		t.Errorf("diagnostics logged as %v, want one line with %q", lines, errInvalid)
	}

	h.write("main.hcl", "v2")
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 2 {
		t.Fatalf("%d passes after the valid save, want 2", n)
	}
	if got := h.state(1); got != "v2" {
		t.Errorf("pass got state %q, want v2", got)
	}
	h.stop()
}

func TestInvalidAtStartupWaitsForValidSave(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "INVALID")
	h.start()
	h.expect(TriggerStartup, ResultInvalidConfig)
	h.hangup() // a signal has nothing valid to reconcile either
	h.expect(TriggerSignal, ResultInvalidConfig)
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 0 {
		t.Fatalf("%d passes with invalid configuration at startup, want 0", n)
	}
	h.write("main.hcl", "v1")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(0); got != "v1" {
		t.Errorf("pass got state %q, want v1", got)
	}
	h.stop()
}

func TestResyncWhileInvalidUsesLastValidConfig(t *testing.T) {
	h := newHarness(t)
	h.manualTimer() // the resync comes when the test says, never inside the debounce
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.write("main.hcl", "INVALID")
	h.expect(TriggerFile, ResultInvalidConfig)
	n := int(h.passes.Load())
	h.gen.Add(1) // would show in the state if the invalid files were used
	h.fire()
	s := h.expect(TriggerInterval, ResultOK)
	if s["stale_config"] != true {
		t.Errorf("summary %v: want stale_config true", s)
	}
	if got := h.state(n); got != "v1" {
		t.Errorf("resync got state %q, want the last valid v1", got)
	}
	h.hangup()
	h.expect(TriggerSignal, ResultOK)
	if got := h.state(n + 1); got != "v1" {
		t.Errorf("signal pass got state %q, want the last valid v1", got)
	}
	h.expectNone(quiet)
	h.stop()
}

// A SIGHUP that arrives while a file trigger for an invalid save is queued still runs a pass, on
// the last valid configuration: signal passes do, and the file trigger must not swallow it.
func TestHangupBehindInvalidFileTriggerRunsPass(t *testing.T) {
	h := newHarness(t)
	h.manualTimer()
	entered, release := h.blockPass(2)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.hangup()
	<-entered // pass 2 runs; what follows queues behind it

	seen := len(h.sink.lines("relevant file event"))
	h.write("main.hcl", "INVALID")
	waitFor(t, "the invalid save to reach the debouncer", func() bool { return len(h.sink.lines("relevant file event")) > seen })
	time.Sleep(3 * testDebounce) // past the debounce: the file trigger is queued
	h.hangup()
	time.Sleep(testDebounce) // the collector has merged the signal into the queued trigger
	close(release)

	h.expect(TriggerSignal, ResultOK) // pass 2
	s := h.expect(TriggerSignal, ResultOK)
	if s["stale_config"] != true {
		t.Errorf("summary %v: want a pass on the last valid configuration", s)
	}
	if got := h.state(2); got != "v1" {
		t.Errorf("signal pass got state %q, want the last valid v1", got)
	}
	h.expectNone(quiet)
	h.stop()
}

// A SIGHUP while a file trigger waits for the settle check runs the pass at once, as the
// signal's: on invalid files too.
func TestHangupDuringSettleRunsPass(t *testing.T) {
	h := newHarness(t)
	h.manualTimer()
	h.cfg.Debounce = 200 * time.Millisecond // a settle check long enough to signal into
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.write("main.hcl", "INVALID")
	waitFor(t, "the settle check", func() bool { return len(h.sink.lines("waiting for the watched directories to settle")) > 0 })
	h.hangup()
	s := h.expect(TriggerSignal, ResultOK)
	if s["stale_config"] != true {
		t.Errorf("summary %v: want a pass on the last valid configuration", s)
	}
	h.expectNone(2 * h.cfg.Debounce)
	if n := h.passes.Load(); n != 2 {
		t.Errorf("%d passes, want 2", n)
	}
	h.stop()
}

func TestChangesDuringPassRunExactlyOneMorePass(t *testing.T) {
	h := newHarness(t)
	entered, release := h.blockPass(2)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.write("main.hcl", "v2")
	<-entered
	// Several saves and a SIGHUP while the pass runs, each given time to get past the debounce,
	// so that the dirty bit is set over and over.
	for _, v := range []string{"v3", "v4", "v5"} {
		h.write("main.hcl", v)
		time.Sleep(3 * testDebounce)
	}
	h.hangup()
	close(release)

	h.expect(TriggerFile, ResultOK) // the pass that was running
	s := h.next()                   // exactly one more
	if s["result"] != string(ResultOK) {
		t.Fatalf("follow-up pass %v, want ok", s)
	}
	h.expectNone(quiet)
	if n := h.passes.Load(); n != 3 {
		t.Fatalf("%d passes, want 3 (startup, the blocked one, one more)", n)
	}
	if got := h.state(2); got != "v5" {
		t.Errorf("follow-up pass got state %q, want v5", got)
	}
	if m := h.maxInflight.Load(); m != 1 {
		t.Errorf("%d passes ran at once, want 1", m)
	}
	h.stop()
}

func TestNeverTwoPassesAtOnce(t *testing.T) {
	h := newHarness(t)
	h.cfg.Interval = 5 * time.Millisecond
	h.cfg.Debounce = time.Millisecond
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		time.Sleep(2 * time.Millisecond) // long enough for every trigger to fire meanwhile
		if n%3 == 0 {
			return PassResult{}, errors.New("flaky")
		}
		return PassResult{}, nil
	}
	h.cfg.Backoff = Backoff{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	h.write("main.hcl", "v1")
	h.start()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { // file events and SIGHUPs as fast as they come, while intervals and retries fire
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := os.WriteFile(filepath.Join(h.dir, "main.hcl"), fmt.Append(nil, "v", i), 0o644); err != nil {
				done <- err
				return
			}
			select {
			case h.hup <- syscall.SIGHUP:
			default:
			}
			time.Sleep(500 * time.Microsecond)
		}
	}()
	waitFor(t, "30 passes", func() bool { return h.passes.Load() >= 30 })
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.stop()
	if m := h.maxInflight.Load(); m != 1 {
		t.Errorf("%d passes ran at once, want 1", m)
	}
}

func TestIntervalResync(t *testing.T) {
	h := newHarness(t)
	h.cfg.Interval = 50 * time.Millisecond
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.gen.Add(1) // drift no file event shows; the resync must reload and see it
	h.expect(TriggerInterval, ResultOK)
	h.expect(TriggerInterval, ResultOK)
	h.stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	if el := h.starts[2].Sub(h.starts[0]); el < 2*h.cfg.Interval {
		t.Errorf("two resyncs %v after startup, want at least %v", el, 2*h.cfg.Interval)
	}
	if h.states[1] != "v1#1" {
		t.Errorf("resync got state %q, want v1#1: every pass reloads the configuration", h.states[1])
	}
}

func TestHangupRunsPass(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.hangup()
	h.expect(TriggerSignal, ResultOK)
	h.expectNone(quiet)
	h.stop()
}

func TestIdleDaemonCallsNothing(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	// Files the daemon must not react to: not *.hcl, hidden, in a subdirectory, attributes only.
	for _, name := range []string{"README.md", ".main.hcl.swp", ".#main.hcl", "main.hcl~"} {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(h.dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "sub", "other.hcl"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(h.dir, "main.hcl"), 0o600); err != nil {
		t.Fatal(err)
	}
	loads, passes := h.loads.Load(), h.passes.Load()
	time.Sleep(10 * testDebounce)
	if l, p := h.loads.Load(), h.passes.Load(); l != loads || p != passes {
		t.Errorf("idle daemon: loads %d→%d, passes %d→%d; want no calls", loads, l, passes, p)
	}
	h.expectNone(0)
	h.stop()
}

func TestSourceDirectoryChangesRunPass(t *testing.T) {
	h := newHarness(t)
	src := t.TempDir()
	h.setSources(src)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	if err := os.WriteFile(filepath.Join(src, ".bash-5.2.tar.gz.part"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.expectNone(quiet) // a partial download is hidden
	if err := os.Rename(filepath.Join(src, ".bash-5.2.tar.gz.part"), filepath.Join(src, "bash-5.2.tar.gz")); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK)
	if err := os.Mkdir(filepath.Join(src, "vim-9.0"), 0o755); err != nil { // any entry counts
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	h.stop()
}

func TestSourceDirectoriesFollowConfig(t *testing.T) {
	h := newHarness(t)
	a, b := t.TempDir(), t.TempDir()
	h.setSources(a)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	h.setSources(b) // the next load moves the watch from a to b
	h.write("main.hcl", "v2")
	h.expect(TriggerFile, ResultOK)

	if err := os.WriteFile(filepath.Join(a, "pkg.tar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expectNone(quiet)
	if err := os.WriteFile(filepath.Join(b, "pkg.tar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK)
	h.stop()
}

func TestCancelDuringPassWaitsForIt(t *testing.T) {
	h := newHarness(t)
	entered := make(chan struct{})
	var finished atomic.Bool
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		if n == 1 {
			return PassResult{}, nil
		}
		close(entered)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // the engine finishes its step and releases the lock
		finished.Store(true)
		return PassResult{Steps: map[string]int{"import": 1}}, ctx.Err()
	}
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.hangup()
	<-entered
	h.stop()
	if !finished.Load() {
		t.Fatal("Run returned before the pass in progress had returned")
	}
	s := h.expect(TriggerSignal, ResultCancelled)
	if s["applied"] != 1.0 {
		t.Errorf("summary %v: want the applied step counted", s)
	}
	if n := h.passes.Load(); n != 2 {
		t.Errorf("%d passes, want 2: nothing is scheduled after a cancelled pass", n)
	}
}

func TestCancelWhileIdleReturnsNil(t *testing.T) {
	h := newHarness(t)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.stop()
	if lines := h.sink.lines("stopped"); len(lines) != 1 {
		t.Errorf("want one 'stopped' line, got %v", lines)
	}
}

func TestFailureRetriesWithBackoffAndResetsOnSuccess(t *testing.T) {
	h := newHarness(t)
	fail := map[int]bool{1: true, 2: true, 3: true, 4: true, 6: true}
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		if fail[n] {
			return PassResult{}, fmt.Errorf("apply step 1/1: dataset busy (%d)", n)
		}
		return PassResult{}, nil
	}
	h.cfg.Backoff = Backoff{Initial: 20 * time.Millisecond, Max: 80 * time.Millisecond} // no jitter
	h.write("main.hcl", "v1")
	h.start()

	want := []struct {
		trigger Trigger
		result  Result
		retryIn float64 // seconds; 0: none
	}{
		{TriggerStartup, ResultError, 0.02},
		{TriggerRetry, ResultError, 0.04},
		{TriggerRetry, ResultError, 0.08},
		{TriggerRetry, ResultError, 0.08}, // capped
		{TriggerRetry, ResultOK, 0},
	}
	for i, w := range want {
		s := h.expect(w.trigger, w.result)
		if got, _ := s["retry_in_seconds"].(float64); got != w.retryIn {
			t.Errorf("summary %d %v: retry_in_seconds %v, want %v", i, s, got, w.retryIn)
		}
		if w.result == ResultError && s["consecutive_failures"] != float64(i+1) {
			t.Errorf("summary %d %v: consecutive_failures want %d", i, s, i+1)
		}
	}
	h.expectNone(quiet) // success: no more retries, next is the (hour-long) interval
	// The delays were really waited for.
	h.mu.Lock()
	for i, d := range []time.Duration{20, 40, 80, 80} {
		if gap := h.starts[i+1].Sub(h.starts[i]); gap < d*time.Millisecond {
			t.Errorf("retry %d started %v after the failure, want at least %v", i+1, gap, d*time.Millisecond)
		}
	}
	h.mu.Unlock()

	// After a success the backoff starts again at Initial.
	h.hangup()
	s := h.expect(TriggerSignal, ResultError)
	if s["retry_in_seconds"] != 0.02 || s["consecutive_failures"] != 1.0 {
		t.Errorf("first failure after a success %v: want retry_in_seconds 0.02, consecutive_failures 1", s)
	}
	h.expect(TriggerRetry, ResultOK)
	h.stop()
}

func TestStatusFile(t *testing.T) {
	h := newHarness(t)
	stateDir := t.TempDir()
	h.cfg.StatusFile = filepath.Join(stateDir, "status.json")
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		return PassResult{Steps: map[string]int{"import": 2, "realize": 1}, Planned: 3, Refused: []string{"zsh: why"}}, nil
	}
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	st := readStatus(t, h.cfg.StatusFile)
	if st.Trigger != TriggerStartup || st.Result != ResultOK || st.Error != "" || !st.ConfigValid ||
		st.Planned != 3 || len(st.Refused) != 1 || st.Refused[0] != "zsh: why" || st.Steps["import"] != 2 || st.Steps["realize"] != 1 || st.LastSuccess == nil ||
		st.ConsecutiveFailures != 0 || st.Start.IsZero() {
		t.Errorf("status after a successful pass: %+v", st)
	}
	firstSuccess := *st.LastSuccess

	h.write("main.hcl", "INVALID")
	h.expect(TriggerFile, ResultInvalidConfig)
	st = readStatus(t, h.cfg.StatusFile)
	if st.Result != ResultInvalidConfig || st.ConfigValid || st.ConfigError != errInvalid.Error() ||
		st.Error != errInvalid.Error() || st.LastSuccess == nil || !st.LastSuccess.Equal(firstSuccess) {
		t.Errorf("status after an invalid save: %+v", st)
	}

	// Atomic replacement leaves nothing but the status file behind.
	des, err := os.ReadDir(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(des) != 1 || des[0].Name() != "status.json" {
		t.Errorf("state directory holds %v, want only status.json", des)
	}
	fi, err := os.Stat(h.cfg.StatusFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != statusPerm {
		t.Errorf("status file mode %v, want %v", fi.Mode().Perm(), fs.FileMode(statusPerm))
	}
	h.stop()
}

func TestStatusFileRecordsFailure(t *testing.T) {
	h := newHarness(t)
	h.cfg.StatusFile = filepath.Join(t.TempDir(), "status.json")
	h.cfg.Backoff = Backoff{Initial: time.Hour} // no retry during the test
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		return PassResult{}, errors.New("zfs: dataset is busy")
	}
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultError)
	st := readStatus(t, h.cfg.StatusFile)
	if st.Result != ResultError || st.Error != "zfs: dataset is busy" || st.ConsecutiveFailures != 1 ||
		st.NextRetry == nil || st.LastSuccess != nil {
		t.Errorf("status after a failed pass: %+v", st)
	}
	h.stop()
}

func readStatus(t *testing.T, path string) Status {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st Status
	if err := jsonUnmarshalStrict(data, &st); err != nil {
		t.Fatalf("status file %s: %v\n%s", path, err, data)
	}
	return st
}

func TestRunRejectsBadConfig(t *testing.T) {
	noLoad := func([]string) (int, []string, error) { return 0, nil, nil }
	noPass := func(context.Context, int) (PassResult, error) { return PassResult{}, nil }
	dir := t.TempDir()
	tests := map[string]struct {
		cfg   Config[int]
		field string
	}{
		"no dir":            {Config[int]{Load: noLoad, Pass: noPass}, "ConfigDirs"},
		"empty dir name":    {Config[int]{ConfigDirs: []string{dir, ""}, Load: noLoad, Pass: noPass}, "ConfigDirs"},
		"no load":           {Config[int]{ConfigDirs: []string{dir}, Pass: noPass}, "Load"},
		"no pass":           {Config[int]{ConfigDirs: []string{dir}, Load: noLoad}, "Pass"},
		"negative":          {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass, Interval: -1}, "Interval"},
		"negative debounce": {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass, Debounce: -1}, "Debounce"},
		"negative settle":   {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass, SettleMax: -1}, "SettleMax"},
		"settle below debounce": {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass,
			Debounce: time.Second, SettleMax: time.Millisecond}, "SettleMax"},
		"jitter": {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass, Backoff: Backoff{Jitter: 1}}, "Backoff.Jitter"},
		"max below initial": {Config[int]{ConfigDirs: []string{dir}, Load: noLoad, Pass: noPass,
			Backoff: Backoff{Initial: time.Minute, Max: time.Second}}, "Backoff.Max"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := Run(context.Background(), tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("Run: %v, want a *ConfigError for %s", err, tt.field)
			}
		})
	}
}

func TestRunMissingConfigDir(t *testing.T) {
	var loads atomic.Int32
	err := Run(context.Background(), Config[int]{
		ConfigDirs: []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")}, // the second one
		Load:       func([]string) (int, []string, error) { loads.Add(1); return 0, nil, nil },
		Pass:       func(context.Context, int) (PassResult, error) { return PassResult{}, nil },
	})
	var we *WatchError
	if !errors.As(err, &we) || !strings.HasSuffix(we.Path, "missing") || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Run: %v, want a *WatchError for the missing directory wrapping fs.ErrNotExist", err)
	}
	if loads.Load() != 0 {
		t.Error("Load called although Run could not start")
	}
}

func TestWatchReestablishedAfterConfigDirRecreated(t *testing.T) {
	h := newHarness(t)
	h.manualTimer() // no resync: the events alone must carry the daemon through
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	// A deploy that replaces the whole directory: the kernel drops the watch with it.
	if err := os.RemoveAll(h.dir); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultInvalidConfig) // the test Load fails on a missing directory
	if err := os.Mkdir(h.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.write("main.hcl", "v2")
	// The parent's watch sees the directory come back; its pass watches the new directory (if
	// it loaded before the save landed, the save's own event follows).
	h.expectState(TriggerFile, "v2")
	h.write("main.hcl", "v3")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(int(h.passes.Load()) - 1); got != "v3" {
		t.Errorf("pass after saving into the new directory got %q, want v3", got)
	}
	h.expectNone(quiet)
	h.stop()
}

// A fix that no file event reports (a network file system, a missed event) is still found: while
// nothing valid has been seen, the interval keeps reloading.
func TestInvalidAtStartupRecoversWithoutEvent(t *testing.T) {
	h := newHarness(t)
	h.cfg.Interval = 50 * time.Millisecond
	h.broken.Store(true)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultInvalidConfig)
	h.expect(TriggerInterval, ResultInvalidConfig)
	if n := h.passes.Load(); n != 0 {
		t.Fatalf("%d passes before the configuration was valid, want 0", n)
	}
	h.broken.Store(false)
	h.skipUntil(TriggerInterval, ResultOK, TriggerInterval)
	if got := h.state(0); got != "v1" {
		t.Errorf("first pass got %q, want v1", got)
	}
	h.stop()
}

// A pass absorbs triggers still pending when it starts: it reads everything they could ask for.
func TestPassAbsorbsPendingFileTrigger(t *testing.T) {
	h := newHarness(t)
	h.cfg.Debounce = 300 * time.Millisecond
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	seen := len(h.sink.lines("relevant file event"))
	h.write("main.hcl", "v2")
	waitFor(t, "the save to reach the debouncer", func() bool { return len(h.sink.lines("relevant file event")) > seen })
	h.hangup() // starts a pass at once, while the save is still being debounced
	if s := h.next(); s["result"] != string(ResultOK) {
		t.Fatalf("summary %v, want ok", s)
	}
	if got := h.state(1); got != "v2" {
		t.Errorf("pass got state %q, want v2", got)
	}
	h.expectNone(2 * h.cfg.Debounce) // the debounced save was satisfied by that pass
	h.stop()
}

// terminalErr is an error a pass marks as terminal, as reconcile.PlanError does.
type terminalErr struct{ msg string }

func (e terminalErr) Error() string  { return e.msg }
func (e terminalErr) Terminal() bool { return true }

// A terminal error (the configuration or the store's content is wrong) is not retried: the
// daemon records it in the status file and the metrics and waits for a change (a file event,
// SIGHUP) or the interval. A transient error after it is retried with backoff, as before.
func TestTerminalErrorIsNotRetried(t *testing.T) {
	h := newHarness(t)
	h.cfg.StatusFile = filepath.Join(t.TempDir(), "status.json")
	h.cfg.Metrics = NewMetrics()
	h.cfg.Backoff = Backoff{Initial: 20 * time.Millisecond, Max: 20 * time.Millisecond}
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		switch n {
		case 1, 2:
			return PassResult{Planned: 2}, fmt.Errorf("planning: %w", terminalErr{"profile \"tools\": no package vim"})
		case 3:
			return PassResult{}, errors.New("zfs: dataset is busy")
		}
		return PassResult{}, nil
	}
	h.write("main.hcl", "v1")
	h.start()
	s := h.expect(TriggerStartup, ResultTerminal)
	if s["terminal"] != true || s["retry_in_seconds"] != nil {
		t.Errorf("summary of a terminal failure %v: want terminal true and no retry", s)
	}
	h.expectNone(quiet) // no retry, however long the backoff would have been
	st := readStatus(t, h.cfg.StatusFile)
	if st.Result != ResultTerminal || st.NextRetry != nil || st.ConsecutiveFailures != 1 || !strings.Contains(st.Error, "no package vim") {
		t.Errorf("status after a terminal failure: %+v", st)
	}
	rec := httptest.NewRecorder()
	h.cfg.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if m := parseExposition(t, rec.Body.String()); m["axiom_reconcile_terminal_error"] != 1 {
		t.Errorf("terminal_error = %v after a terminal failure, want 1", m["axiom_reconcile_terminal_error"])
	}

	h.write("main.hcl", "v2") // something changed: a pass runs, still terminal
	h.expect(TriggerFile, ResultTerminal)
	h.expectNone(quiet)
	h.hangup()
	s = h.expect(TriggerSignal, ResultError) // transient: retried
	if s["retry_in_seconds"] != 0.02 || s["consecutive_failures"] != 3.0 {
		t.Errorf("transient failure after terminal ones %v: want a retry in 0.02 s, 3 failures", s)
	}
	h.expect(TriggerRetry, ResultOK)
	rec = httptest.NewRecorder()
	h.cfg.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if m := parseExposition(t, rec.Body.String()); m["axiom_reconcile_terminal_error"] != 0 {
		t.Errorf("terminal_error = %v after a success, want 0", m["axiom_reconcile_terminal_error"])
	}
	h.stop()
}

func TestTerminal(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("busy"), false},
		{terminalErr{"x"}, true},
		{fmt.Errorf("wrapped: %w", terminalErr{"x"}), true},
		{errors.Join(errors.New("a"), terminalErr{"x"}), true},
	} {
		if got := Terminal(tc.err); got != tc.want {
			t.Errorf("Terminal(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
