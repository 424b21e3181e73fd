package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
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
	// meanwhile), dataset -> reason.
	Skipped map[string]string
}

// Apply plans and applies in one pass (`apply -c DIR`). The caller holds the global lock.
func (e *Engine) Apply(ctx context.Context, cfg *spec.Config, opt PlanOptions) (*Plan, *Applied, error) {
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
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var moved []string
	moved = append(moved, movedKeys("configuration", plan.Config, configDigests(cfg, obs.sources))...)
	moved = append(moved, movedKeys("state", plan.Observed, obs.fingerprint())...)
	if len(moved) > 0 {
		return nil, &StalePlanError{Moved: moved}
	}
	return e.apply(ctx, plan, obs)
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
	x := &executor{e: e, l: obs.layout, sources: sources, done: done}
	for i := range plan.Steps {
		if err := ctx.Err(); err != nil {
			done.Duration = time.Since(start)
			return done, fmt.Errorf("stopped before step %d of %d: %w", i+1, len(plan.Steps), err)
		}
		st := &plan.Steps[i]
		stepStart := time.Now()
		if err := x.run(context.WithoutCancel(ctx), st); err != nil {
			done.Duration = time.Since(start)
			return done, fmt.Errorf("step %d of %d (%s %s): %w", i+1, len(plan.Steps), st.Kind, st.Summary, err)
		}
		done.Steps++
		done.ByKind[st.Kind]++
		e.Log.Info().Str("kind", string(st.Kind)).Str("target", st.Target).Dur("took", time.Since(stepStart)).Msg(st.Action + " " + st.Summary)
	}
	done.Duration = time.Since(start)
	return done, nil
}

type executor struct {
	e       *Engine
	l       layout.Layout
	sources map[string]*source.Package
	done    *Applied
}

func (x *executor) run(ctx context.Context, st *Step) error {
	c := x.e.ZFS
	switch st.Kind {
	case KindCreate:
		err := c.Create(ctx, st.Create.Dataset, zfs.CreateOptions{Props: st.Create.Props})
		if errors.Is(err, zfs.ErrExist) {
			err = nil // made meanwhile; the next plan checks it is ours
		}
		failpoint.Hit(failpoint.DatasetCreated)
		return err
	case KindCleanTemp:
		for _, t := range st.Temps {
			if err := c.Destroy(ctx, t, zfs.DestroyOptions{Recursive: true}); err != nil && !errors.Is(err, zfs.ErrNotExist) {
				return err
			}
			failpoint.Hit(failpoint.TempCleaned)
		}
		return nil
	case KindHolds:
		if err := x.release(ctx, st.Holds.Release); err != nil {
			return err
		}
		for _, tag := range sortedKeys(st.Holds.Hold) {
			if err := c.Hold(ctx, tag, st.Holds.Hold[tag]...); err != nil {
				return err
			}
		}
		failpoint.Hit(failpoint.HoldsRepaired)
		return nil
	case KindImport:
		sp, ok := x.sources[st.Import.Package]
		if !ok {
			return fmt.Errorf("package %s is no longer in any source", st.Import.Package)
		}
		im := &store.Importer{ZFS: c, Layout: x.l, Log: x.e.Log, Now: x.e.Now, MountCheck: x.e.MountCheck}
		_, err := im.Import(ctx, sp, zfs.NewTree(nil))
		return err
	case KindWriteProfile, KindLock:
		if err := atomicfile.WriteFile(st.Write.Path, []byte(st.Write.Content), 0o644); err != nil {
			return err
		}
		if st.Kind == KindLock {
			failpoint.Hit(failpoint.LockWritten)
		} else {
			failpoint.Hit(failpoint.ProfileWritten)
		}
		return nil
	case KindSetProps:
		if err := c.SetProps(ctx, st.Props.Dataset, st.Props.Set); err != nil {
			return err
		}
		for _, p := range st.Props.Inherit {
			if err := c.InheritProp(ctx, st.Props.Dataset, p); err != nil {
				return err
			}
		}
		return nil
	case KindRealize:
		return x.e.realize(ctx, x.l, st.Realize)
	case KindActivate:
		return x.activate(ctx, st.Activate)
	case KindPrune:
		if err := x.release(ctx, map[string][]string{st.Prune.Tag: st.Prune.Snapshots}); err != nil {
			return err
		}
		failpoint.Hit(failpoint.PruneReleased)
		err := c.Destroy(ctx, st.Prune.Dataset, zfs.DestroyOptions{Recursive: true})
		if errors.Is(err, zfs.ErrBusy) {
			return fmt.Errorf("%s is in use (a clone of its snapshot, or a process with files open in it): %w", st.Prune.Dataset, err)
		}
		failpoint.Hit(failpoint.PruneDestroyed)
		return ignoreNotExist(err)
	case KindRemoveEnv:
		if err := x.release(ctx, st.Remove.Release); err != nil {
			return err
		}
		failpoint.Hit(failpoint.RemoveEnvReleased)
		err := c.Destroy(ctx, st.Remove.Dataset, zfs.DestroyOptions{Recursive: true})
		failpoint.Hit(failpoint.RemoveEnvDestroyed)
		return ignoreNotExist(err)
	case KindRemoveProfile:
		err := c.Destroy(ctx, st.Remove.Dataset, zfs.DestroyOptions{Recursive: true})
		failpoint.Hit(failpoint.RemoveProfile)
		return ignoreNotExist(err)
	case KindGC:
		rep, err := c.DestroyUnused(ctx, append(slices.Clone(st.GC.Packages), st.GC.Parents...), zfs.Guard{Prop: layout.PropManagedBy, Value: layout.ManagedBy})
		for n, why := range rep.Skipped {
			if why != zfs.SkipGone {
				x.done.Skipped[n] = why
				x.e.Log.Warn().Str("dataset", n).Str("reason", why).Msg("not collected: it changed since the plan")
			}
		}
		failpoint.Hit(failpoint.GCBatch)
		return err
	}
	return fmt.Errorf("unknown step kind %q", st.Kind)
}

