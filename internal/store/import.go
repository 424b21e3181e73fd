package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// ID returns the store identity of a source package.
func ID(p *source.Package) layout.PackageID {
	return layout.PackageID{Name: p.Manifest.Name, Version: p.Manifest.Version, Revision: p.Manifest.Revision, BuildID: p.BuildID}
}

// Importer puts source packages into the store.
type Importer struct {
	ZFS    zfs.Client
	Layout layout.Layout
	Log    zerolog.Logger
	// Progress is told how far the copy of a package's files is; nil shows nothing.
	Progress progress.Reporter
	Hooks
}

// Hooks are the clock and the mount check of whatever writes into new datasets: the importer
// here and reconcile's engine (which passes its own on), so their defaults are set up in one
// place. The zero value is the defaults.
type Hooks struct {
	// Now is the clock (provenance times); time.Now when nil.
	Now func() time.Time
	// MountCheck verifies a new dataset is mounted before anything is written into it; nil means
	// CheckMounted. Tests against the in-memory model, whose "mounts" are plain directories,
	// replace it.
	MountCheck func(dir string) error
}

// Time returns the time by h's clock.
func (h Hooks) Time() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// CheckMountedDir runs h's mount check on dir.
func (h Hooks) CheckMountedDir(dir string) error {
	if h.MountCheck != nil {
		return h.MountCheck(dir)
	}
	return CheckMounted(dir)
}

// Result says what Import did.
type Result struct {
	Dataset  string
	Imported bool // false: the package was already in the store, complete
}

// Import puts pkg into the store unless a complete copy is there already. known, if not nil, is
// an observation the caller made (saving a process, and the creation of parents it shows); it
// may be stale, as it is only used to skip work, never to decide that creating is safe.
func (im *Importer) Import(ctx context.Context, pkg *source.Package, known *zfs.Tree) (Result, error) {
	id := ID(pkg)
	final := string(im.Layout.Package(id))
	res := Result{Dataset: final}
	if err := checkNameLengths(im.Layout, id); err != nil {
		return res, err
	}
	if known == nil {
		t, err := im.ZFS.Observe(ctx, final)
		if err != nil {
			return res, err
		}
		known = t
	}
	if err := completeAt(known, final, id); err == nil {
		return res, nil
	} else if !errors.Is(err, errAbsent) {
		return res, err
	}

	tmp, err := im.createTemp(ctx, layout.TempPackagePrefix(id.BuildID), packageProps(id, pkg.SignedBy))
	if err != nil {
		return res, fmt.Errorf("import %s: %w", id, err)
	}
	failpoint.Hit(failpoint.ImportTempCreated)
	// From here on every failure discards the temporary dataset (best effort: what it cannot
	// remove is garbage the next pass removes) and reports both.
	if err := im.fill(ctx, pkg, tmp); err != nil {
		return res, errors.Join(fmt.Errorf("import %s from %s: %w", id, pkg.Origin, err), im.discard(ctx, tmp))
	}
	err = im.commit(ctx, tmp, final, known)
	if errors.Is(err, zfs.ErrExist) {
		// Another importer won the rename. Its copy has the same build-id, so the same content;
		// only its completeness needs checking.
		t, oerr := im.ZFS.Observe(ctx, final)
		if oerr != nil {
			return res, errors.Join(fmt.Errorf("import %s: %w", id, oerr), im.discard(ctx, tmp))
		}
		if cerr := completeAt(t, final, id); cerr != nil {
			return res, errors.Join(fmt.Errorf("import %s: another dataset won the rename: %w", id, cerr), im.discard(ctx, tmp))
		}
		if derr := im.discard(ctx, tmp); derr != nil {
			im.Log.Warn().Err(derr).Str("dataset", tmp).Msg("could not remove temporary dataset; the next pass will")
		}
		im.Log.Debug().Str("package", id.String()).Msg("imported concurrently by another process")
		return res, nil
	}
	if err != nil {
		return res, errors.Join(fmt.Errorf("import %s: %w", id, err), im.discard(ctx, tmp))
	}
	failpoint.Hit(failpoint.ImportRenamed)
	res.Imported = true
	return res, nil
}

// SyncDisabled is the sync property of every package and generation, from its creation: the
// fsyncs of the files written into it are no-ops, and its commit (the snapshot, which waits
// for its transaction group to reach disk) is what makes them durable. With the intent log in
// use, fsync'd files leave log blocks that the snapshot records and that every later mount
// re-initialises, writing to the dataset after its snapshot: written@ would never be 0 again
// (1 KiB per mount on OpenZFS 2.3, measured), and verify could not tell that from a change.
// Once committed the dataset is read-only, so the setting has nothing left to affect.
const SyncDisabled = "disabled"

