package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// loadConfig loads the configuration in dirs (-c, merged as one; symbolic links resolved from
// one view, see resolveDirs), printing diagnostics if it is invalid.
func loadConfig(e *env, dirs []string) (*spec.Config, error) {
	dirs, err := resolveDirs(dirs)
	if err != nil {
		return nil, err
	}
	var l spec.Loader
	cfg, diags := l.LoadDirs(dirs...)
	if diags.HasErrors() || cfg == nil {
		if err := spec.WriteDiagnostics(e.stderr, l.Files(), diags, diagnosticOptions(e)); err != nil {
			return nil, err
		}
		n := len(diags.Errs())
		fmt.Fprintf(e.stderr, "Configuration is invalid: %s; nothing was planned or changed.\n", english.Count(n, "error"))
		return nil, errReported
	}
	if len(diags) > 0 { // warnings only: shown, and the configuration is used
		if err := spec.WriteDiagnostics(e.stderr, l.Files(), diags, diagnosticOptions(e)); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// loadConfigNoArgs is loadConfig of dirs for a command that takes no positional argument.
func loadConfigNoArgs(g *globals, dirs dirsFlag, args []string) (*spec.Config, error) {
	if len(args) > 0 {
		return nil, usageError{fmt.Errorf("unexpected argument %q", args[0])}
	}
	return loadConfig(g.env, dirs.list())
}

// storeAccess is how commands reach the store: its ZFS client, the clock, and the check that a
// new dataset is mounted before files are written into it (nil: store.CheckMounted).
type storeAccess struct {
	zfs        zfs.Client
	now        func() time.Time
	mountCheck func(dir string) error
}

// realStore is the production store: the zfs command and the system clock.
func realStore(log zerolog.Logger) storeAccess {
	return storeAccess{zfs: zfs.NewCLI(log, zfs.WithProps(layout.Props()...)), now: time.Now}
}

// engine builds the reconciler on the environment's store.
func (g *globals) engine() *reconcile.Engine {
	open := g.env.store
	if open == nil {
		open = realStore
	}
	st := open(g.log)
	e := &reconcile.Engine{ZFS: st.zfs, Now: st.now, MountCheck: st.mountCheck, Log: g.log, Progress: g.reporter()}
	if g.cacheDir != "" {
		e.SourceCache = filepath.Join(g.cacheDir, "source-scan.cache")
	}
	return e
}

// defaultCacheDir is where the source scan cache lives unless --cache-dir says otherwise:
// $AXIOM_RECONCILE_CACHE_DIR, else /var/cache/axiom-reconcile.
func defaultCacheDir(e *env) string {
	if e != nil && e.getenv != nil {
		if d := e.getenv("AXIOM_RECONCILE_CACHE_DIR"); d != "" {
			return d
		}
	}
	return "/var/cache/axiom-reconcile"
}

func (g *globals) lockOptions(timeout time.Duration, command string, args []string) reconcile.LockOptions {
	return reconcile.LockOptions{Path: g.lockFile, GCPath: g.gcLockFile, Timeout: timeout, Command: strings.TrimSpace(command + " " + strings.Join(args, " "))}
}

// lockFlags are the flags of every command that takes the global lock.
type lockFlags struct {
	timeout time.Duration
}

func (l *lockFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&l.timeout, "lock-timeout", 0, "wait up to `DUR` for the global and store locks held by another process (0: do not wait); then exit 75")
}

// withExclusive runs fn holding the global lock exclusively, upstream's GC lock, and the lock
// of cfg's store (reconcile.LockStore), all waited for up to --lock-timeout.
func withExclusive(ctx context.Context, g *globals, lf lockFlags, command string, cfg *spec.Config, fn func() error) error {
	deadline := time.Now().Add(lf.timeout)
	opt := g.lockOptions(lf.timeout, command, nil)
	held, err := reconcile.LockExclusive(ctx, opt)
	if err != nil {
		return err
	}
	defer release(g, held, "the global lock")
	opt.Timeout = max(0, time.Until(deadline))
	st, err := g.engine().LockStore(ctx, cfg, opt)
	if err != nil {
		return err
	}
	defer release(g, st, "the store lock")
	return fn()
}

func release(g *globals, h *reconcile.Held, what string) {
	if err := h.Release(); err != nil {
		g.log.Warn().Err(err).Msg("releasing " + what)
	}
}

// withShared runs fn holding the global lock shared.
func withShared(ctx context.Context, g *globals, lf lockFlags, command string, fn func() error) error {
	held, err := reconcile.LockShared(ctx, g.lockOptions(lf.timeout, command, nil))
	if err != nil {
		return err
	}
	defer held.Release()
	return fn()
}

// maxDeletesFlag is --max-deletes: -1 (unset) keeps the configuration's gc.max_deletes.
func maxDeletesFlag(fs *flag.FlagSet, p *int) {
	*p = -1
	fs.Var(budgetValue{p}, "max-deletes", "allow removing up to `N` profiles, environments and packages in this pass (default: gc.max_deletes)")
}

// budgetOption is the --max-deletes value as reconcile takes it: nil when unset (-1).
func budgetOption(n int) *int {
	if n < 0 {
		return nil
	}
	return reconcile.Budget(n)
}

// budgetValue is a deletion budget flag: a number >= 0, or unset (-1, shown as no default).
type budgetValue struct{ p *int }

func (b budgetValue) String() string {
	if b.p == nil || *b.p < 0 {
		return ""
	}
	return strconv.Itoa(*b.p)
}

func (b budgetValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a whole number >= 0, got %q", s)
	}
	*b.p = n
	return nil
}

// isLocked is the exit-code switch's test for "the lock stayed held".
func isLocked(err error) bool { return reconcile.IsLocked(err) }
