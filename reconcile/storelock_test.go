package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

func storeConfig(root, mp string) *spec.Config {
	return &spec.Config{Store: spec.Store{Dataset: root, Mountpoint: mp}}
}

// Two reconcilers on one store that disagree on the global lock's path (separate /var/run in
// jails or containers) both get their global lock, but only one gets the store's: the second is
// refused, told who holds it, and gets it once the first lets go.
func TestStoreLockExcludesAcrossGlobalLockPaths(t *testing.T) {
	e, _, mp := modelEngine(t)
	cfg := storeConfig("tank/axiom", mp)
	for _, dir := range []string{t.TempDir(), t.TempDir()} {
		g, err := LockExclusive(bg, LockOptions{Path: filepath.Join(dir, "axiom-reconcile.lock")})
		must(t, err) // both: each global lock alone excludes nothing
		defer g.Release()
	}
	first, err := e.LockStore(bg, cfg, LockOptions{Command: "apply -c /jail1/axiom"})
	must(t, err)
	_, err = e.LockStore(bg, cfg, LockOptions{Command: "apply -c /jail2/axiom"})
	if !IsLocked(err) || !strings.Contains(err.Error(), "apply -c /jail1/axiom") || !strings.Contains(err.Error(), StoreLockFile) {
		t.Fatalf("second store lock: %v; want it held by the first, named", err)
	}
	must(t, first.Release())
	second, err := e.LockStore(bg, cfg, LockOptions{Command: "apply -c /jail2/axiom"})
	must(t, err)
	must(t, second.Release())
}

// The lock lives in the tmp container, made where missing with the properties a plan would
// give it (the root with its mountpoint), and is found again without a zfs command.
func TestStoreLockMakesContainers(t *testing.T) {
	e, m, mp := modelEngine(t)
	h, err := e.LockStore(bg, storeConfig("tank/axiom", mp), LockOptions{})
	must(t, err)
	defer h.Release()
	tree, err := m.Observe(bg, "tank/axiom")
	must(t, err)
	root, _ := tree.Get("tank/axiom")
	tmp, _ := tree.Get("tank/axiom/tmp")
	if root.Mountpoint != mp || !managed(root) || !managed(tmp) {
		t.Fatalf("root %+v, tmp %+v", root, tmp)
	}
	if _, err := os.Stat(filepath.Join(mp, "tmp", StoreLockFile)); err != nil {
		t.Fatal(err)
	}
	must(t, h.Release())
	calls := m.Calls
	h, err = e.LockStore(bg, storeConfig("tank/axiom", mp), LockOptions{})
	must(t, err)
	defer h.Release()
	if m.Calls != calls {
		t.Fatalf("locking an existing store ran %d zfs commands, want none", m.Calls-calls)
	}
}

// A root someone else made (upstream axiom's store, say) is fine, and nothing is written into
// it; a tmp container that is not ours, or that is not mounted where the layout says, is refused
// before a file is written.
func TestStoreLockRefusesForeignTmp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props zfs.Props
		want  string
	}{
		{"unmanaged", zfs.Props{}, "not managed by axiom-reconcile"},
		{"mounted elsewhere", zfs.Props{layout.PropManagedBy: layout.ManagedBy, "mountpoint": "/elsewhere"}, "is not mounted at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, m, mp := modelEngine(t)
			must(t, m.Create(bg, "tank/axiom", zfs.CreateOptions{Props: zfs.Props{"mountpoint": mp}}))
			must(t, m.Create(bg, "tank/axiom/tmp", zfs.CreateOptions{Props: tc.props}))
			_, err := e.LockStore(bg, storeConfig("tank/axiom", mp), LockOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(mp, "tmp", StoreLockFile)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a lock file was written: %v", err)
			}
		})
	}
}
