package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Applied reports what an apply did.
type Applied struct {
	Steps    int
	ByKind   map[Kind]int
	Duration time.Duration
	// Skipped lists what GC found no longer collectable when it got there (held or cloned
	// meanwhile, or busy), dataset -> reason.
	Skipped map[string]string
	// Busy lists the generations and environments a prune or removal could not destroy because
	// they are in use (a process runs from them); they are kept, and the next pass tries again.
	Busy []string
}

// BusyError ends an apply that skipped destroying something in use: every other step ran.
type BusyError struct{ Datasets []string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("not destroyed because in use (a process has files open or its working directory there), kept for the next pass: %s", strings.Join(e.Datasets, ", "))
}

// Unwrap makes a BusyError match zfs.ErrBusy.
func (e *BusyError) Unwrap() error { return zfs.ErrBusy }

// Reconcile is one pass: it observes, plans and applies that plan (`apply -c DIR`, and each pass
// of the daemon). The caller holds the global lock. A *PlanError that is Terminal means the
// configuration or the store's content is wrong, and another pass cannot succeed until one of
// them changes; every other error may pass by itself (see watch.Terminal).
func (e *Engine) Reconcile(ctx context.Context, cfg *spec.Config, opt PlanOptions) (*Plan, *Applied, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	plan, err := e.plan(ctx, cfg, obs, opt)
	if err != nil {
		return nil, nil, err
	}
	done, err := e.apply(ctx, plan, obs)
	return plan, done, err
}

// StalePlanError says why a saved plan no longer applies.
type StalePlanError struct{ Moved []string }

func (e *StalePlanError) Error() string {
	const max = 20
	s := "the saved plan is stale; plan again. What moved since it was made:"
	for i, m := range e.Moved {
		if i == max {
			s += fmt.Sprintf("\n  ... and %d more", len(e.Moved)-max)
			break
		}
		s += "\n  " + m
	}
	return s
}

// ApplySaved applies a saved plan if, observed again now (under the lock the caller holds),
// neither the configuration and its sources nor the ZFS state have moved since it was made.
func (e *Engine) ApplySaved(ctx context.Context, cfg *spec.Config, plan *Plan) (*Applied, error) {
	if plan.Store != cfg.Store.Dataset {
		return nil, &StalePlanError{Moved: []string{fmt.Sprintf("the plan is for %s, the configuration for %s", plan.Store, cfg.Store.Dataset)}}
	}
	if why := planAge(plan.CreatedAt, e.now()); why != "" {
		return nil, &StalePlanError{Moved: []string{why}}
	}
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var moved []string
	moved = append(moved, movedKeys("configuration", plan.Config, obs.config)...)
	moved = append(moved, movedKeys("state", plan.Observed, obs.fingerprint())...)
	if len(moved) > 0 {
		return nil, &StalePlanError{Moved: moved}
	}
	// The digests say nothing about the steps themselves. Planning again, as of the moment the
	// plan was made (same options, same configuration, same state: the same steps), proves the
	// steps about to run are the ones that were shown, not a hand-edited or another version's.
	again, err := e.plan(ctx, cfg, obs, PlanOptions{Upgrade: plan.Upgrade, MaxDeletes: Budget(plan.MaxDeletes), Revision: plan.Revision, at: plan.CreatedAt})
	if err != nil {
		return nil, err
	}
	if !sameSteps(plan.Steps, again.Steps) {
		return nil, &StalePlanError{Moved: []string{"the steps: they are not what this configuration and ZFS state plan to (the plan file was edited, or written by another version)"}}
	}
	return e.apply(ctx, plan, obs)
}

// sameSteps compares steps as a plan file holds them, so that a plan read back from its file
// equals the plan it was saved from.
func sameSteps(a, b []Step) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

