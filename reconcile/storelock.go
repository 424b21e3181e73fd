package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The global lock excludes processes that agree on its path. Two reconcilers on one store with
// different --lock-file values, or with separate /var/run directories (jails, containers), would
// exclude nothing: one's cleaning of temporary datasets destroys the other's work in progress,
// and GC collects what the other is using. So a mutating pass also locks the store itself: an
// flock on a file in the filesystem of the store's tmp container, which every process that can
// mutate the store sees, whatever its /var/run. (A lease recorded as a ZFS property was the
// alternative; an flock needs no expiry or heartbeat, since the kernel drops it when its holder
// dies.) The tmp container, not the root: the root may be upstream axiom's or the
// administrator's dataset, and a file is never written into a dataset the reconciler does not
// own; tmp is always its own (a foreign one stops every plan, see checkTree).

// StoreLockFile is the store lock's name in the tmp container's mountpoint.
const StoreLockFile = ".axiom-reconcile.lock"

// LockStore takes the store's own lock exclusively, waiting as opt says, and records the holder
// beside it. The root and tmp containers are created first where missing (create, then handle
// "exists", as every step does): the lock must live in tmp's own filesystem, never in a
// directory a later mount would hide. Take it after the global lock and before anything mutates.
func (e *Engine) LockStore(ctx context.Context, cfg *spec.Config, opt LockOptions) (*Held, error) {
	l := layout.Layout{Root: layout.Dataset(cfg.Store.Dataset), Mountpoint: filepath.Clean(cfg.Store.Mountpoint)}
	dir := l.Path(l.Tmp())
	path := filepath.Join(dir, StoreLockFile)
	if err := e.storeLockReady(ctx, cfg, l, path); err != nil {
		return nil, err
	}
	h, err := lockOwned(ctx, path, time.Now().Add(opt.Timeout), opt)
	if err != nil {
		return nil, err
	}
	// A mount over the directory after the open would leave us holding a hidden file.
	if err := sameFilesystem(path, dir, e.mountpointCheck); err != nil {
		h.Release()
		return nil, fmt.Errorf("the store lock %s: %w", path, err)
	}
	return h, nil
}

// storeLockReady makes sure path can be the store lock: it exists already (it is only ever made
// in a tmp container this reconciler owns, mounted where the layout says), or the containers are
// made, or found, and tmp is ours and mounted there.
func (e *Engine) storeLockReady(ctx context.Context, cfg *spec.Config, l layout.Layout, path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Lstat(path); err == nil && e.mountpointCheck(dir) == nil {
		return nil
	}
	err := e.ZFS.Create(ctx, string(l.Root), zfs.CreateOptions{Parents: true, Props: rootProps(cfg)})
	if err == nil || errors.Is(err, zfs.ErrExist) {
		err = store.Ensure(ctx, e.ZFS, string(l.Tmp())) // a managed container, as every pass makes it
	}
	if err != nil {
		return fmt.Errorf("creating the store's containers to lock it: %w", err)
	}
	tree, err := e.ZFS.Observe(ctx, string(l.Tmp()))
	if err != nil {
		return err
	}
	tmp, ok := tree.Get(string(l.Tmp()))
	switch {
	case !ok:
		return fmt.Errorf("%s: %w", l.Tmp(), zfs.ErrNotExist)
	case !managed(tmp):
		return fmt.Errorf("%s exists but is %w: axiom-reconcile keeps its work in progress and the store lock there; move that dataset away", tmp.Name, errUnmanagedInTheWay)
	case tmp.Mountpoint != dir || tmp.Unmounted:
		return fmt.Errorf("%s is not mounted at %s (the store's mountpoint is %s, %s): the store lock lives there; mount it or change the configuration", tmp.Name, dir, l.Mountpoint, posOf(cfg.Store.DeclRange))
	}
	return e.mountpointCheck(dir)
}

// rootProps are the properties the store root is created with.
func rootProps(cfg *spec.Config) map[string]string {
	return map[string]string{
		layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindContainer,
		"mountpoint": cfg.Store.Mountpoint, "compression": "lz4", "atime": "off",
	}
}

func (e *Engine) mountpointCheck(dir string) error {
	if e.MountCheck != nil {
		return e.MountCheck(dir)
	}
	return store.CheckMountpoint(dir)
}

// sameFilesystem checks that path is on the filesystem mounted at dir.
func sameFilesystem(path, dir string, mounted func(string) error) error {
	if err := mounted(dir); err != nil {
		return err
	}
	var a, b syscall.Stat_t
	if err := syscall.Stat(path, &a); err != nil {
		return err
	}
	if err := syscall.Stat(dir, &b); err != nil {
		return err
	}
	if a.Dev != b.Dev {
		return fmt.Errorf("not on the filesystem mounted at %s (something was mounted over it)", dir)
	}
	return nil
}