// packageProps are the properties a package dataset is created with. setuid=off makes the
// dataset inert: a package holds its set-id programs (su, passwd) as shipped, but nothing run
// from the store itself gains privileges by them; an environment's generation decides, per
// package, whether its copies keep the bits (merge.Input.AllowSetID).
func packageProps(id layout.PackageID, signedBy string) zfs.Props {
	p := zfs.Props{
		layout.PropManagedBy: layout.ManagedBy,
		layout.PropKind:      layout.KindPackage,
		layout.PropPackage:   id.Path(),
		"setuid":             "off",
		"sync":               SyncDisabled,
	}
	if signedBy != "" {
		p[layout.PropSignedBy] = signedBy
	}
	return p
}

func (im *Importer) fill(ctx context.Context, pkg *source.Package, tmp string) error {
	dir := im.Layout.Path(layout.Dataset(tmp))
	if err := im.CheckMountedDir(dir); err != nil {
		return err
	}
	task := progress.Or(im.Progress).Start(ImportJob(pkg))
	defer task.Finish()
	err := pkg.MaterializeReporting(ctx, dir, im.Time(), func(f source.File) {
		if f.Type == source.Regular {
			task.Add(progress.Counts{Items: 1, Bytes: f.Size})
		}
	})
	if err != nil {
		return err
	}
	failpoint.Hit(failpoint.ImportFilesWritten)
	return nil
}

// ImportJob is the progress job of importing pkg: its regular files and their bytes.
func ImportJob(pkg *source.Package) progress.Job {
	j := progress.Job{Name: "import " + ID(pkg).String(), Unit: "files"}
	for _, f := range pkg.Files {
		if f.Type == source.Regular {
			j.Total.Items++
			j.Total.Bytes += f.Size
		}
	}
	return j
}

// commit makes tmp read-only, snapshots it @installed, records the snapshot's guid (one
// zfs.Client.Commit: two processes with channel programs) and renames it to final. The parents
// name/X.Y.Z/rev that known does not show are created first; if the rename still finds one
// missing (known was not an observation, or one went meanwhile), all are ensured and it is
// renamed again.
//
// The parents are created one by one, each with its managed marker in its own `zfs create`,
// although one `zfs create -p` and one `zfs set` of the markers would take fewer processes: a
// pass killed between those two would leave containers without the marker, which the reconciler
// could never tell from an administrator's and so would never use, repair or remove. Created
// with its marker, a container is ours from the moment it exists.
func (im *Importer) commit(ctx context.Context, tmp, final string, known *zfs.Tree) error {
	_, err := im.ZFS.Commit(ctx, string(layout.Dataset(tmp).Snapshot(layout.SnapInstalled)), zfs.CommitOptions{
		GUIDProp: layout.PropSnapshotGUID,
		Sealed:   func() { failpoint.Hit(failpoint.ImportReadonly) },
	})
	if err != nil {
		return err
	}
	failpoint.Hit(failpoint.ImportSnapshot)
	if missing := missingParents(im.Layout, final, known); len(missing) > 0 && len(known.Datasets) > 0 {
		err := im.ensure(ctx, missing...)
		if errors.Is(err, zfs.ErrNotExist) { // one known showed went meanwhile
			err = im.ensure(ctx, parentChain(im.Layout, final)...)
		}
		if err != nil {
			return err
		}
		failpoint.Hit(failpoint.ImportParents)
	}
	err = im.ZFS.Rename(ctx, tmp, final, zfs.RenameOptions{})
	if errors.Is(err, zfs.ErrNotExist) {
		// The parents name/X.Y.Z/rev are missing: make them (each managed), then rename again.
		if err := im.ensure(ctx, parentChain(im.Layout, final)...); err != nil {
			return err
		}
		failpoint.Hit(failpoint.ImportParents)
		err = im.ZFS.Rename(ctx, tmp, final, zfs.RenameOptions{})
	}
	return err
}

