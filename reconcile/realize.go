package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// ReservedDir is the directory of a generation the reconciler keeps for itself (the copy of the
// lock the generation was built from, GenerationLock). A package that ships it is refused with a
// conflict naming the package, rather than having its files mixed with the reconciler's.
const ReservedDir = ".axiom"

// ReservedError is a package shipping the generation's reserved directory.
type ReservedError struct {
	Package string
	Path    string
}

func (e *ReservedError) Error() string {
	return fmt.Sprintf("package %s ships %s, which conflicts with the directory axiom-reconcile reserves in every generation for the lock it was built from (%s); the package cannot be realized until it moves that file", e.Package, e.Path, layout.GenerationLock)
}

// checkReserved refuses packages that ship ReservedDir, as a file, link or directory.
func checkReserved(inputs []merge.Input) error {
	var errs []error
	for _, in := range inputs {
		for _, e := range in.Entries {
			if e.Path == ReservedDir || strings.HasPrefix(e.Path, ReservedDir+"/") {
				errs = append(errs, &ReservedError{Package: in.Label, Path: e.Path})
				break
			}
		}
	}
	return errors.Join(errs...)
}

// realize builds generation K under a temporary name and commits it with a rename:
//
//	hold every package's @installed with axiom-env:<env>:<K>
//	clone the previous generation's @realized to tmp/gen-<env>-<K>-<rand> and change only what
//	differs (incremental), or, without a usable previous generation, create that dataset empty
//	and merge every package's root/ tree into it (full)
//	write .axiom/profile.lock.yaml and .axiom/realize.json
//	record the content digest, readonly=on, snapshot @realized and record the snapshot's guid
//	(one zfs.Client.Commit: two processes with channel programs)
//	rename to env/<env>/gen-<K>
//
// The holds come first, so that no package the generation reads is ever unheld while it is being
// copied, whoever destroys packages meanwhile (an upstream `axiom gc`, a hand-run zfs destroy).
// Until the rename, the generation is garbage by its location, and its holds belong to a
// generation that does not exist, which the next plan releases. A clone depends on the
// snapshot it was cloned from only until that generation is pruned (see PruneStep).
func (e *Engine) realize(ctx context.Context, l layout.Layout, st *RealizeStep, revision string) error {
	// The snapshots to hold, named from the plan's package paths (real names) by the layout.
	snaps := make([]layout.Snapshot, 0, len(st.Packages))
	for _, p := range st.Packages {
		id, ok := layout.ParsePackagePath(p)
		if !ok {
			return fmt.Errorf("bad package %q in the plan", p)
		}
		snaps = append(snaps, l.Installed(id))
	}
	tag := layout.HoldTag(st.Env, st.Generation)
	var tmp layout.Dataset
	fail := func(err error) error {
		bg := context.WithoutCancel(ctx)
		if rerr := e.releaseTag(bg, tag, snaps); rerr != nil {
			e.Log.Warn().Err(rerr).Str("tag", string(tag)).Msg("could not release the holds of a failed generation; the next pass will")
		}
		if tmp == "" {
			return err
		}
		if derr := e.ZFS.Destroy(bg, string(tmp), zfs.DestroyOptions{Recursive: true}); derr != nil {
			e.Log.Warn().Err(derr).Str("dataset", string(tmp)).Msg("could not remove a failed generation; the next pass will")
		}
		return err
	}
	// The tag may be there already, left by an interrupted pass that built this generation number
	// and died before committing it: hold tolerates that.
	if err := e.hold(ctx, tag, snaps); err != nil {
		return fail(fmt.Errorf("holding the packages of %s: %w", layout.GenerationName(st.Generation), err))
	}
	failpoint.Hit(failpoint.RealizeHeld)
	// The merge is computed once: it is written (in full, or as the difference from a previous
	// generation) and named by the content digest.
	pk := newPackageTrees(l, e.scans.Files)
	t, roots, err := pk.merge(st.Packages, st.AllowSetID, st.Policy)
	if err != nil {
		return fail(err)
	}
	tmp, err = e.buildGeneration(ctx, l, st, pk, merged{t, roots}, generationProps(st, revision))
	if err != nil {
		return fail(err)
	}
	failpoint.Hit(failpoint.RealizeFilesWriten)
	digest, err := pk.contentDigest(ctx, l.Path(tmp), t)
	if err != nil {
		return fail(err)
	}
	_, err = e.ZFS.Commit(ctx, string(tmp.Snapshot(layout.SnapRealized)), zfs.CommitOptions{
		Props:    zfs.Props{layout.PropContentDigest: digest},
		GUIDProp: layout.PropSnapshotGUID,
		Sealed:   func() { failpoint.Hit(failpoint.RealizeReadonly) },
	})
	if err != nil {
		return fail(err)
	}
	failpoint.Hit(failpoint.RealizeSnapshot)
	if err := e.ZFS.Rename(ctx, string(tmp), string(l.Generation(st.Env, st.Generation)), zfs.RenameOptions{}); err != nil {
		return fail(err)
	}
	failpoint.Hit(failpoint.RealizeRenamed)
	return nil
}