// release removes each tag from the snapshots that still carry it (one `zfs holds` for all,
// then one `zfs release` per tag), so releasing twice is harmless.
func (x *executor) release(ctx context.Context, byTag map[string][]string) error {
	var snaps []string
	for _, s := range byTag {
		snaps = append(snaps, s...)
	}
	if len(snaps) == 0 {
		return nil
	}
	slices.Sort(snaps)
	snaps = slices.Compact(snaps)
	// Snapshots that are gone hold nothing.
	tree, err := x.e.ZFS.Observe(ctx, datasetsOf(snaps)...)
	if err != nil {
		return err
	}
	var present []string
	for _, s := range snaps {
		if d, ok := tree.Get(s); ok && d.UserRefs > 0 {
			present = append(present, s)
		}
	}
	if len(present) == 0 {
		return nil
	}
	have, err := x.e.ZFS.Holds(ctx, present...)
	if err != nil {
		return err
	}
	for _, tag := range sortedKeys(byTag) {
		var rel []string
		for _, s := range byTag[tag] {
			if slices.Contains(have[s], tag) {
				rel = append(rel, s)
			}
		}
		slices.Sort(rel)
		rel = slices.Compact(rel)
		if len(rel) == 0 {
			continue
		}
		if err := x.e.ZFS.Release(ctx, tag, rel...); err != nil {
			return err
		}
	}
	return nil
}

func datasetsOf(snaps []string) []string {
	var out []string
	for _, s := range snaps {
		ds, _, _ := strings.Cut(s, "@")
		out = append(out, ds)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ignoreNotExist(err error) error {
	if errors.Is(err, zfs.ErrNotExist) {
		return nil
	}
	return err
}

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
			if err := x.e.ZFS.InheritProp(ctx, x.l.Env(st.Env), p); err != nil {
				return err
			}
		}
		failpoint.Hit(failpoint.ActivateUnpinned)
	}
	return nil
}

// SwitchLink points dir/name at target atomically: a new symlink under a temporary name,
// renamed over the old one, and the directory fsynced.
func SwitchLink(dir, name, target string) error {
	if cur, err := os.Readlink(filepath.Join(dir, name)); err == nil && cur == target {
		return nil
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+name+"."+hex.EncodeToString(b[:]))
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