// RecordSnapshot records on fs the guid of its snapshot fs@snap (layout.PropSnapshotGUID), so
// that a snapshot taken later under the same name, after the content changed, is told from it
// (verify). Import and realize record it as part of their commit (zfs.Client.Commit, before the
// rename: every committed package and generation has it); verify's repair uses this.
func RecordSnapshot(ctx context.Context, c zfs.Client, fs, snap string) error {
	t, err := c.Observe(ctx, fs)
	if err != nil {
		return err
	}
	name := layout.Dataset(fs).Snapshot(snap)
	d, ok := t.Get(string(name))
	if !ok {
		return fmt.Errorf("%s vanished right after it was taken", name)
	}
	return c.SetProps(ctx, fs, zfs.Props{layout.PropSnapshotGUID: strconv.FormatUint(d.GUID, 10)})
}

// createTemp creates a uniquely named, managed dataset below <root>/tmp.
func (im *Importer) createTemp(ctx context.Context, prefix string, props zfs.Props) (string, error) {
	tmp, err := CreateTemp(ctx, im.ZFS, im.Layout, prefix, props)
	return string(tmp), err
}

// CreateTemp creates a uniquely named dataset below <root>/tmp with props, creating the tmp
// container if needed. Everything below tmp is garbage once no pass is running.
func CreateTemp(ctx context.Context, c zfs.Client, l layout.Layout, prefix string, props zfs.Props) (layout.Dataset, error) {
	return makeTemp(ctx, c, l, prefix, func(name string) error {
		return c.Create(ctx, name, zfs.CreateOptions{Props: props})
	})
}

// CloneTemp is CreateTemp for a clone of snapshot: the temporary dataset starts with the
// snapshot's files.
func CloneTemp(ctx context.Context, c zfs.Client, l layout.Layout, prefix string, snapshot layout.Snapshot, props zfs.Props) (layout.Dataset, error) {
	return makeTemp(ctx, c, l, prefix, func(name string) error {
		return c.Clone(ctx, string(snapshot), name, props)
	})
}

// makeTemp picks a temporary name with prefix and makes it with mk, creating tmp/ first if
// that is what is missing.
func makeTemp(ctx context.Context, c zfs.Client, l layout.Layout, prefix string, mk func(name string) error) (layout.Dataset, error) {
	var b [layout.TempRandLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	name := l.Temp(prefix, hex.EncodeToString(b[:]))
	err := mk(string(name))
	if errors.Is(err, zfs.ErrNotExist) {
		if err := Ensure(ctx, c, string(l.Store()), string(l.Tmp())); err != nil {
			return "", err
		}
		err = mk(string(name))
	}
	return name, err
}

// ensure makes the containers names, top down (Ensure), and waits (up to mountWait in all)
// until the first one's parent and then each is mounted before making the next: a container
// another importer made ("exists" here, or just observed) may still be being mounted by its
// `zfs create`, and a child created below it before that mount, or a package renamed there,
// would be hidden under it for good (TestImportBelowUnmountedContainerReal). A parent that was
// observed but has gone since costs that wait before Ensure reports it missing (commit then
// ensures the whole chain): rare, and slow rather than wrong. The in-memory model (MountCheck
// set) mounts at once.
func (im *Importer) ensure(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	deadline := time.Now().Add(mountWait)
	if err := im.waitMounted(ctx, deadline, layout.Dataset(names[0]).Parent()); err != nil {
		return err
	}
	for _, n := range names {
		if err := Ensure(ctx, im.ZFS, n); err != nil {
			return err
		}
		if err := im.waitMounted(ctx, deadline, layout.Dataset(n)); err != nil {
			return err
		}
	}
	return nil
}

// waitMounted waits until ds is mounted, or deadline: one that never is (an administrator's
// canmount=off) is then used as it is.
func (im *Importer) waitMounted(ctx context.Context, deadline time.Time, ds layout.Dataset) error {
	if im.MountCheck != nil {
		return nil
	}
	for CheckMountpoint(im.Layout.Path(ds)) != nil && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// mountWait bounds how long ensure waits for containers to be mounted.
const mountWait = 30 * time.Second

// Ensure creates each dataset in order as a managed container, accepting ones that exist
// (create-then-handle-exists: whoever made it first, it is there).
func Ensure(ctx context.Context, c zfs.Client, names ...string) error {
	for _, n := range names {
		err := c.Create(ctx, n, zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindContainer}})
		if err != nil && !errors.Is(err, zfs.ErrExist) {
			return err
		}
	}
	return nil
}

// missingParents lists, top down, the parents of a package's dataset (from store/ down) that the
// observation known does not show.
func missingParents(l layout.Layout, pkg string, known *zfs.Tree) []string {
	var out []string
	for _, p := range parentChain(l, pkg) {
		if _, ok := known.Get(p); !ok {
			out = append(out, p)
		}
	}
	return out
}

