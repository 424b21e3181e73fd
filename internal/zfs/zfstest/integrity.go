package zfstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// The model keeps no file contents, but with MirrorUnder it keeps what a snapshot would: Snapshot
// copies the filesystem's mirrored directory to <MirrorUnder>/.snapshots/<guid>, written@ is
// the size of what differs from that copy now (0 when nothing does), and Rollback puts the copy
// back. Without MirrorUnder nothing is ever written, so written@ is always 0.

var _ zfs.Integrity = (*Model)(nil)

// snapshotCopy is where the content of the snapshot with the given guid is kept.
func (m *Model) snapshotCopy(guid uint64) string {
	return filepath.Join(m.MirrorUnder, ".snapshots", fmt.Sprintf("%016x", guid))
}

// keepSnapshot copies the content of the filesystem fs for its new snapshot snap.
func (m *Model) keepSnapshot(fs, snap string) error {
	mp := m.mountpoint(fs)
	if !m.mirrored(mp) || m.ds[fs].unmounted {
		return nil
	}
	dst := m.snapshotCopy(m.ds[snap].guid)
	_ = os.RemoveAll(dst)
	return copyTree(mp, dst)
}

// dropSnapshot removes the content kept for a snapshot being destroyed.
func (m *Model) dropSnapshot(d *mds) {
	if m.MirrorUnder != "" && d.typ == zfs.Snapshot {
		_ = os.RemoveAll(m.snapshotCopy(d.guid))
	}
}

// ObserveWritten implements zfs.Integrity.
func (m *Model) ObserveWritten(ctx context.Context, snaps []string, roots ...string) (*zfs.Tree, error) {
	for _, s := range snaps {
		if err := zfs.ValidateSnapshot("x@" + s); err != nil || strings.ContainsAny(s, "@/,") {
			return nil, fail("get", s, zfs.ErrInvalidName)
		}
	}
	tree, err := m.Observe(ctx, roots...)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range tree.Datasets {
		d := &tree.Datasets[i]
		if d.Type != zfs.Filesystem {
			continue
		}
		for _, s := range snaps {
			sd, ok := m.ds[d.Name+"@"+s]
			if !ok {
				continue
			}
			if d.Written == nil {
				d.Written = map[string]uint64{}
			}
			d.Written[s] = m.written(d.Name, sd)
		}
	}
	return tree, nil
}

// written is how much of fs differs from the content kept for its snapshot snap.
func (m *Model) written(fs string, snap *mds) uint64 {
	mp := m.mountpoint(fs)
	if !m.mirrored(mp) || m.ds[fs].unmounted {
		return 0
	}
	kept := m.snapshotCopy(snap.guid)
	if _, err := os.Lstat(kept); err != nil {
		return 0 // snapshotted before the model kept contents, or while unmounted
	}
	return treeDiff(kept, mp) + treeDiff(mp, kept)
}

// Rollback implements zfs.Integrity: the snapshot must be its filesystem's latest.
func (m *Model) Rollback(_ context.Context, snapshot string) error {
	if err := zfs.ValidateSnapshot(snapshot); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	sd, ok := m.ds[snapshot]
	fsName, _, _ := strings.Cut(snapshot, "@")
	if !ok {
		return fail("rollback", snapshot, zfs.ErrNotExist)
	}
	for n, d := range m.ds {
		if strings.HasPrefix(n, fsName+"@") && d.txg > sd.txg {
			return fail("rollback", snapshot, zfs.ErrBusy) // more recent snapshots exist
		}
	}
	mp := m.mountpoint(fsName)
	if !m.mirrored(mp) || m.ds[fsName].unmounted {
		return nil
	}
	kept := m.snapshotCopy(sd.guid)
	if _, err := os.Lstat(kept); err != nil {
		return nil
	}
	if err := removeContents(mp); err != nil {
		return err
	}
	return copyTree(kept, mp)
}

// Sync implements zfs.Integrity: the model has nothing to sync.
func (m *Model) Sync(_ context.Context, dataset string) error {
	return zfs.ValidateName(dataset)
}

// removeContents empties the directory dir.
func removeContents(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// treeDiff sums the sizes of the entries of a that b does not hold the same (by type, mode,
// content or target), counting at least 1 for each.
func treeDiff(a, b string) uint64 {
	var n uint64
	_ = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			n++
			return nil
		}
		rel, _ := filepath.Rel(a, p)
		if !sameEntry(p, filepath.Join(b, rel)) {
			info, _ := d.Info()
			if info != nil && info.Size() > 0 {
				n += uint64(info.Size())
			} else {
				n++
			}
		}
		return nil
	})
	return n
}

func sameEntry(x, y string) bool {
	xi, err := os.Lstat(x)
	if err != nil {
		return false
	}
	yi, err := os.Lstat(y)
	if err != nil || xi.Mode() != yi.Mode() {
		return false
	}
	switch {
	case xi.Mode()&fs.ModeSymlink != 0:
		xt, _ := os.Readlink(x)
		yt, _ := os.Readlink(y)
		return xt == yt
	case xi.Mode().IsRegular():
		if xi.Size() != yi.Size() {
			return false
		}
		xb, err1 := os.ReadFile(x)
		yb, err2 := os.ReadFile(y)
		return err1 == nil && err2 == nil && bytes.Equal(xb, yb)
	}
	return true
}
