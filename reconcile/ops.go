package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Op is what a step does. There is one type per Kind, holding that kind's payload and nothing
// else, and applying a step is its Op's run: an import step cannot carry holds, and nothing
// dispatches on strings.
type Op interface {
	Kind() Kind
	run(ctx context.Context, x *executor) error
}

// CreateStep creates a dataset with properties.
type CreateStep struct {
	Dataset layout.Dataset    `json:"dataset"`
	Props   map[string]string `json:"props"`
}

// HoldsStep places and releases user holds: tag -> snapshots. Releases happen only where the tag
// is still present, so the step can be repeated.
type HoldsStep struct {
	Hold    map[layout.Tag][]layout.Snapshot `json:"hold,omitempty"`
	Release map[layout.Tag][]layout.Snapshot `json:"release,omitempty"`
}

// ImportStep imports one package (name/X.Y.Z/rev/build) from the source that has it.
type ImportStep struct {
	Package string `json:"package"`
	Origin  string `json:"origin"`
	// SignedBy is the id of the trusted key the package's signature verified with, recorded
	// on the imported package (axiom:signed-by); empty when it was not checked.
	SignedBy string `json:"signed_by,omitempty"`
}

// WriteStep writes profile.yaml atomically.
type WriteStep struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// LockStep writes profile.lock.yaml atomically. The profile's hold tag (Tag) goes on the package
// snapshots the new lock names that lack it (Hold) before the write, and comes off those only the
// old lock named (Release) after it: a lock never names a package its profile does not hold.
type LockStep struct {
	Path    string            `json:"path"`
	Content string            `json:"content"`
	Tag     layout.Tag        `json:"tag,omitempty"`
	Hold    []layout.Snapshot `json:"hold,omitempty"`
	Release []layout.Snapshot `json:"release,omitempty"`
}

// CleanTempStep destroys the temporary datasets an interrupted pass left in tmp/, and the
// snapshots of pruned generations (layout.PrunedSnapshot) it left with nothing cloned from them.
// Temps holds names of both kinds, as a saved plan has them: layout.ParseSnapshot tells a
// snapshot's from a dataset's.
type CleanTempStep struct{ Temps []string }

// CleanFilesStep removes the temporary files a killed write left behind.
type CleanFilesStep struct{ Files []string }

// MountStep mounts a package a realize or the resolution needs.
type MountStep struct{ Dataset layout.Dataset }

// PropsStep sets and clears properties of a managed dataset.
type PropsStep struct {
	Dataset layout.Dataset    `json:"dataset"`
	Set     map[string]string `json:"set,omitempty"`
	Inherit []string          `json:"inherit,omitempty"`
}

// RealizeStep builds generation K of an environment from a lock.
type RealizeStep struct {
	Env           string   `json:"env"`
	Profile       string   `json:"profile"`
	Generation    int      `json:"generation"`
	Lock          string   `json:"lock"`
	LockDigest    string   `json:"lock_digest"`
	RealizeDigest string   `json:"realize_digest"`
	Policy        string   `json:"policy"`
	Packages      []string `json:"packages"` // in priority order
	// AllowSetID names the packages whose set-user-ID and set-group-ID bits the generation
	// keeps (allow_setuid); every other package's are dropped.
	AllowSetID []string `json:"allow_setid,omitempty"`
}

// ActivateStep points `current` at generation K and writes the activate script.
type ActivateStep struct {
	Env        string `json:"env"`
	Generation int    `json:"generation"`
	Script     string `json:"script"`
	Unpin      bool   `json:"unpin,omitempty"`
}

// PruneStep destroys a generation, then releases its holds.
type PruneStep struct {
	Env        string            `json:"env"`
	Generation int               `json:"generation"`
	Dataset    layout.Dataset    `json:"dataset"`
	Tag        layout.Tag        `json:"tag"`
	Snapshots  []layout.Snapshot `json:"snapshots"`
}

// RemoveProfileStep destroys an undeclared profile, then releases its lock's holds (tag ->
// snapshots).
type RemoveProfileStep struct {
	Dataset layout.Dataset                   `json:"dataset"`
	Release map[layout.Tag][]layout.Snapshot `json:"release,omitempty"`
}

// RemoveEnvStep destroys an undeclared environment, then releases its generations' holds.
type RemoveEnvStep struct {
	Dataset layout.Dataset                   `json:"dataset"`
	Release map[layout.Tag][]layout.Snapshot `json:"release,omitempty"`
}

// RollbackStep switches an environment's `current` to generation K and pins it there (PinFor:
// the realize digest the configuration wanted when the rollback happened), or drops its pin
// (Unpin: K is what the configuration wants).
type RollbackStep struct {
	Env        string `json:"env"`
	Generation int    `json:"generation"`
	PinFor     string `json:"pin_for,omitempty"`
	Unpin      bool   `json:"unpin,omitempty"`
}

