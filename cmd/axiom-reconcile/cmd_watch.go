package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile/watch"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// lockWaitForever is how long a daemon's pass waits for the global lock: as long as it takes
// (a cancelled context still stops the wait).
const lockWaitForever = 100 * 365 * 24 * time.Hour

func watchCommand() command {
	return command{
		name: "watch", args: "[-c DIR] [--interval DUR] [--debounce DUR] [--settle-max DUR] [--metrics-addr ADDR] [--status-file PATH]",
		summary: "reconcile continuously: on file changes, on a timer and on SIGHUP", help: watch.Help,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "watch and apply")
			interval := fs.Duration("interval", watch.DefaultInterval, "resync every `DUR` even without file changes (> 0)")
			debounce := fs.Duration("debounce", watch.DefaultDebounce, "wait `DUR` of quiet after a file change, and as long again for the settle check, before a pass (> 0)")
			settleMax := fs.Duration("settle-max", watch.DefaultSettleMax, "run a file-triggered pass at most `DUR` after the first change, even if files are still changing (>= --debounce)")
			metricsAddr := fs.String("metrics-addr", "", "serve Prometheus /metrics and /healthz on `ADDR` (e.g. 127.0.0.1:9851)")
			statusFile := fs.String("status-file", "", "write the last pass's result as JSON to `PATH` (atomically)")
			return func(ctx context.Context, g *globals, args []string) error {
				if len(args) > 0 {
					return usageError{fmt.Errorf("unexpected argument %q", args[0])}
				}
				if err := checkWatchDurations(*interval, *debounce, *settleMax); err != nil {
					return usageError{err}
				}
				return runWatch(ctx, g, dirs.list(), *interval, *debounce, *settleMax, *metricsAddr, *statusFile)
			}
		},
	}
}

// checkWatchDurations rejects what the daemon cannot mean, naming the flag. watch.Config reads
// 0 as "the default", so 0 must be refused here rather than silently mean 10m or 1s: an
// interval of 0 would be a busy loop, and a debounce of 0 would leave the settle check nothing
// to compare.
func checkWatchDurations(interval, debounce, settleMax time.Duration) error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"--interval", interval}, {"--debounce", debounce}, {"--settle-max", settleMax}} {
		if f.d <= 0 {
			return fmt.Errorf("%s must be positive, got %s", f.name, f.d)
		}
	}
	if settleMax < debounce {
		return fmt.Errorf("--settle-max (%s) must not be less than --debounce (%s)", settleMax, debounce)
	}
	return nil
}

func runWatch(ctx context.Context, g *globals, dirs []string, interval, debounce, settleMax time.Duration, metricsAddr, statusFile string) error {
	hup := make(chan os.Signal, 1)
	if g.env.notify != nil {
		g.env.notify(hup, syscall.SIGHUP)
		defer g.env.stop(hup)
	}
	cfg := watch.Config[watchState]{
		ConfigDirs: dirs,
		Interval:   interval,
		Debounce:   debounce,
		SettleMax:  settleMax,
		Log:        g.log,
		StatusFile: statusFile,
		Hangup:     hup,
		Load:       loadForWatch(ctx, g),
		Pass:       passForWatch(g),
	}
	if metricsAddr != "" {
		ln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		cfg.Metrics = watch.NewMetrics()
		cfg.MetricsListener = ln
	}
	return watch.Run(ctx, cfg)
}

// watchState is what one daemon pass reconciles: the configuration and its revision, read
// from the same tree.
type watchState struct {
	cfg      *spec.Config
	revision string
	dirty    bool
}