// parentChain lists the containers from store/ down to a package's revision dataset.
func parentChain(l layout.Layout, pkg string) []string {
	var chain []string
	for d := filepath.Dir(pkg); layout.Under(layout.Dataset(d), l.Store()); d = filepath.Dir(d) {
		chain = append([]string{d}, chain...)
	}
	return chain
}

// ErrNameTooLong marks a package Import refuses because a dataset or snapshot name it would make
// exceeds ZFS's limit (layout.MaxNameLen). Nothing has been changed when it is returned.
var ErrNameTooLong = errors.New("dataset name too long for ZFS")

// checkNameLengths refuses a package whose names would not fit ZFS: the package's dataset with
// its @installed snapshot, and the temporary dataset it is built under, with its own. (ZFS would
// refuse them too, but only after the temporary dataset was made and filled.)
func checkNameLengths(l layout.Layout, id layout.PackageID) error {
	var tl *layout.NameTooLongError
	if err := layout.CheckNames(l.PackageNames(id)); errors.As(err, &tl) {
		return fmt.Errorf("import %s: %w: %s would be %d bytes long, and ZFS allows %d; shorten the package's name (%d bytes)",
			id, ErrNameTooLong, tl.Name, len(tl.Name), layout.MaxNameLen, len(id.Name))
	}
	return nil
}

// discard destroys a temporary dataset of ours. Its error, if any, says the dataset is left as
// garbage for the next pass; a dataset already gone is not an error.
func (im *Importer) discard(ctx context.Context, tmp string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	err := im.ZFS.Destroy(ctx, tmp, zfs.DestroyOptions{Recursive: true})
	if err != nil && !errors.Is(err, zfs.ErrNotExist) {
		return fmt.Errorf("could not remove temporary dataset %s (the next pass will): %w", tmp, err)
	}
	return nil
}

// discardTimeout bounds the clean-up of a failed import, which runs even when the import's own
// context was cancelled.
const discardTimeout = time.Minute

var errAbsent = errors.New("absent")

// ErrNotOurs: a dataset stands at a package's name but is not that package as this reconciler
// made it (no local axiom:managed-by=axiom-reconcile, or another kind or package). It is never
// taken for the package, used, held or destroyed.
var ErrNotOurs = errors.New("is not a package this reconciler made")

// completeAt checks that name is a committed package in tree, made by this reconciler for id:
// managed (a local property), of kind package for id, read-only, with @installed. Whoever put
// a dataset there, only such a one counts as the package already imported.
func completeAt(tree *zfs.Tree, name string, id layout.PackageID) error {
	d, ok := tree.Get(name)
	if !ok {
		return errAbsent
	}
	managed, _ := d.Local(layout.PropManagedBy)
	kind, _ := d.Local(layout.PropKind)
	pkg, _ := d.Local(layout.PropPackage)
	if managed != layout.ManagedBy || kind != layout.KindPackage || pkg != id.Path() {
		return fmt.Errorf("%s %w (%s=%q, %s=%q, %s=%q); remove or rename it", name, ErrNotOurs,
			layout.PropManagedBy, managed, layout.PropKind, kind, layout.PropPackage, pkg)
	}
	if ro, _ := d.Local("readonly"); ro != "on" {
		return fmt.Errorf("%s is not read-only: not a complete package", name)
	}
	if _, ok := tree.Get(string(layout.Dataset(name).Snapshot(layout.SnapInstalled))); !ok {
		return fmt.Errorf("%s has no @%s: not a complete package", name, layout.SnapInstalled)
	}
	return nil
}

// CheckMounted makes sure dir is the root of a mounted, empty filesystem, not a plain directory
// in its parent's: files written into the parent dataset would be outside the new dataset and its
// snapshot.
func CheckMounted(dir string) error {
	if err := CheckMountpoint(dir); err != nil {
		return fmt.Errorf("the new dataset did not mount: %w", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		return fmt.Errorf("the new dataset at %s is not empty", dir)
	}
	return nil
}

// CheckMountpoint reports whether dir is a mountpoint: a directory on another filesystem than
// its parent's.
func CheckMountpoint(dir string) error {
	var st, pst syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return fmt.Errorf("nothing is mounted at %s: %w", dir, err)
	}
	if err := syscall.Stat(filepath.Dir(dir), &pst); err != nil {
		return err
	}
	if st.Dev == pst.Dev {
		return fmt.Errorf("%s is not a mountpoint", dir)
	}
	return nil
}