// GCStep destroys unreferenced packages, then the parents they leave empty.
type GCStep struct {
	Packages []layout.Dataset `json:"packages"`
	Parents  []layout.Dataset `json:"parents,omitempty"`
}

func (*CreateStep) Kind() Kind        { return KindCreate }
func (*CleanTempStep) Kind() Kind     { return KindCleanTemp }
func (*CleanFilesStep) Kind() Kind    { return KindCleanFiles }
func (*HoldsStep) Kind() Kind         { return KindHolds }
func (*MountStep) Kind() Kind         { return KindMount }
func (*ImportStep) Kind() Kind        { return KindImport }
func (*WriteStep) Kind() Kind         { return KindWriteProfile }
func (*LockStep) Kind() Kind          { return KindLock }
func (*PropsStep) Kind() Kind         { return KindSetProps }
func (*RealizeStep) Kind() Kind       { return KindRealize }
func (*ActivateStep) Kind() Kind      { return KindActivate }
func (*PruneStep) Kind() Kind         { return KindPrune }
func (*RemoveEnvStep) Kind() Kind     { return KindRemoveEnv }
func (*RemoveProfileStep) Kind() Kind { return KindRemoveProfile }
func (*GCStep) Kind() Kind            { return KindGC }
func (*RollbackStep) Kind() Kind      { return KindRollback }

func (op *CreateStep) run(ctx context.Context, x *executor) error {
	err := x.e.ZFS.Create(ctx, string(op.Dataset), zfs.CreateOptions{Props: op.Props})
	if errors.Is(err, zfs.ErrExist) {
		// Made meanwhile, by someone: use it only if it is ours.
		err = x.checkOwned(ctx, op.Dataset)
	}
	if err != nil {
		return err
	}
	failpoint.Hit(failpoint.DatasetCreated)
	return nil
}

func (op *CleanTempStep) run(ctx context.Context, x *executor) error {
	for _, t := range op.Temps {
		if snap, ok := layout.ParseSnapshot(t); ok { // a pruned generation's snapshot nothing is cloned from
			if !x.l.IsPrunedSnapshot(snap) {
				return fmt.Errorf("refusing to destroy %s: not a snapshot of a pruned generation", t)
			}
			if err := x.dropPruned(ctx, snap); err != nil {
				return err
			}
			continue
		}
		if err := destroyOwned(ctx, x.e.ZFS, layout.Dataset(t)); err != nil {
			return err
		}
		failpoint.Hit(failpoint.TempCleaned)
	}
	return nil
}