// apply runs the steps in order. The context is checked between steps only: a step that started
// runs to its end (with a context that is not cancelled), so an interrupted apply stops at a
// clean point and the next pass carries on.
func (e *Engine) apply(ctx context.Context, plan *Plan, obs *observation) (*Applied, error) {
	start := time.Now()
	done := &Applied{ByKind: map[Kind]int{}, Skipped: map[string]string{}}
	sources := map[string]*source.Package{}
	for _, sp := range obs.sources {
		sources[store.ID(sp).Path()] = sp
	}
	x := &executor{e: e, l: obs.layout, tree: obs.tree, sources: sources, done: done, revision: plan.Revision}
	for i := 0; i < len(plan.Steps); {
		if err := ctx.Err(); err != nil {
			done.Duration = time.Since(start)
			return done, fmt.Errorf("stopped before step %d of %d: %w", i+1, len(plan.Steps), err)
		}
		j := x.importRunEnd(plan.Steps, i)
		if _, ok := plan.Steps[i].Op.(*ImportStep); ok {
			x.refreshTree(ctx)
		}
		var err error
		if j-i > 1 {
			err = x.runImports(ctx, plan.Steps, i, j)
		} else {
			err = x.runStep(ctx, plan.Steps, i)
		}
		if err != nil {
			done.Duration = time.Since(start)
			return done, err
		}
		i = j
	}
	if len(done.Busy) > 0 {
		done.Duration = time.Since(start)
		return done, &BusyError{Datasets: done.Busy}
	}
	err := e.recordRevision(context.WithoutCancel(ctx), obs, plan.Revision, done.Steps)
	done.Duration = time.Since(start)
	return done, err
}

