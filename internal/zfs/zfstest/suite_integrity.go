package zfstest

import (
	"os"
	"path/filepath"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// suiteWrittenAndRollback: written@ is 0 after a snapshot of a filesystem with sync=disabled
// whose files were fsync'd (even once a rename remounted it), positive once a file changed
// (after Sync), absent for a filesystem without the snapshot; Rollback puts the content back
// and refuses (ErrBusy) a snapshot that is not the latest, or a missing one (ErrNotExist).
func suiteWrittenAndRollback(s *suite) {
	in, ok := s.c.(zfs.Integrity)
	if !ok {
		s.t.Fatal("the client cannot observe written@ or roll back")
	}
	// sync=disabled, as the store creates packages and generations: fsync'd files then leave
	// no intent log for a later mount to clean up, which written@ would count.
	s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{"sync": "disabled"}}), "create a")
	s.ok(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{}), "create b")
	mp := s.get(s.observe(), "a").Mountpoint
	file := filepath.Join(mp, "f")
	writeSynced(s, file, "one\n")
	s.ok(s.c.Snapshot(s.ctx, s.n("a@installed")), "snapshot")
	// A rename remounts: with sync=disabled, the mount has no log to clean up.
	s.ok(s.c.Rename(s.ctx, s.n("a"), s.n("c"), zfs.RenameOptions{}), "rename")
	s.ok(s.c.Rename(s.ctx, s.n("c"), s.n("a"), zfs.RenameOptions{}), "rename back")
	written := func() map[string]*zfs.Dataset {
		s.t.Helper()
		s.ok(in.Sync(s.ctx, s.root), "sync")
		tree, err := in.ObserveWritten(s.ctx, []string{"installed", "realized"}, s.root)
		s.ok(err, "observe written")
		return map[string]*zfs.Dataset{"a": s.get(tree, "a"), "b": s.get(tree, "b"), "": s.get(tree, "")}
	}
	ds := written()
	if w, ok := ds["a"].Written["installed"]; !ok || w != 0 {
		s.t.Fatalf("after the snapshot and a remount: written@installed %d (present %v), want 0", w, ok)
	}
	if _, ok := ds["a"].Written["realized"]; ok {
		s.t.Fatal("written@realized reported for a filesystem without @realized")
	}
	if len(ds["b"].Written) != 0 || len(ds[""].Written) != 0 {
		s.t.Fatalf("written@ reported for filesystems without the snapshots: %v %v", ds["b"].Written, ds[""].Written)
	}
	s.ok(os.WriteFile(file, []byte("two, and longer\n"), 0o644), "change f")
	s.ok(os.WriteFile(filepath.Join(mp, "g"), []byte("new\n"), 0o644), "add g")
	if w := written()["a"].Written["installed"]; w == 0 {
		s.t.Fatal("a changed file is not counted as written")
	}
	s.ok(in.Rollback(s.ctx, s.n("a@installed")), "rollback")
	if b, err := os.ReadFile(file); err != nil || string(b) != "one\n" {
		s.t.Fatalf("after rollback f holds %q (%v)", b, err)
	}
	if _, err := os.Lstat(filepath.Join(mp, "g")); !os.IsNotExist(err) {
		s.t.Fatalf("a file added after the snapshot survived rollback: %v", err)
	}
	if w := written()["a"].Written["installed"]; w != 0 {
		s.t.Fatalf("after rollback written@installed is %d", w)
	}
	s.ok(s.c.Snapshot(s.ctx, s.n("a@later")), "later snapshot")
	s.ok(os.WriteFile(file, []byte("three\n"), 0o644), "change f again")
	s.is(in.Rollback(s.ctx, s.n("a@installed")), zfs.ErrBusy, "rollback past a later snapshot")
	if b, _ := os.ReadFile(file); string(b) != "three\n" {
		s.t.Fatalf("a refused rollback changed f to %q", b)
	}
	s.is(in.Rollback(s.ctx, s.n("a@nope")), zfs.ErrNotExist, "rollback to a missing snapshot")
	_, err := in.ObserveWritten(s.ctx, []string{"bad/name"}, s.root)
	s.is(err, zfs.ErrInvalidName, "a bad snapshot name")
}

// writeSynced writes a file and fsyncs it, as the store's writers do (leaving intent log blocks).
func writeSynced(s *suite, file, content string) {
	s.t.Helper()
	f, err := os.Create(file)
	s.ok(err, "create "+file)
	_, err = f.WriteString(content)
	s.ok(err, "write "+file)
	s.ok(f.Sync(), "fsync "+file)
	s.ok(f.Close(), "close "+file)
}
