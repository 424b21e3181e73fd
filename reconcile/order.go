package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The order stage: the one place that runs the stages of a plan in turn (observe, resolve,
// diff, check) and puts their changes in the order apply runs them: the store's containers,
// cleaning up, holds, mounts, imports, profiles, environments, removals, garbage collection.

// Plan observes ZFS and the sources and computes the steps that bring them to cfg. It changes
// nothing. Every problem it finds is reported at once, in one error.
func (e *Engine) Plan(ctx context.Context, cfg *spec.Config, opt PlanOptions) (*Plan, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return e.plan(ctx, cfg, obs, opt)
}

// diffs are the results of every stage of one plan.
type diffs struct {
	in       *diffInput
	store    storeDiff
	profiles profilesDiff
	envs     envsDiff
	check    realizeCheck
	removals removalsDiff
	holds    holdsDiff
	gc       gcDiff
	gcIn     gcInputs
	// all are every stage's findings, in the order the stages ran.
	all findings
}

func (e *Engine) plan(ctx context.Context, cfg *spec.Config, obs *observation, opt PlanOptions) (*Plan, error) {
	d, err := e.diff(ctx, cfg, obs, opt, false)
	if err != nil {
		return nil, err
	}
	in := d.in
	pl := &Plan{Format: PlanFormat, CreatedAt: in.now, ConfigDir: cfg.Dir, Store: cfg.Store.Dataset, Upgrade: opt.Upgrade,
		MaxDeletes: in.budget, Notes: d.all.notes, Warnings: d.all.warnings, Revision: opt.Revision}
	if len(cfg.Dirs) > 1 {
		pl.ConfigDirs = cfg.Dirs
	}
	if root, ok := obs.tree.Get(string(obs.layout.Root)); ok {
		pl.AppliedRevision, _ = root.Local(layout.PropRevision)
	}
	for _, r := range obs.refused {
		pl.Refused = append(pl.Refused, Refusal{Package: r.Package, Origin: r.Origin, Reason: r.Error()})
	}
	pl.Trust = sourceTrust(cfg)
	phases := [][]Step{d.store.layout, d.store.temps, d.holds.steps, d.mounts(), d.profiles.imports, d.profiles.steps,
		d.envs.steps, d.removals.steps, d.gc.steps}
	if opt.GCOnly {
		phases = [][]Step{d.store.temps, d.gc.steps}
	}
	for _, phase := range phases {
		pl.Steps = append(pl.Steps, phase...)
	}
	pl.Config = obs.config
	pl.ConfigDigest = digestMap(pl.Config)
	pl.Observed = obs.fingerprint()
	pl.StateDigest = digestMap(pl.Observed)
	return pl, nil
}

// mounts are the mount steps of resolution and of the realizes, each package once.
func (d *diffs) mounts() []Step {
	var out []Step
	seen := map[string]bool{}
	all := []Step{}
	for _, pkg := range d.in.res.mounts {
		all = append(all, mountStep(d.in.l, pkg, ""))
	}
	for _, st := range append(all, d.check.mounts...) {
		if !seen[st.Target] {
			seen[st.Target] = true
			out = append(out, st)
		}
	}
	return out
}

// diff runs the stages between observe and order. Its warnings are returned, not logged: in
// the plan, or with the *PlanError when it fails; whoever shows the plan or the error says them,
// once (the command line with the plan or the error, the daemon in its log).
func (e *Engine) diff(ctx context.Context, cfg *spec.Config, obs *observation, opt PlanOptions, explaining bool) (*diffs, error) {
	in := newDiffInput(e, cfg, obs, opt)
	d := &diffs{in: in}
	for _, r := range obs.refused {
		d.all.warn("%s", refusalWarning(r))
	}
	for _, w := range obs.signatureWarnings {
		d.all.warn("%s", w)
	}
	if tree := checkTree(in); len(tree.errs) > 0 {
		d.all.add(tree)
		return nil, e.finish(d)
	}
	in.res = e.resolveProfiles(ctx, in)
	d.store = diffStore(in)
	d.all.add(d.store.findings)
	d.all.warnings = append(d.all.warnings, in.res.warnings...)
	d.profiles = diffProfiles(in)
	d.envs = diffEnvs(in, d.profiles.locks)
	d.check = checkRealizes(in, d.envs.realizes)
	retained := d.envs.retained
	if !opt.GCOnly {
		// `gc` removes nothing but packages: it neither plans removals nor counts them.
		d.removals = diffRemovals(in)
		retained = append(retained, d.removals.retained...)
		d.holds = diffHolds(in, retained, d.envs.realizing, d.profiles.locks)
	}
	released := map[layout.Snapshot]int{}
	for _, m := range []map[layout.Snapshot]int{d.envs.released, d.removals.released, d.holds.released, d.profilesReleased(opt)} {
		for snap, n := range m {
			released[snap] += n
		}
	}
	d.gcIn = gcInputs{locks: d.profiles.locks, newLocks: d.envs.newLocks, retained: retained, released: released,
		removed: d.removals.removed, imported: d.profiles.imported}
	d.gc = diffGC(in, d.gcIn, explaining)
	for _, f := range []findings{d.profiles.findings, d.envs.findings, d.check.findings, d.removals.findings, d.holds.findings, d.gc.findings} {
		d.all.add(f)
	}
	return d, e.finish(d)
}

// profilesReleased are the profile holds the plan releases: none for `gc`, which writes no locks.
func (d *diffs) profilesReleased(opt PlanOptions) map[layout.Snapshot]int {
	if opt.GCOnly {
		return nil
	}
	return d.profiles.released
}

// finish returns the problems, if any, as one *PlanError that carries the warnings too.
func (e *Engine) finish(d *diffs) error {
	if len(d.all.errs) > 0 {
		return &PlanError{Errs: d.all.errs, Warnings: d.all.warnings}
	}
	return nil
}

// newDiffInput fixes what every diff function reads: the planning's clock, read once (the plan's
// time, and the time GC grace periods end by), and its deletion budget.
func newDiffInput(e *Engine, cfg *spec.Config, obs *observation, opt PlanOptions) *diffInput {
	now := opt.at
	if now.IsZero() {
		now = e.now().UTC()
	}
	in := &diffInput{cfg: cfg, s: interpret(obs), l: obs.layout, opt: opt, now: now, budget: cfg.GC.MaxDeletes,
		sources: map[layout.PackageID]*source.Package{}}
	if opt.MaxDeletes != nil {
		in.budget = *opt.MaxDeletes
	}
	for _, sp := range obs.sources {
		in.sources[store.ID(sp)] = sp
	}
	return in
}

// PlanError lists every problem a plan found, and the warnings it had found besides.
type PlanError struct {
	Errs     []error
	Warnings []string
}

// Warnings returns the warnings of a plan or of the *PlanError that stopped it: what a command
// or a daemon pass says once.
func Warnings(plan *Plan, err error) []string {
	var pe *PlanError
	switch {
	case plan != nil:
		return plan.Warnings
	case errors.As(err, &pe):
		return pe.Warnings
	}
	return nil
}

func (e *PlanError) Error() string {
	if len(e.Errs) == 1 {
		return e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(e.Errs))
	for _, err := range e.Errs {
		fmt.Fprintf(&b, "\n  - %s", strings.ReplaceAll(err.Error(), "\n", "\n    "))
	}
	return b.String()
}

func (e *PlanError) Unwrap() []error { return e.Errs }

// Terminal reports whether planning again cannot succeed until something changes: every problem
// is about the configuration or the store's content. A problem that is a failed zfs command, a
// file that could not be read or a time-out may pass by itself, and makes the error transient
// (the daemon retries it with backoff; see watch.Terminal).
func (e *PlanError) Terminal() bool {
	for _, err := range e.Errs {
		var ze *zfs.Error
		var pe *fs.PathError
		if errors.As(err, &ze) || errors.As(err, &pe) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return false
		}
	}
	return true
}
