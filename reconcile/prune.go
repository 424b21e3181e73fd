package reconcile

import (
	"context"
	"errors"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Pruning a generation that later generations were cloned from (see realize_incremental.go).
//
// ZFS refuses to destroy a snapshot with clones, so the pruned generation's snapshots that have
// clones are first moved to the newest of those clones with `zfs promote`: its @realized is
// renamed to pruned-K (the clone has an @realized of its own, and promote refuses a name
// clash), the clone is promoted (it takes the snapshot, and the pruned generation becomes a
// clone of it), and the pruned generation, now with nothing depending on it, is destroyed as
// any other. Its files then live on only in that snapshot, which is destroyed as soon as no
// generation is cloned from it (at once, unless an older sibling was cloned from it too).
//
// Killed at any point, the next pass converges: after the rename the generation has no
// @realized, so it is incomplete and pruned again; after the promote it is a clone with nothing
// depending on it; after the destroy only the snapshot is left, destroyed when the generation
// that holds it is pruned. Only clones that are generations of the reconciler in the same
// environment are promoted: a clone anyone else made keeps the generation, as before.

// laterGeneration returns whether a clone is a generation of the environment envDS that a prune
// may promote: a filesystem gen-K directly below envDS, managed by the reconciler.
func laterGeneration(tree *zfs.Tree, envDS layout.Dataset) func(clone layout.Dataset) bool {
	return func(clone layout.Dataset) bool {
		d, ok := tree.Get(string(clone))
		if !ok || !filesystem(d) || !managed(d) || clone.Parent() != envDS {
			return false
		}
		_, ok = layout.ParseGeneration(clone.Base())
		return ok
	}
}

// detachClones makes generation ds (number k) of env the origin of nothing, promoting the
// newest generation cloned from it, and returns the snapshot ds is then a clone of ("" if none).
// A clone that is not a generation of env is left alone: the destroy that follows refuses it.
func (x *executor) detachClones(ctx context.Context, env string, ds layout.Dataset, k int) (layout.Snapshot, error) {
	envDS := x.l.Env(env)
	tree, err := x.e.ZFS.Observe(ctx, string(envDS))
	if err != nil {
		return "", err
	}
	d, ok := tree.Get(string(ds))
	if !ok {
		return "", nil
	}
	ours := laterGeneration(tree, envDS)
	var pivot *zfs.Dataset // the newest snapshot with clones
	for _, s := range tree.Snapshots(string(ds)) {
		if len(s.Clones) == 0 {
			continue
		}
		for _, c := range s.Clones {
			if !ours(layout.Dataset(c)) {
				return layout.Snapshot(d.Origin), nil
			}
		}
		if pivot == nil || s.CreateTxg > pivot.CreateTxg {
			pivot = s
		}
	}
	if pivot == nil {
		return layout.Snapshot(d.Origin), nil
	}
	pivotName := layout.Snapshot(pivot.Name)
	realized := ds.Snapshot(layout.SnapRealized)
	if r, ok := tree.Get(string(realized)); ok && r.CreateTxg <= pivot.CreateTxg {
		renamed := ds.Snapshot(layout.PrunedSnapshot(k))
		if err := x.e.ZFS.Rename(ctx, string(realized), string(renamed), zfs.RenameOptions{}); err != nil {
			return "", err
		}
		failpoint.Hit(failpoint.PruneOriginRenamed)
		if pivotName == realized {
			pivotName = renamed
		}
	}
	clone := newestGeneration(pivot.Clones)
	if err := x.e.ZFS.Promote(ctx, string(clone)); err != nil {
		return "", err
	}
	failpoint.Hit(failpoint.PrunePromoted)
	return clone.Snapshot(pivotName.Short()), nil
}

// newestGeneration returns the generation with the highest number among names (gen-K datasets).
func newestGeneration(names []string) layout.Dataset {
	var best layout.Dataset
	bestK := 0
	for _, n := range names {
		ds := layout.Dataset(n)
		if k, _ := layout.ParseGeneration(ds.Base()); best == "" || k > bestK {
			best, bestK = ds, k
		}
	}
	return best
}

// dropPruned destroys snap if it is the files of a pruned generation (pruned-K) kept in a
// generation, and nothing is cloned from it any more. One that is still cloned or held stays
// (the kernel refuses), as does any other snapshot.
func (x *executor) dropPruned(ctx context.Context, snap layout.Snapshot) error {
	if !x.l.IsPrunedSnapshot(snap) {
		return nil
	}
	err := x.e.ZFS.Destroy(ctx, string(snap), zfs.DestroyOptions{})
	if errors.Is(err, zfs.ErrBusy) || errors.Is(err, zfs.ErrNotExist) {
		return nil
	}
	return err
}
