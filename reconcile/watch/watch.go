package watch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// Trigger names why a pass ran. It is logged and counted, and never passed to the pass: every
// pass does the same full reconcile whatever started it.
type Trigger string

const (
	TriggerStartup  Trigger = "startup"  // the first pass after Run starts
	TriggerFile     Trigger = "file"     // a relevant file event, debounced and settled
	TriggerInterval Trigger = "interval" // the periodic resync
	TriggerSignal   Trigger = "signal"   // Config.Hangup (SIGHUP)
	TriggerRetry    Trigger = "retry"    // the backoff retry after a failed pass
)

// Result is the outcome of one attempt, as logged and written to the status file.
type Result string

const (
	ResultOK            Result = "ok"
	ResultError         Result = "error"          // the pass returned a transient error; a retry is scheduled
	ResultTerminal      Result = "terminal-error" // the pass returned a terminal error; no retry, see Terminal
	ResultInvalidConfig Result = "invalid-config" // the configuration was invalid; no pass ran
	ResultCancelled     Result = "cancelled"      // the pass returned early because Run's ctx was cancelled
)

// PassResult is what a pass reports about itself.
type PassResult struct {
	// Steps counts the steps applied, by kind ("import", "lock", "realize", "activate", "prune",
	// "gc"). A pass that fails part way reports the steps it did apply.
	Steps map[string]int
	// Planned is the number of steps the plan found: the drift. A pass that fails after planning
	// should still report it; one that fails before planning leaves it 0, and the drift gauge
	// then keeps its previous value.
	Planned int
	// Refused lists the source packages the pass left out because they could not be read or
	// were refused, one "name: why" line each. Like Planned, it is known only after planning.
	Refused []string
	// Revision is the revision of the configuration the pass reconciled (gitrev's form: a commit,
	// several joined with ",", "-dirty" appended to a dirty tree's, or "none" outside Git), and
	// Dirty whether a tree had changes its commit does not. Empty when not known.
	Revision string
	Dirty    bool
	// IntegrityChecked says the pass ran a fast verify (see reconcile.Engine.Verify);
	// IntegrityDrift then names the managed packages and generations changed since committed.
	IntegrityChecked bool
	IntegrityDrift   []string
}

// Config is what Run needs. S is the desired state Load produces and Pass consumes; Run never
// looks inside it. Zero durations and a zero Backoff mean the defaults.
type Config[S any] struct {
	// ConfigDirs are the configuration directories (`-c DIR` given once or more), passed to Load
	// as given and each watched for *.hcl. Any may be, or pass through, a symbolic link (a
	// release switched atomically, as contrib/git-sync's `current`): the links are resolved again
	// before every load, and the watches follow them.
	ConfigDirs []string

	// Load reads the configuration in dirs. It returns the desired state and the source
	// directories to watch, or a non-nil error holding the diagnostics (rendered for a log) when
	// the configuration is invalid, in which case state and sourceDirs are ignored. Run calls it
	// at the start of every attempt (each trigger), from one goroutine, never during a pass.
	Load func(dirs []string) (state S, sourceDirs []string, err error)

	// Pass runs one full reconcile of state. It must block while another process holds the
	// global lock (waiting is not failing; report the wait with WaitingForLock), and when ctx is
	// cancelled it should finish the step it is in, release the lock and return. ctx carries a
	// logger for the pass, with the pass number as field "pass" (zerolog.Ctx). Run never calls
	// Pass concurrently with itself.
	Pass func(ctx context.Context, state S) (PassResult, error)

	Interval time.Duration // periodic resync after the end of a successful pass; 0: DefaultInterval
	Debounce time.Duration // quiet time after a file event, and between settle stamps; 0: DefaultDebounce
	// SettleMax caps how long file events and the settle check can postpone a file-triggered
	// pass, counted from the first event; 0: DefaultSettleMax. It must not be less than Debounce.
	SettleMax time.Duration
	Backoff   Backoff // retry delays after failed passes; zero: DefaultBackoff()

	Log zerolog.Logger // the zero value discards

	// Metrics, if not nil, records every pass. MetricsListener, if not nil, serves
	// Metrics.Handler() (a new Metrics if Metrics is nil) while Run runs; Run closes it.
	Metrics         *Metrics
	MetricsListener net.Listener

	// StatusFile, if not empty, is replaced atomically with a JSON Status after every attempt.
	StatusFile string

	// Hangup requests a pass now: give it the channel signal.Notify delivers SIGHUP to (the
	// value received is ignored). A pass in progress is followed by one more. nil: none.
	// SIGINT and SIGTERM are not Run's business: they cancel ctx (signal.NotifyContext).
	Hangup <-chan os.Signal

	// newTimer makes the timer of automatic passes; nil: a real one. Tests fire it by hand.
	newTimer func() autoTimer
}