// generationProps are the properties generation st is created with; revision is the
// configuration revision it is applied from ("" when unknown).
func generationProps(st *RealizeStep, revision string) zfs.Props {
	props := zfs.Props{
		layout.PropManagedBy:     layout.ManagedBy,
		layout.PropKind:          layout.KindGeneration,
		layout.PropProfile:       st.Profile,
		layout.PropGeneration:    fmt.Sprint(st.Generation),
		layout.PropLockDigest:    st.LockDigest,
		layout.PropRealizeDigest: st.RealizeDigest,
		"sync":                   store.SyncDisabled, // see store.SyncDisabled
	}
	if len(st.AllowSetID) > 0 {
		props[layout.PropAllowSetID] = strings.Join(st.AllowSetID, ",")
	}
	if revision != "" {
		props[layout.PropRevision] = revision
	}
	return props
}

// buildGeneration makes the temporary dataset of generation st with its files, its lock and its
// record in it, and returns its name: incrementally from a previous generation where one is
// usable, else in full. An incremental build that fails for any reason but ctx is discarded and
// done in full (it only ever saves time). On error, the temporary dataset (if any) is gone.
func (e *Engine) buildGeneration(ctx context.Context, l layout.Layout, st *RealizeStep, pk *packageTrees, m merged, props zfs.Props) (layout.Dataset, error) {
	tmp, err := e.incremental(ctx, l, st, pk, m, props)
	if err == nil {
		return tmp, nil
	}
	if ctx.Err() != nil {
		return "", err
	}
	if !errors.Is(err, errNoBase) {
		e.Log.Warn().Err(err).Str("env", st.Env).Int("generation", st.Generation).Msg("could not build the generation from the previous one; building it in full")
	}
	tmp, err = store.CreateTemp(ctx, e.ZFS, l, layout.TempGenerationPrefix(st.Env, st.Generation), props)
	if err != nil {
		return "", err
	}
	failpoint.Hit(failpoint.RealizeTempCreated)
	err = e.mountCheck(l.Path(tmp))
	if err == nil {
		err = e.fillGeneration(ctx, st, l.Path(tmp), m)
	}
	if err != nil {
		if derr := e.ZFS.Destroy(context.WithoutCancel(ctx), string(tmp), zfs.DestroyOptions{Recursive: true}); derr != nil {
			e.Log.Warn().Err(derr).Str("dataset", string(tmp)).Msg("could not remove a failed generation; the next pass will")
		}
		return "", err
	}
	return tmp, nil
}

// fillGeneration writes m, the merge of st's packages, into the empty directory dir, and the
// generation's lock and record.
func (e *Engine) fillGeneration(ctx context.Context, st *RealizeStep, dir string, m merged) error {
	task, sizes := e.realizeProgress(st, m.tree.Result)
	defer task.Finish()
	open := func(input int, path string) (io.ReadCloser, error) {
		task.Add(progress.Counts{Items: 1, Bytes: sizes[placedKey{input, path}]})
		return m.roots.open(input, path)
	}
	if err := merge.Write(ctx, dir, m.tree.Result, open); err != nil {
		return err
	}
	return writeGenerationFiles(dir, st)
}

// placedKey is a file of a merge's result by where its content comes from.
type placedKey struct {
	input int
	from  string
}

// realizeProgress starts the progress job of writing res: its files and bytes. Each file
// counts as its copy begins (when merge.Write opens its content), so the copy itself reads the
// package's *os.File directly, as block cloning needs.
func (e *Engine) realizeProgress(st *RealizeStep, res merge.Result) (progress.Task, map[placedKey]int64) {
	j := progress.Job{Name: fmt.Sprintf("realize %s %s", st.Env, layout.GenerationName(st.Generation)), Unit: "files"}
	sizes := make(map[placedKey]int64)
	for _, p := range res.Placed {
		if p.Type == merge.File {
			j.Total.Items++
			j.Total.Bytes += p.Size
			sizes[placedKey{p.Input, p.From}] = p.Size
		}
	}
	return progress.Or(e.Progress).Start(j), sizes
}

// writeGenerationFiles writes the generation's copy of its lock and its record.
func writeGenerationFiles(dir string, st *RealizeStep) error {
	rec, err := json.Marshal(realizeRecord{Format: realizeRecordFormat, Packages: st.Packages, Policy: st.Policy, AllowSetID: st.AllowSetID})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{layout.GenerationLock, []byte(st.Lock)}, {layout.GenerationRecord, append(rec, '\n')}} {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