func (op *CleanFilesStep) run(_ context.Context, x *executor) error {
	for _, f := range op.Files {
		if !layout.Under(f, x.l.Mountpoint) || !leftoverName(filepath.Base(f), layout.ProfileFile, layout.LockFile, layout.ActivateScript, layout.CurrentLink) {
			return fmt.Errorf("refusing to remove %s: not a temporary file of the reconciler", f)
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	failpoint.Hit(failpoint.FilesCleaned)
	return nil
}

func (op *HoldsStep) run(ctx context.Context, x *executor) error {
	if err := x.release(ctx, op.Release); err != nil {
		return err
	}
	failpoint.Hit(failpoint.HoldsReleased)
	for _, tag := range sortedKeys(op.Hold) {
		if err := x.e.hold(ctx, tag, op.Hold[tag]); err != nil {
			return err
		}
	}
	failpoint.Hit(failpoint.HoldsRepaired)
	return nil
}

func (op *MountStep) run(ctx context.Context, x *executor) error {
	m, ok := x.e.ZFS.(zfs.Mounter)
	if !ok {
		return fmt.Errorf("%s is not mounted, and this ZFS client cannot mount it", op.Dataset)
	}
	if err := m.Mount(ctx, string(op.Dataset)); err != nil {
		return err
	}
	failpoint.Hit(failpoint.Mounted)
	return nil
}

func (op *ImportStep) run(ctx context.Context, x *executor) error {
	sp, ok := x.sources[op.Package]
	if !ok {
		return fmt.Errorf("package %s is no longer in any source", op.Package)
	}
	im := &store.Importer{ZFS: x.e.ZFS, Layout: x.l, Log: x.e.Log, Progress: x.progress(), Hooks: x.e.hooks()}
	_, err := im.Import(ctx, sp, x.tree)
	return err
}

func (op *WriteStep) run(context.Context, *executor) error {
	if err := atomicfile.WriteFile(op.Path, []byte(op.Content), 0o644); err != nil {
		return err
	}
	failpoint.Hit(failpoint.ProfileWritten)
	return nil
}

func (op *LockStep) run(ctx context.Context, x *executor) error {
	if len(op.Hold) > 0 {
		if err := x.e.hold(ctx, op.Tag, op.Hold); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(op.Path, []byte(op.Content), 0o644); err != nil {
		return err
	}
	failpoint.Hit(failpoint.LockWritten)
	if len(op.Release) > 0 {
		return x.release(ctx, map[layout.Tag][]layout.Snapshot{op.Tag: op.Release})
	}
	return nil
}

func (op *PropsStep) run(ctx context.Context, x *executor) error {
	if err := x.e.ZFS.SetProps(ctx, string(op.Dataset), op.Set); err != nil {
		return err
	}
	for _, p := range op.Inherit {
		if err := x.e.ZFS.InheritProp(ctx, string(op.Dataset), p); err != nil {
			return err
		}
	}
	failpoint.Hit(failpoint.PropsSet)
	return nil
}

func (op *RealizeStep) run(ctx context.Context, x *executor) error {
	return x.e.realize(ctx, x.l, op, x.revision)
}

func (op *ActivateStep) run(ctx context.Context, x *executor) error { return x.activate(ctx, op) }

// run destroys first and releases after: a generation that is busy keeps its holds, and so
// keeps its packages; one killed in between leaves holds of a generation that does not exist,
// which the next plan releases. A generation later ones were cloned from is first made the
// origin of nothing (detachClones), and the pruned snapshot it was itself cloned from goes
// with it when nothing else needs it.
func (op *PruneStep) run(ctx context.Context, x *executor) error {
	origin, err := x.detachClones(ctx, op.Env, op.Dataset, op.Generation)
	if err != nil {
		return err
	}
	if destroyed, err := x.destroyUnlessBusy(ctx, op.Dataset); err != nil || !destroyed {
		return err
	}
	failpoint.Hit(failpoint.PruneDestroyed)
	if origin != "" {
		if err := x.dropPruned(ctx, origin); err != nil {
			return err
		}
	}
	if err := x.release(ctx, map[layout.Tag][]layout.Snapshot{op.Tag: op.Snapshots}); err != nil {
		return err
	}
	failpoint.Hit(failpoint.PruneReleased)
	return nil
}

func (op *RemoveEnvStep) run(ctx context.Context, x *executor) error {
	if destroyed, err := x.destroyUnlessBusy(ctx, op.Dataset); err != nil || !destroyed {
		return err
	}
	failpoint.Hit(failpoint.RemoveEnvDestroyed)
	if err := x.release(ctx, op.Release); err != nil {
		return err
	}
	failpoint.Hit(failpoint.RemoveEnvReleased)
	return nil
}

func (op *RemoveProfileStep) run(ctx context.Context, x *executor) error {
	if err := destroyOwned(ctx, x.e.ZFS, op.Dataset); err != nil {
		return err
	}
	failpoint.Hit(failpoint.RemoveProfile)
	return x.release(ctx, op.Release)
}

// run destroys in batches (a few hundred names each, as one channel program takes), each
// observed afresh by DestroyUnused, so a parent emptied by an earlier batch qualifies in a later
// one.
func (op *GCStep) run(ctx context.Context, x *executor) error {
	names := layout.Strings(append(slices.Clone(op.Packages), op.Parents...))
	task := progress.Or(x.e.Progress).Start(progress.Job{Name: "collect", Unit: "packages", Total: progress.Counts{Items: int64(len(op.Packages))}})
	defer task.Finish()
	for len(names) > 0 {
		n := min(len(names), gcBatch)
		rep, err := x.e.ZFS.DestroyUnused(ctx, names[:n], zfs.Guard{Prop: layout.PropManagedBy, Value: layout.ManagedBy})
		for name, why := range rep.Skipped {
			if why != zfs.SkipGone {
				x.done.Skipped[name] = why
				log := x.e.Log.Warn().Str("dataset", name).Str("reason", why)
				if id, ok := x.l.PackageAt(layout.Dataset(name)); ok {
					log = log.Str("package", id.String())
				}
				log.Msg("not collected: it changed since the plan, or is in use")
			}
		}
		if err != nil {
			return err
		}
		failpoint.Hit(failpoint.GCBatch)
		// names holds the packages first, then their parents: this batch's packages are
		// those before the parents.
		task.Add(progress.Counts{Items: int64(max(0, min(n, len(names)-len(op.Parents))))})
		names = names[n:]
	}
	return nil
}

// run sets (or clears) the pin first and switches after: killed in between, the environment is
// pinned where `current` does not point yet, and the next plan activates the pinned generation.
func (op *RollbackStep) run(ctx context.Context, x *executor) error {
	envDS := x.l.Env(op.Env)
	switch {
	case op.PinFor != "":
		if err := x.e.ZFS.SetProps(ctx, string(envDS), zfs.Props{layout.PropPinned: strconv.Itoa(op.Generation), layout.PropPinnedFor: op.PinFor}); err != nil {
			return err
		}
	case op.Unpin:
		for _, p := range []string{layout.PropPinned, layout.PropPinnedFor} {
			if err := x.e.ZFS.InheritProp(ctx, string(envDS), p); err != nil {
				return err
			}
		}
	}
	failpoint.Hit(failpoint.RollbackPinned)
	return SwitchLink(x.l.Path(envDS), layout.CurrentLink, layout.GenerationName(op.Generation))
}