// autoTimer is the timer of the next automatic pass (interval resync or retry).
type autoTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

type realTimer struct{ t *time.Timer }

func newRealTimer() autoTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return realTimer{t}
}

func (r realTimer) C() <-chan time.Time { return r.t.C }

// Reset also discards a fire not yet received (Go ≥1.23 timers).
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
func (r realTimer) Stop()                 { r.t.Stop() }

// ConfigError reports a Config that Run cannot work with (a programming error; the command
// line checks its flags before building a Config, and names them).
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("watch: Config.%s %s", e.Field, e.Reason) }

// WatchError reports that the file watcher could not be set up for a directory Run must watch.
type WatchError struct {
	Path string
	Err  error
}

func (e *WatchError) Error() string { return fmt.Sprintf("watch %s: %v", e.Path, e.Err) }
func (e *WatchError) Unwrap() error { return e.Err }

// summaryMsg is the message of the one summary line each attempt logs.
const summaryMsg = "pass"

// Run is the daemon: it runs a pass at startup and then whenever a trigger fires (see the
// package documentation and Help), until ctx is cancelled. Cancelling ctx (SIGINT, SIGTERM)
// cancels the pass in progress; Run waits for it to return and then returns nil, having stopped
// every goroutine it started. Run returns an error only if it cannot start: a *ConfigError, or
// a *WatchError when the configuration directory cannot be watched. Failed passes and invalid
// configuration are logged, counted and retried, never returned.
func Run[S any](ctx context.Context, cfg Config[S]) error {
	if cfg.MetricsListener != nil {
		// Closed by Serve once it runs; closing it twice is harmless.
		defer cfg.MetricsListener.Close()
	}
	cfg, configDirs, err := cfg.validate()
	if err != nil {
		return err
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return &WatchError{Path: configDirs[0], Err: err}
	}
	defer fw.Close()
	// The one watch whose failure is fatal: a daemon that cannot see its configuration is
	// misconfigured. The others are set up (and kept up) by sync.
	for _, dir := range configDirs {
		if err := fw.Add(dir); err != nil {
			return &WatchError{Path: dir, Err: err}
		}
		_ = fw.Remove(dir)
	}
	dw := newDirWatcher(fw, cfg.Log)

	if cfg.MetricsListener != nil {
		if cfg.Metrics == nil {
			cfg.Metrics = NewMetrics()
		}
		// The server outlives ctx until the pass in progress has returned, so /healthz and
		// /metrics stay up while the daemon stops.
		sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := Serve(sctx, cfg.MetricsListener, cfg.Metrics.Handler()); err != nil {
				cfg.Log.Error().Err(err).Msg("metrics server stopped; reconciling continues")
			}
		})
		defer wg.Wait()
		defer stop()
		cfg.Log.Info().Stringer("addr", cfg.MetricsListener.Addr()).Msg("serving /metrics and /healthz")
	}

	col := newCollector(fw, dw, cfg.Debounce, cfg.SettleMax, cfg.Hangup, cfg.Log)
	go col.run()
	defer func() {
		close(col.stop)
		<-col.done
	}()

	d := &daemon[S]{cfg: cfg, configDirs: configDirs, w: dw, col: col, log: cfg.Log}
	cfg.Log.Info().Strs("config_dirs", cfg.ConfigDirs).Float64("interval_seconds", cfg.Interval.Seconds()).
		Float64("debounce_seconds", cfg.Debounce.Seconds()).Float64("settle_max_seconds", cfg.SettleMax.Seconds()).
		Float64("backoff_initial_seconds", cfg.Backoff.Initial.Seconds()).
		Float64("backoff_max_seconds", cfg.Backoff.Max.Seconds()).Float64("backoff_jitter", cfg.Backoff.Jitter).
		Msg("watching")
	d.loop(ctx)
	cfg.Log.Info().Msg("stopped")
	return nil
}

