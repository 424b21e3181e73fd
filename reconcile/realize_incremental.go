package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Incremental generations. A new generation usually differs from the one before it by a few
// packages, so instead of copying every file again, realize clones the previous generation's
// @realized snapshot (which costs nothing, whatever its size) and changes only the paths whose
// entry differs: those of the packages that changed, were added or went. It knows what the
// previous generation was merged from by the record every generation keeps
// (layout.GenerationRecord), read from the clone itself, so it is exactly the snapshot's: both
// merges are recomputed from the packages' trees in the store, which a build-id names and never
// changes, and merge.Update applies their difference. The result is the tree a full realize
// writes, with the same commit point (read-only, @realized, rename) after it.
//
// The clone depends on its origin snapshot. Pruning the origin generation therefore first moves
// its snapshot to the newest generation cloned from it (zfs promote, see detachClones), so every
// generation stays prunable in any order and nothing is kept longer than keep_generations says.

// errNoBase: the environment has no generation a new one can be built from.
var errNoBase = errors.New("no previous generation to build from")

// realizeRecordFormat is the version of the record's format; a record of another is not used.
const realizeRecordFormat = 1

// realizeRecord is what a generation was merged from, kept in it as layout.GenerationRecord.
type realizeRecord struct {
	Format     int      `json:"format"`
	Packages   []string `json:"packages"` // package paths, in priority order
	Policy     string   `json:"policy"`
	AllowSetID []string `json:"allow_setid,omitempty"`
}

// readRecord reads the record of the generation whose files are in dir.
func readRecord(dir string) (*realizeRecord, error) {
	p := filepath.Join(dir, layout.GenerationRecord)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var rec realizeRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if rec.Format != realizeRecordFormat {
		return nil, fmt.Errorf("%s: format %d, want %d", p, rec.Format, realizeRecordFormat)
	}
	for _, pkg := range rec.Packages {
		if _, ok := layout.ParsePackagePath(pkg); !ok {
			return nil, fmt.Errorf("%s: bad package %q", p, pkg)
		}
	}
	return &rec, nil
}

// incremental builds generation st in a clone of a previous generation; errNoBase when there is
// none to build from. On error, the clone (if any) is gone.
func (e *Engine) incremental(ctx context.Context, l layout.Layout, st *RealizeStep, pk *packageTrees, m merged, props zfs.Props) (layout.Dataset, error) {
	base, err := e.pickBase(ctx, l, st)
	if err != nil {
		return "", err
	}
	tmp, err := store.CloneTemp(ctx, e.ZFS, l, layout.TempGenerationPrefix(st.Env, st.Generation), base.Snapshot(layout.SnapRealized), props)
	if err != nil {
		if errors.Is(err, zfs.ErrNotMounted) { // made, and of no use
			e.discard(ctx, tmp)
		}
		return "", err
	}
	failpoint.Hit(failpoint.RealizeTempCreated)
	if err := e.update(ctx, l.Path(tmp), st, pk, m); err != nil {
		e.discard(ctx, tmp)
		return "", fmt.Errorf("from %s: %w", base, err)
	}
	e.Log.Info().Str("env", st.Env).Int("generation", st.Generation).Str("from", string(base)).Msg("built the generation from the previous one")
	return tmp, nil
}

// update turns the files in dir, a clone of a previous generation, into those of st (merged as
// m); pk reads the previous generation's packages.
func (e *Engine) update(ctx context.Context, dir string, st *RealizeStep, pk *packageTrees, m merged) error {
	// A clone is mounted with its origin's files: the check is that it is a mountpoint, not
	// that it is empty, as for a new dataset.
	if err := e.mountpointCheck(dir); err != nil {
		return err
	}
	rec, err := readRecord(dir)
	if err != nil {
		return err
	}
	old, _, err := pk.merge(rec.Packages, rec.AllowSetID, rec.Policy)
	if err != nil {
		return fmt.Errorf("the previous generation's packages: %w", err)
	}
	if err := merge.Update(ctx, dir, old, m.tree, m.roots.open); err != nil {
		return err
	}
	return writeGenerationFiles(dir, st)
}

// discard destroys a temporary dataset a failed build made.
func (e *Engine) discard(ctx context.Context, tmp layout.Dataset) {
	if err := e.ZFS.Destroy(context.WithoutCancel(ctx), string(tmp), zfs.DestroyOptions{Recursive: true}); err != nil {
		e.Log.Warn().Err(err).Str("dataset", string(tmp)).Msg("could not remove a failed generation; the next pass will")
	}
}

// pickBase returns the generation of st's environment to build st from: the current one, else
// the newest, of those that are the reconciler's, complete (read-only, with @realized) and
// carry a record. errNoBase when there is none.
func (e *Engine) pickBase(ctx context.Context, l layout.Layout, st *RealizeStep) (layout.Dataset, error) {
	envDS := l.Env(st.Env)
	tree, err := e.ZFS.Observe(ctx, string(envDS))
	if err != nil {
		return "", err
	}
	current, _ := os.Readlink(filepath.Join(l.Path(envDS), layout.CurrentLink))
	var best layout.Dataset
	bestK := 0
	for _, d := range tree.Children(string(envDS)) {
		gen := layout.Dataset(d.Name)
		k, ok := layout.ParseGeneration(gen.Base())
		if !ok || k == st.Generation || !usableBase(tree, d) {
			continue
		}
		if _, err := os.Stat(filepath.Join(l.Path(gen), layout.GenerationRecord)); err != nil {
			continue // built before generations kept a record, or damaged
		}
		if gen.Base() == current {
			return gen, nil
		}
		if k > bestK {
			best, bestK = gen, k
		}
	}
	if best == "" {
		return "", errNoBase
	}
	return best, nil
}

// usableBase reports whether d is a complete generation of the reconciler's.
func usableBase(tree *zfs.Tree, d *zfs.Dataset) bool {
	kind, _ := d.Local(layout.PropKind)
	ro, _ := d.Local("readonly")
	_, snap := tree.Get(string(layout.Dataset(d.Name).Snapshot(layout.SnapRealized)))
	return managed(d) && kind == layout.KindGeneration && ro == "on" && snap
}