// loadForWatch loads the configuration; invalid files come back as one error holding the
// rendered diagnostics, for the daemon to log. Warnings of a valid configuration are logged at
// every load, so they stay visible for as long as they apply. The directories are resolved
// from one view first (resolveDirs): through a switched `current`, the configuration and its
// revision are those of the one tree it named.
func loadForWatch(ctx context.Context, g *globals) func(dirs []string) (watchState, []string, error) {
	return func(dirs []string) (watchState, []string, error) {
		dirs, err := resolveDirs(dirs)
		if err != nil {
			return watchState{}, nil, err
		}
		var l spec.Loader
		cfg, diags := l.LoadDirs(dirs...)
		var b bytes.Buffer
		if len(diags) > 0 {
			_ = spec.WriteDiagnostics(&b, l.Files(), diags, spec.TextOptions{})
		}
		if diags.HasErrors() || cfg == nil {
			return watchState{}, nil, errors.New(b.String())
		}
		if b.Len() > 0 {
			g.log.Warn().Str("diagnostics", b.String()).Msg("configuration has warnings")
		}
		st := watchState{cfg: cfg}
		st.revision, st.dirty = configRevision(ctx, g, cfg)
		return st, sourceDirs(cfg), nil
	}
}

func sourceDirs(cfg *spec.Config) []string {
	var dirs []string
	for _, s := range cfg.Sources {
		dirs = append(dirs, s.Path)
	}
	return dirs
}

// passForWatch is one full reconcile under the global lock, waiting for the lock as long as it
// takes. A wait is logged once, naming the holder, and reported to the daemon, which keeps it
// out of the pass's duration.
func passForWatch(g *globals) func(context.Context, watchState) (watch.PassResult, error) {
	eng := g.engine()
	eng.Progress = progress.Log{Log: g.log} // the daemon logs long steps at a steady interval
	return func(ctx context.Context, state watchState) (watch.PassResult, error) {
		cfg := state.cfg
		res := watch.PassResult{Steps: map[string]int{}, Revision: state.revision, Dirty: state.dirty}
		opts := g.lockOptions(lockWaitForever, "watch "+dirArgs(cfg.Dirs), nil)
		endWait := func() {}
		opts.OnWait = func(w reconcile.LockWait) {
			endWait() // the global lock's wait is over when the GC lock's begins
			ev := zerolog.Ctx(ctx).Warn().Str("lock", w.Path).Str("holder", w.Holder())
			if o := w.Owner; o != nil {
				ev = ev.Int("holder_pid", o.PID).Str("holder_command", o.Command).Str("holder_host", o.Host).Time("holder_since", o.Since)
			}
			ev.Msg("waiting for the lock")
			endWait = watch.WaitingForLock(ctx, w.Holder())
		}
		held, err := reconcile.LockExclusive(ctx, opts)
		if err != nil {
			endWait()
			return res, err
		}
		defer held.Release()
		st, err := eng.LockStore(ctx, cfg, opts)
		endWait()
		if err != nil {
			return res, err
		}
		defer st.Release()
		plan, done, err := eng.Reconcile(ctx, cfg, reconcile.PlanOptions{Revision: state.revision})
		for _, w := range reconcile.Warnings(plan, err) {
			zerolog.Ctx(ctx).Warn().Msg(w) // the daemon's plans are seen in its log only
		}
		if plan != nil {
			res.Planned = len(plan.Steps)
			for _, r := range plan.Refused {
				res.Refused = append(res.Refused, r.Package+": "+r.Reason)
			}
		}
		if done != nil {
			for k, n := range done.ByKind {
				res.Steps[string(k)] = n
			}
		}
		checkIntegrity(ctx, eng, cfg, &res)
		return res, err
	}
}

// checkIntegrity runs a fast verify after the pass (still under its lock), logging what drifted
// and reporting it for the integrity_drift metric. It repairs nothing: that is verify --repair's.
func checkIntegrity(ctx context.Context, eng *reconcile.Engine, cfg *spec.Config, res *watch.PassResult) {
	in, err := eng.IntegrityDrift(ctx, cfg)
	if err != nil {
		if ctx.Err() == nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("integrity check failed")
		}
		return
	}
	res.IntegrityChecked, res.IntegrityDrift = true, in.Names
	if in.Drift > 0 {
		zerolog.Ctx(ctx).Warn().Int("count", in.Drift).Strs("datasets", in.Names).
			Msg("integrity drift: managed packages or generations changed since committed; run axiom-reconcile verify --repair")
	}
}