// validate returns cfg with defaults filled in, and the absolute configuration directories.
func (cfg Config[S]) validate() (Config[S], []string, error) {
	switch {
	case len(cfg.ConfigDirs) == 0:
		return cfg, nil, &ConfigError{Field: "ConfigDirs", Reason: "is empty"}
	case slices.Contains(cfg.ConfigDirs, ""):
		return cfg, nil, &ConfigError{Field: "ConfigDirs", Reason: "holds an empty name"}
	case cfg.Load == nil:
		return cfg, nil, &ConfigError{Field: "Load", Reason: "is nil"}
	case cfg.Pass == nil:
		return cfg, nil, &ConfigError{Field: "Pass", Reason: "is nil"}
	case cfg.Interval < 0:
		return cfg, nil, &ConfigError{Field: "Interval", Reason: "must not be negative"}
	case cfg.Debounce < 0:
		return cfg, nil, &ConfigError{Field: "Debounce", Reason: "must not be negative"}
	case cfg.SettleMax < 0:
		return cfg, nil, &ConfigError{Field: "SettleMax", Reason: "must not be negative"}
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.SettleMax == 0 {
		cfg.SettleMax = max(DefaultSettleMax, cfg.Debounce)
	}
	if cfg.SettleMax < cfg.Debounce {
		return cfg, nil, &ConfigError{Field: "SettleMax", Reason: "must not be less than Debounce"}
	}
	if cfg.newTimer == nil {
		cfg.newTimer = newRealTimer
	}
	b, err := cfg.Backoff.validate()
	if err != nil {
		return cfg, nil, err
	}
	cfg.Backoff = b
	dirs := make([]string, 0, len(cfg.ConfigDirs))
	for _, d := range cfg.ConfigDirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return cfg, nil, &WatchError{Path: d, Err: err}
		}
		dirs = append(dirs, abs)
	}
	return cfg, dirs, nil
}

// daemon is the scheduler's state. Only Run's goroutine touches it.
type daemon[S any] struct {
	cfg        Config[S]
	configDirs []string // absolute, as given (symlinks not resolved)
	w          *dirWatcher
	col        *collector
	log        zerolog.Logger

	auto        autoTimer // the next automatic pass: interval resync or retry
	autoTrigger Trigger

	last      S        // the last valid desired state
	haveValid bool     // last is set
	sources   []string // absolute source directories of the last valid configuration

	seq         uint64        // passes run
	failures    int           // consecutive failed passes
	retryIn     time.Duration // the delay before the retry last scheduled
	lastSuccess *time.Time
}

func (d *daemon[S]) loop(ctx context.Context) {
	d.auto = d.cfg.newTimer()
	defer d.auto.Stop()
	d.attempt(ctx, kick{t: TriggerStartup})
	for {
		select {
		case <-ctx.Done():
			return
		case k := <-d.col.kick:
			d.attempt(ctx, k)
		case <-d.auto.C():
			d.attempt(ctx, kick{t: d.autoTrigger})
		}
	}
}

// arm schedules the next automatic pass, replacing the one scheduled before.
func (d *daemon[S]) arm(t Trigger, after time.Duration) {
	d.autoTrigger = t
	d.auto.Reset(after)
}

// attempt waits for the watched trees to settle (file triggers only), loads the configuration
// and, unless that rules it out, runs one pass.
func (d *daemon[S]) attempt(ctx context.Context, k kick) {
	if ctx.Err() != nil {
		return
	}
	t := k.t
	settled := false
	if t == TriggerFile {
		var signal bool
		settled, signal = d.settle(ctx, k.since)
		if ctx.Err() != nil {
			return
		}
		if signal {
			t = TriggerSignal
		}
	}
	if d.col.absorb() == TriggerSignal && t == TriggerFile {
		// A SIGHUP queued behind this file trigger: the pass is the signal's too, and must run
		// even if the files are invalid now.
		t = TriggerSignal
	}
	start := time.Now()
	st := Status{Trigger: t, Start: start}
	// Watches first, then the load: a save into a directory that was just recreated (or a
	// symlink just flipped) lands either before the load, which reads it, or after the watch,
	// which reports it.
	state, ok := d.load(t, start, &st, settled)
	if !ok {
		return
	}

	d.seq++
	plog := d.log.With().Uint64("pass", d.seq).Logger()
	tr := &passTracker{m: d.cfg.Metrics}
	pctx := context.WithValue(plog.WithContext(ctx), passKey{}, tr)
	res, err := d.cfg.Pass(pctx, state)
	end := time.Now()
	wait := tr.finish()
	busy := end.Sub(start) - wait
	st.Duration, st.LockWait = busy.Seconds(), wait.Seconds()
	st.Steps, st.Planned, st.Refused, st.Revision = res.Steps, res.Planned, res.Refused, res.Revision
	cancelled := err != nil && ctx.Err() != nil
	switch {
	case err == nil:
		st.Result = ResultOK
		d.failures = 0
		d.lastSuccess = &end
		d.arm(TriggerInterval, d.cfg.Interval)
	case cancelled:
		st.Result = ResultCancelled // Run is stopping: nothing more is scheduled
	case Terminal(err):
		// No retry can fix it: the next pass is the one something changes (a file event, a
		// SIGHUP) or the interval's resync, which also notices a store someone repaired.
		st.Result = ResultTerminal
		d.failures++
		d.retryIn = 0
		d.arm(TriggerInterval, d.cfg.Interval)
	default:
		st.Result = ResultError
		d.failures++
		d.retryIn = d.cfg.Backoff.Delay(d.failures)
		d.arm(TriggerRetry, d.retryIn)
		next := end.Add(d.retryIn)
		st.NextRetry = &next
	}
	d.cfg.Metrics.observePass(t, res, err, cancelled, busy, wait, end)
	d.finish(&st, res, err, true)
}

