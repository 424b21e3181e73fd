package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// Cache remembers the packages a long-running process (the watch daemon) has read, so that a
// pass over unchanged sources costs metadata reads instead of reading and hashing every file
// again. A package is read again as soon as anything about its origin changes: for an archive,
// its size, modification and change times or inode; for a directory, the same for any entry in
// it. The change time (ctime) cannot be set back by tools that preserve modification times, so
// a rewritten file is always noticed. Nothing here can import stale content anyway:
// Materialize re-reads the origin and verifies it against the build-id.
//
// The zero value is ready to use. A Cache is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	stamp string
	lim   archive.Limits
	pkg   *Package
}

// Scan is the package-level Scan, through the cache.
func (c *Cache) Scan(ctx context.Context, dirs []string, lim archive.Limits) ([]*Package, error) {
	return scan(ctx, dirs, lim, c)
}

func (c *Cache) load(ctx context.Context, origin string, lim archive.Limits) (*Package, error) {
	st, err := stamp(origin)
	if err == nil {
		c.mu.Lock()
		e, ok := c.m[origin]
		c.mu.Unlock()
		if ok && e.stamp == st && e.lim == lim {
			return e.pkg, nil
		}
	}
	p, lerr := load(ctx, origin, lim)
	if lerr != nil || err != nil {
		c.mu.Lock()
		delete(c.m, origin)
		c.mu.Unlock()
		return p, lerr
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cached{}
	}
	c.m[origin] = cached{stamp: st, lim: lim, pkg: p}
	c.mu.Unlock()
	return p, nil
}

// Stamp summarises the metadata (names, modes, sizes, modification and change times, inodes) of
// path and, for a directory, of everything below it, reading no content: the key the Cache
// uses. Equal stamps taken a while apart mean that nothing in the tree changed meanwhile, as far
// as metadata shows, which the watch daemon uses to tell whether a package is still being
// copied in. A symbolic link at path is followed; links below it are not.
func Stamp(path string) (string, error) { return stamp(path) }

// stampDir adds what is below the directory origin/rel, depth first in byte order of names. It
// lists each directory through archive.OpenDir, so a directory swapped for a FIFO since it was
// seen fails the stamp instead of hanging it.
func stampDir(origin, rel string, add func(string, fs.FileInfo) error) error {
	d, err := archive.OpenDir(filepath.Join(origin, rel))
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, n := range names {
		r := filepath.Join(rel, n)
		info, err := os.Lstat(filepath.Join(origin, r))
		if err != nil {
			return err
		}
		if err := add(r, info); err != nil {
			return err
		}
		if info.IsDir() {
			if err := stampDir(origin, r, add); err != nil {
				return err
			}
		}
	}
	return nil
}

// stamp summarises the metadata of origin and, for a directory, of everything below it.
func stamp(origin string) (string, error) {
	h := sha256.New()
	add := func(rel string, fi fs.FileInfo) error {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat information", rel)
		}
		fmt.Fprintf(h, "%q %o %d %d %d %d %d\n", rel, fi.Mode(), fi.Size(), fi.ModTime().UnixNano(),
			st.Ino, st.Dev, ctime(st))
		return nil
	}
	fi, err := os.Stat(origin)
	if err != nil {
		return "", err
	}
	if err := add(".", fi); err != nil {
		return "", err
	}
	if fi.IsDir() {
		if err := stampDir(origin, "", add); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
