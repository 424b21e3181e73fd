package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Time limits. waitLimit bounds waits for something that must happen (generous, so a loaded CI
// machine does not fail a correct daemon); quiet is how long "nothing happens" is watched for.
const (
	testDebounce = 30 * time.Millisecond
	waitLimit    = 5 * time.Second
	quiet        = 8 * testDebounce
)

// errInvalid is the test loader's diagnostics.
var errInvalid = errors.New("main.hcl:1,1-8: Unsupported block type")

// harness runs Run against a temporary configuration directory with a test Load and Pass that
// record their calls, and a log sink that hands every summary line to the test.
type harness struct {
	t   *testing.T
	dir string // the configuration directory: where write writes, and (unless configDir is set) what Run watches

	// Set before start.
	configDir string   // Config.ConfigDirs[0] if not empty (a symlink, say), else dir
	moreDirs  []string // the other configuration directories (-c given again)
	timer     *manualTimer

	// Set before start.
	cfg Config[string]
	// hook, if set, is the pass's behaviour; n counts passes from 1.
	hook func(ctx context.Context, n int, state string) (PassResult, error)

	sources atomic.Pointer[[]string] // returned by Load; the test may change it while Run runs
	gen     atomic.Int32             // appended to the state by Load: a change no file event shows
	broken  atomic.Bool              // Load fails as if the files were invalid, with no file event

	loads       atomic.Int32
	passes      atomic.Int32
	inflight    atomic.Int32
	maxInflight atomic.Int32
	mu          sync.Mutex
	states      []string // state given to each pass
	starts      []time.Time

	summaries chan map[string]any
	sink      *logSink
	hup       chan os.Signal
	cancel    context.CancelFunc
	done      chan error
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		t:         t,
		dir:       t.TempDir(),
		summaries: make(chan map[string]any, 1024),
		hup:       make(chan os.Signal),
		done:      make(chan error, 1),
	}
	h.sink = &logSink{summaries: h.summaries}
	h.cfg = Config[string]{
		Interval: time.Hour, // tests that want resyncs lower it
		Debounce: testDebounce,
		Backoff:  Backoff{Initial: 20 * time.Millisecond, Max: 80 * time.Millisecond},
		Hangup:   h.hup,
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", h.sink.String())
		}
	})
	return h
}

// load is the test Load: the concatenated *.hcl files of dirs (not those starting with '.'),
// invalid when any says INVALID.
func (h *harness) load(dirs []string) (string, []string, error) {
	h.loads.Add(1)
	var b strings.Builder
	for _, dir := range dirs {
		des, err := os.ReadDir(dir)
		if err != nil {
			return "", nil, err
		}
		for _, de := range des {
			if n := de.Name(); strings.HasSuffix(n, ".hcl") && !strings.HasPrefix(n, ".") {
				data, err := os.ReadFile(filepath.Join(dir, n))
				if err != nil {
					return "", nil, err
				}
				b.Write(data)
			}
		}
	}
	if strings.Contains(b.String(), "INVALID") || h.broken.Load() {
		return "", nil, errInvalid
	}
	if g := h.gen.Load(); g != 0 {
		fmt.Fprintf(&b, "#%d", g)
	}
	var sources []string
	if p := h.sources.Load(); p != nil {
		sources = *p
	}
	return b.String(), sources, nil
}

func (h *harness) pass(ctx context.Context, state string) (PassResult, error) {
	n := h.inflight.Add(1)
	for m := h.maxInflight.Load(); n > m && !h.maxInflight.CompareAndSwap(m, n); m = h.maxInflight.Load() {
	}
	defer h.inflight.Add(-1)
	seq := int(h.passes.Add(1))
	h.mu.Lock()
	h.states = append(h.states, state)
	h.starts = append(h.starts, time.Now())
	h.mu.Unlock()
	if zerolog.Ctx(ctx).GetLevel() == zerolog.Disabled {
		return PassResult{}, errors.New("pass ctx carries no logger")
	}
	if h.hook != nil {
		return h.hook(ctx, seq, state)
	}
	return PassResult{Steps: map[string]int{"import": 1}, Planned: 1}, nil
}

// write replaces name in the configuration directory the way editors do: a temporary file in
// the same directory renamed over it.
func (h *harness) write(name, content string) {
	h.t.Helper()
	tmp := filepath.Join(h.dir, "."+name+".swp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(h.dir, name)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) start() {
	h.t.Helper()
	cfg := h.cfg
	cfg.ConfigDirs = []string{h.dir}
	if h.configDir != "" {
		cfg.ConfigDirs = []string{h.configDir}
	}
	cfg.ConfigDirs = append(cfg.ConfigDirs, h.moreDirs...)
	if h.timer != nil {
		cfg.newTimer = func() autoTimer { return h.timer }
	}
	cfg.Load = h.load
	cfg.Pass = h.pass
	cfg.Log = zerolog.New(h.sink).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- Run(ctx, cfg) }()
	h.t.Cleanup(func() {
		// Tests normally stop the daemon themselves; this only keeps a failed test from leaking.
		cancel()
		select {
		case <-h.done:
		case <-time.After(waitLimit):
			h.t.Error("Run did not return after cancel")
		}
	})
}