// recordRevision marks the store dataset with the configuration revision a successful apply
// brought it to, and when (layout.PropRevision, PropAppliedAt). An apply that changed nothing,
// of the revision recorded already, writes nothing: a converged pass makes no change at all.
// A plan without a revision (a rollback's) records none.
func (e *Engine) recordRevision(ctx context.Context, obs *observation, revision string, steps int) error {
	if revision == "" {
		return nil
	}
	if steps == 0 {
		if root, ok := obs.tree.Get(string(obs.layout.Root)); ok {
			if had, _ := root.Local(layout.PropRevision); had == revision {
				return nil
			}
		}
	}
	err := e.ZFS.SetProps(ctx, string(obs.layout.Root), zfs.Props{
		layout.PropRevision:  revision,
		layout.PropAppliedAt: e.now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return fmt.Errorf("recording revision %s on %s: %w", revision, obs.layout.Root, err)
	}
	return nil
}

// refreshTree observes the store again before imports when the plan's observation has no
// package container (a new store, which the plan's own steps made): imports then know which
// parents exist, and make only theirs, where with nothing known each would try every container
// from the store down (a process each) after a rename that fails for want of them. Best effort:
// without it the imports still succeed.
func (x *executor) refreshTree(ctx context.Context) {
	if _, ok := x.tree.Get(string(x.l.PkgRoot())); ok {
		return
	}
	if tree, err := x.e.ZFS.Observe(ctx, string(x.l.Store())); err == nil {
		x.tree = tree
	}
}

type executor struct {
	e *Engine
	// mu guards done's counts while imports run side by side (runImports), and importProgress
	// is their shared progress task then.
	mu             sync.Mutex
	importProgress progress.Reporter
	l              layout.Layout
	// tree is the observation the plan was made from: stale once a step ran, so only ever used
	// to skip work (the parents an import need not create).
	tree    *zfs.Tree
	sources map[string]*source.Package
	done    *Applied
	// revision is the plan's configuration revision, recorded on each generation built.
	revision string
}

// runStep runs step i of steps to its end (a context that is not cancelled), then counts and
// logs it.
func (x *executor) runStep(ctx context.Context, steps []Step, i int) error {
	st := &steps[i]
	start := time.Now()
	if err := x.run(context.WithoutCancel(ctx), st); err != nil {
		return fmt.Errorf("step %d of %d (%s %s): %w", i+1, len(steps), st.Kind(), st.Summary, err)
	}
	x.mu.Lock()
	x.done.Steps++
	x.done.ByKind[st.Kind()]++
	x.mu.Unlock()
	x.e.Log.Info().Str("kind", string(st.Kind())).Str("target", st.Target).Float64("took_seconds", time.Since(start).Seconds()).Msg(st.Action + " " + st.Summary)
	return nil
}

func (x *executor) run(ctx context.Context, st *Step) error {
	if st.Op == nil {
		return fmt.Errorf("step %q has no operation", st.Summary)
	}
	return st.Op.run(ctx, x)
}

// gcBatch is how many names one GC call gets: zfs's own program batch, so each call is one
// channel program, and the failpoint after each is after each program.
const gcBatch = zfs.ProgramBatch

// checkOwned accepts a dataset someone else created meanwhile only if it carries the local
// managed marker.
func (x *executor) checkOwned(ctx context.Context, name layout.Dataset) error {
	tree, err := x.e.ZFS.Observe(ctx, string(name))
	if err != nil {
		return err
	}
	if d, ok := tree.Get(string(name)); ok && managed(d) {
		return nil
	}
	return fmt.Errorf("%s was created meanwhile by someone else and is %w; nothing was written into it", name, errUnmanagedInTheWay)
}

// destroyUnlessBusy destroys a generation or environment (destroyOwned); one that is in use is
// kept, recorded in done.Busy with a warning, and is not an error until the apply ends.
func (x *executor) destroyUnlessBusy(ctx context.Context, name layout.Dataset) (bool, error) {
	err := destroyOwned(ctx, x.e.ZFS, name)
	if errors.Is(err, zfs.ErrBusy) {
		x.done.Busy = append(x.done.Busy, string(name))
		x.e.Log.Warn().Err(err).Str("dataset", string(name)).Msg("in use, not destroyed; the apply goes on and the next pass tries again")
		return false, nil
	}
	return err == nil, err
}

// release removes each tag from the snapshots that still carry it (one `zfs holds` for all,
// then one `zfs release` per tag), so releasing twice is harmless; a tag gone meanwhile is not an
// error either (re-checked with Holds, whether Release is atomic or per snapshot).
func (x *executor) release(ctx context.Context, byTag map[layout.Tag][]layout.Snapshot) error {
	var snaps []layout.Snapshot
	for _, s := range byTag {
		snaps = append(snaps, s...)
	}
	if len(snaps) == 0 {
		return nil
	}
	have, err := x.e.holdsOf(ctx, snaps)
	if err != nil {
		return err
	}
	for _, tag := range sortedKeys(byTag) {
		rel := carrying(have, tag, byTag[tag])
		if len(rel) == 0 {
			continue
		}
		if err := x.e.ZFS.Release(ctx, string(tag), layout.Strings(rel)...); err != nil {
			if !errors.Is(err, zfs.ErrNotExist) {
				return err
			}
			// Released meanwhile (or, per snapshot, partly): look again.
			if err := x.e.releaseTag(ctx, tag, rel); err != nil {
				return err
			}
		}
	}
	return nil
}

// holdsOf returns the hold tags of those of snaps that exist (one observation, one `zfs holds`).
func (e *Engine) holdsOf(ctx context.Context, snaps []layout.Snapshot) (map[layout.Snapshot][]layout.Tag, error) {
	snaps = slices.Compact(slices.Sorted(slices.Values(snaps)))
	tree, err := e.ZFS.Observe(ctx, layout.Strings(datasetsOf(snaps))...)
	if err != nil {
		return nil, err
	}
	var present []layout.Snapshot
	for _, s := range snaps {
		if d, ok := tree.Get(string(s)); ok && d.UserRefs > 0 {
			present = append(present, s)
		}
	}
	if len(present) == 0 {
		return map[layout.Snapshot][]layout.Tag{}, nil
	}
	return e.holds(ctx, present)
}

// holds returns the hold tags of snaps (zfs.Client.Holds), by snapshot.
func (e *Engine) holds(ctx context.Context, snaps []layout.Snapshot) (map[layout.Snapshot][]layout.Tag, error) {
	m, err := e.ZFS.Holds(ctx, layout.Strings(snaps)...)
	if err != nil {
		return nil, err
	}
	out := make(map[layout.Snapshot][]layout.Tag, len(m))
	for s, tags := range m {
		var ts []layout.Tag
		for _, t := range tags {
			ts = append(ts, layout.Tag(t))
		}
		out[layout.Snapshot(s)] = ts
	}
	return out, nil
}

// carrying returns those of snaps that carry tag in have.
func carrying(have map[layout.Snapshot][]layout.Tag, tag layout.Tag, snaps []layout.Snapshot) []layout.Snapshot {
	var out []layout.Snapshot
	for _, s := range snaps {
		if slices.Contains(have[s], tag) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// releaseTag removes tag from whichever of snaps carry it, looking again if it went meanwhile.
func (e *Engine) releaseTag(ctx context.Context, tag layout.Tag, snaps []layout.Snapshot) error {
	for attempt := 0; ; attempt++ {
		have, err := e.holdsOf(ctx, snaps)
		if err != nil {
			return err
		}
		rel := carrying(have, tag, snaps)
		if len(rel) == 0 {
			return nil
		}
		err = e.ZFS.Release(ctx, string(tag), layout.Strings(rel)...)
		if err == nil || !errors.Is(err, zfs.ErrNotExist) || attempt == 2 {
			return err
		}
	}
}

// hold places tag on every snapshot. The tag already being on some (an interrupted pass left it,
// or Hold placed it on some before failing) is fine: they are checked with Holds and the tag is
// placed on the rest.
func (e *Engine) hold(ctx context.Context, tag layout.Tag, snaps []layout.Snapshot) error {
	want := slices.Compact(slices.Sorted(slices.Values(snaps)))
	for attempt := 0; ; attempt++ {
		err := e.ZFS.Hold(ctx, string(tag), layout.Strings(want)...)
		if err == nil || !errors.Is(err, zfs.ErrExist) || attempt == 2 {
			return err
		}
		have, herr := e.holds(ctx, want)
		if herr != nil {
			return herr
		}
		var missing []layout.Snapshot
		for _, s := range want {
			if !slices.Contains(have[s], tag) {
				missing = append(missing, s)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		want = missing
	}
}

func datasetsOf(snaps []layout.Snapshot) []layout.Dataset {
	var out []layout.Dataset
	for _, s := range snaps {
		out = append(out, s.Dataset())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedKeys[K ~string, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }

// activate writes the activate script if needed and switches `current` to generation K with a
// symlink rename, which readers see either before or after, never in between.
func (x *executor) activate(ctx context.Context, st *ActivateStep) error {
	dir := x.l.Path(x.l.Env(st.Env))
	gen := layout.GenerationName(st.Generation)
	if fi, err := os.Stat(filepath.Join(dir, gen)); err != nil || !fi.IsDir() {
		return fmt.Errorf("cannot activate %s: %s is not there", gen, filepath.Join(dir, gen))
	}
	script := filepath.Join(dir, layout.ActivateScript)
	if b, err := os.ReadFile(script); err != nil || string(b) != st.Script {
		if err := atomicfile.WriteFile(script, []byte(st.Script), 0o755); err != nil {
			return err
		}
	}
	failpoint.Hit(failpoint.ActivateScript)
	if err := SwitchLink(dir, layout.CurrentLink, gen); err != nil {
		return err
	}
	failpoint.Hit(failpoint.ActivateSwitched)
	if st.Unpin {
		for _, p := range []string{layout.PropPinned, layout.PropPinnedFor} {
			if err := x.e.ZFS.InheritProp(ctx, string(x.l.Env(st.Env)), p); err != nil {
				return err
			}
		}
		failpoint.Hit(failpoint.ActivateUnpinned)
	}
	return nil
}

// linkTempBytes is the size of the random part of the temporary names SwitchLink used before it
// used atomicfile.Symlink: a host may still have one a killed pass left, and it is still garbage.
const linkTempBytes = 6

// SwitchLink points dir/name at target atomically (atomicfile.Symlink), unless it already does.
func SwitchLink(dir, name, target string) error {
	if cur, err := os.Readlink(filepath.Join(dir, name)); err == nil && cur == target {
		return nil
	}
	// A leftover temporary link is removed by the next plan (clean-files).
	return atomicfile.Symlink(target, filepath.Join(dir, name), func() { failpoint.Hit(failpoint.LinkTemp) })
}

// MaxPlanAge is how old a saved plan may be when it is applied. The state check would catch a
// world that moved, but a plan reviewed days ago is a decision someone should make again; and a
// plan dated in the future (beyond clock skew, planSkew) was not made by this host's clock.
const (
	MaxPlanAge = 24 * time.Hour
	planSkew   = time.Minute
)

// planAge says why a plan made at created is too old or too new to apply at now; "" when it is not.
func planAge(created, now time.Time) string {
	switch {
	case created.After(now.Add(planSkew)):
		return fmt.Sprintf("the plan is dated %s, in the future (the clock says %s)", created.Format(time.RFC3339), now.Format(time.RFC3339))
	case now.Sub(created) > MaxPlanAge:
		return fmt.Sprintf("the plan was made %s ago, more than %s: plan again", now.Sub(created).Round(time.Minute), MaxPlanAge)
	}
	return ""
}