// load loads the configuration for an attempt started at start by trigger t. With an invalid
// one it returns the last valid state to reconcile, or false when no pass runs (the attempt is
// then finished and reported).
func (d *daemon[S]) load(t Trigger, start time.Time, st *Status, settled bool) (S, bool) {
	d.w.sync(d.configDirs, d.sources, settled)
	state, dirs, lerr := d.cfg.Load(d.cfg.ConfigDirs)
	d.cfg.Metrics.setConfigValid(lerr == nil)
	st.ConfigValid = lerr == nil
	if lerr == nil {
		d.last, d.haveValid = state, true
		d.sources = d.absSources(dirs)
		d.w.sync(d.configDirs, d.sources, false)
	} else {
		st.ConfigError = lerr.Error()
		// The diagnostics are the user's to read; the error level makes sure they are seen.
		d.log.Error().Err(lerr).Strs("config_dirs", d.cfg.ConfigDirs).Msg("configuration is invalid")
		if t == TriggerFile || t == TriggerStartup || !d.haveValid {
			// A save that broke the configuration asks for nothing to be applied.
			if t == TriggerStartup || t == TriggerInterval {
				d.arm(TriggerInterval, d.cfg.Interval) // look again later, in case no event comes
			}
			st.Result = ResultInvalidConfig
			st.Duration = time.Since(start).Seconds()
			d.finish(st, PassResult{}, lerr, false)
			var none S
			return none, false
		}
		state = d.last
	}
	return state, true
}

// Terminal reports whether a pass's error is terminal: the configuration or the store's content
// is wrong, so retrying the same pass cannot succeed. A pass marks such an error with a method
// Terminal() bool (reconcile.PlanError has one); every other error is transient (a busy dataset,
// a held lock, an I/O error) and is retried with backoff.
func Terminal(err error) bool {
	var t interface{ Terminal() bool }
	return errors.As(err, &t) && t.Terminal()
}

func (d *daemon[S]) absSources(dirs []string) []string {
	var out []string
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			d.log.Warn().Err(err).Str("dir", dir).Msg("cannot watch source directory")
			continue
		}
		out = append(out, abs)
	}
	return out
}

// finish writes the status file and then logs the summary line, so that whoever reads the
// line finds the file up to date.
func (d *daemon[S]) finish(st *Status, res PassResult, err error, ran bool) {
	st.LastSuccess = d.lastSuccess
	st.ConsecutiveFailures = d.failures
	if err != nil {
		st.Error = err.Error()
	}
	if d.cfg.StatusFile != "" {
		if err := writeStatus(d.cfg.StatusFile, st); err != nil {
			d.log.Error().Err(err).Str("status_file", d.cfg.StatusFile).Msg("cannot write status file")
		}
	}

	var ev *zerolog.Event
	switch st.Result {
	case ResultOK:
		ev = d.log.Info()
	case ResultError:
		ev = d.log.Error().Err(err).Int("consecutive_failures", d.failures).Float64("retry_in_seconds", d.retryIn.Seconds())
	case ResultTerminal:
		ev = d.log.Error().Err(err).Int("consecutive_failures", d.failures).Bool("terminal", true)
	case ResultCancelled:
		ev = d.log.Warn().AnErr("error", err) // says where the pass stopped
	default: // invalid-config: the diagnostics were logged just before
		ev = d.log.Warn()
	}
	if ran {
		steps := zerolog.Dict()
		applied := 0
		for _, kind := range slices.Sorted(maps.Keys(res.Steps)) {
			steps.Int(kind, res.Steps[kind])
			applied += res.Steps[kind]
		}
		ev = ev.Uint64("pass", d.seq).Dict("steps", steps).Int("applied", applied).
			Int("drift", res.Planned).Bool("stale_config", !st.ConfigValid).Float64("lock_wait_seconds", st.LockWait)
	}
	ev.Str("trigger", string(st.Trigger)).Str("result", string(st.Result)).
		Float64("duration_seconds", st.Duration).Msg(summaryMsg)
}