// stop cancels Run's context and checks that Run returns nil.
func (h *harness) stop() {
	h.t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Run returned %v, want nil", err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(waitLimit):
		h.t.Fatal("Run did not return after cancel")
	}
}

// next returns the next summary line, failing the test if none comes within waitLimit.
func (h *harness) next() map[string]any {
	h.t.Helper()
	select {
	case s := <-h.summaries:
		return s
	case <-time.After(waitLimit):
		h.t.Fatal("no pass summary within", waitLimit)
		return nil
	}
}

// expect returns the next summary line and checks its trigger and result.
func (h *harness) expect(trigger Trigger, result Result) map[string]any {
	h.t.Helper()
	s := h.next()
	if s["trigger"] != string(trigger) || s["result"] != string(result) {
		h.t.Fatalf("summary %v: want trigger %s, result %s", s, trigger, result)
	}
	return s
}

// skipUntil returns the first summary line with the given trigger and result, skipping those
// whose trigger is in skip (passes whose timing the test does not control).
func (h *harness) skipUntil(trigger Trigger, result Result, skip ...Trigger) map[string]any {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if time.Now().After(deadline) {
			h.t.Fatalf("no summary with trigger %s, result %s within %v", trigger, result, waitLimit)
		}
		s := h.next()
		if s["trigger"] == string(trigger) && s["result"] == string(result) {
			return s
		}
		if !slices.Contains(skip, Trigger(s["trigger"].(string))) {
			h.t.Fatalf("summary %v: want trigger %s, result %s", s, trigger, result)
		}
	}
}

// expectState reads summaries with the given trigger until a successful pass got state want,
// failing on any other trigger or on a failure.
func (h *harness) expectState(trigger Trigger, want string) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if time.Now().After(deadline) {
			h.t.Fatalf("no %s pass got state %q within %v", trigger, want, waitLimit)
		}
		s := h.next()
		if s["trigger"] != string(trigger) || s["result"] != string(ResultOK) {
			h.t.Fatalf("summary %v: want trigger %s, result ok", s, trigger)
		}
		if h.state(int(h.passes.Load())-1) == want {
			return
		}
	}
}

// expectNone checks that no summary line is logged for d.
func (h *harness) expectNone(d time.Duration) {
	h.t.Helper()
	select {
	case s := <-h.summaries:
		h.t.Fatalf("unexpected pass summary %v", s)
	case <-time.After(d):
	}
}

func (h *harness) setSources(dirs ...string) { h.sources.Store(&dirs) }

// manualTimer replaces the timer of automatic passes: an interval resync or a retry happens
// when the test calls fire, never by itself, so a test cannot be overtaken by one.
type manualTimer struct {
	c  chan time.Time
	mu sync.Mutex
	// armed is the delay of the last Reset; 0 when stopped.
	armed time.Duration
}

func (h *harness) manualTimer() *manualTimer {
	h.timer = &manualTimer{c: make(chan time.Time)}
	return h.timer
}

func (m *manualTimer) C() <-chan time.Time { return m.c }
func (m *manualTimer) Reset(d time.Duration) {
	m.mu.Lock()
	m.armed = d
	m.mu.Unlock()
}
func (m *manualTimer) Stop() {
	m.mu.Lock()
	m.armed = 0
	m.mu.Unlock()
}

// fire delivers the automatic pass the daemon armed last (it fails the test if none is armed).
func (h *harness) fire() {
	h.t.Helper()
	h.timer.mu.Lock()
	armed := h.timer.armed
	h.timer.armed = 0
	h.timer.mu.Unlock()
	if armed == 0 {
		h.t.Fatal("no automatic pass is armed")
	}
	select {
	case h.timer.c <- time.Now():
	case <-time.After(waitLimit):
		h.t.Fatal("the daemon did not take the timer's fire")
	}
}

func (h *harness) state(i int) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.states[i]
}

func (h *harness) hangup() {
	select {
	case h.hup <- syscall.SIGHUP:
	case <-time.After(waitLimit):
		h.t.Fatal("daemon did not take the hangup")
	}
}

// logSink keeps the daemon's log and passes summary lines on. zerolog writes one JSON object per
// Write.
type logSink struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	summaries chan map[string]any
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		return 0, err
	}
	if m["message"] == summaryMsg {
		select {
		case s.summaries <- m:
		default: // the test stopped reading; it has failed already or does not care
		}
	}
	return len(p), nil
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// lines returns the log lines whose message is msg.
func (s *logSink) lines(msg string) []map[string]any {
	var out []map[string]any
	for line := range strings.Lines(s.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitFor polls cond until it holds or waitLimit passes; for conditions with no channel to wait on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockPass makes pass n (counted from 1) stop once it has started: entered is closed when it
// has, and it goes on when the test closes release. Every other pass succeeds at once.
func (h *harness) blockPass(n int) (entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	h.hook = func(ctx context.Context, i int, state string) (PassResult, error) {
		if i == n {
			close(entered)
			<-release
		}
		return PassResult{}, nil
	}
	return entered, release
}
