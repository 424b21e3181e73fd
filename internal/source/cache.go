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
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// Cache remembers the packages a process has read, so that a pass over unchanged sources costs
// metadata reads instead of reading and hashing every file again; with [Cache.Load] and
// [Cache.Save] it outlives the process (a no-op `plan` then reads no package content). A package
// is read again as soon as anything about its origin changes: for an archive, its size,
// modification and change times or inode; for a directory, the same for any entry in it. The
// change time (ctime) cannot be set back by tools that preserve modification times, so a
// rewritten file is always noticed.
//
// Racy entries: file times have a granularity (a clock tick, or worse), so a file changed just
// after it was stamped and read, within the same tick, keeps its stamp. As Git does with its
// index, an entry whose newest file time is not clearly older than the moment it was stamped
// (racyWindow) is never trusted: it is read again next time, until its files are old enough.
//
// Nothing here can import stale content anyway: Materialize re-reads the origin and verifies
// it against the build-id, so a cache that lies can make a plan wrong but never a store.
//
// The zero value is ready to use. A Cache is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]cached
	// used are the origins looked up since Load (or since the Cache was made): Save keeps
	// only those, so packages gone from the sources drop out.
	used map[string]bool
	// now is the clock racy entries are judged by; nil: time.Now. Tests move it forward.
	now func() time.Time
	// dirty: entries were added or dropped since Load or Save.
	dirty bool
}

type cached struct {
	stamp string
	lim   archive.Limits
	pkg   *Package
	racy  bool // stamped while its newest file was still within racyWindow: never a hit
}

// racyWindow is how close to its stamp a file's newest time may be for the stamp to be trusted.
// Two seconds covers every timestamp granularity of the filesystems sources live on (FAT's is
// two seconds; Linux's coarse clock is a few milliseconds).
const racyWindow = 2 * time.Second

// Scan is the package-level Scan, through the cache.
func (c *Cache) Scan(ctx context.Context, dirs []string, lim archive.Limits) ([]*Package, error) {
	return scan(ctx, dirs, lim, c)
}

func (c *Cache) load(ctx context.Context, origin string, lim archive.Limits) (*Package, error) {
	stampedAt := time.Now()
	if c.now != nil {
		stampedAt = c.now()
	}
	st, newest, err := stamp(origin)
	if err == nil {
		c.mu.Lock()
		e, ok := c.m[origin]
		c.mu.Unlock()
		if ok && !e.racy && e.stamp == st && e.lim == lim {
			c.use(origin)
			return e.pkg, nil
		}
	}
	p, lerr := load(ctx, origin, lim)
	c.mu.Lock()
	defer c.mu.Unlock()
	if lerr != nil || err != nil {
		if _, ok := c.m[origin]; ok {
			delete(c.m, origin)
			c.dirty = true
		}
		return p, lerr
	}
	if c.m == nil {
		c.m = map[string]cached{}
	}
	c.m[origin] = cached{stamp: st, lim: lim, pkg: p, racy: !newest.Before(stampedAt.Add(-racyWindow))}
	c.dirty = true
	c.useLocked(origin)
	return p, nil
}

func (c *Cache) use(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.useLocked(origin)
}

func (c *Cache) useLocked(origin string) {
	if c.used == nil {
		c.used = map[string]bool{}
	}
	c.used[origin] = true
}

// Stamp summarises the metadata (names, modes, sizes, modification and change times, inodes) of
// path and, for a directory, of everything below it, reading no content: the key the Cache
// uses. Equal stamps taken a while apart mean that nothing in the tree changed meanwhile, as far
// as metadata shows, which the watch daemon uses to tell whether a package is still being
// copied in. A symbolic link at path is followed; links below it are not.
func Stamp(path string) (string, error) {
	s, _, err := stamp(path)
	return s, err
}

// stampDir adds what is below the directory origin/rel, depth first in byte order of names. It
// lists each directory through nonblock.OpenDir, so a directory swapped for a FIFO since it was
// seen fails the stamp instead of hanging it.
func stampDir(origin, rel string, add func(string, fs.FileInfo) error) error {
	d, err := nonblock.OpenDir(filepath.Join(origin, rel))
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

// stamp summarises the metadata of origin and, for a directory, of everything below it, and
// gives the newest modification or change time it saw.
func stamp(origin string) (string, time.Time, error) {
	h := sha256.New()
	var newest int64
	add := func(rel string, fi fs.FileInfo) error {
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat information", rel)
		}
		mt, ct := fi.ModTime().UnixNano(), ctime(st)
		newest = max(newest, mt, ct)
		fmt.Fprintf(h, "%q %o %d %d %d %d %d\n", rel, fi.Mode(), fi.Size(), mt, st.Ino, st.Dev, ct)
		return nil
	}
	fi, err := os.Stat(origin)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := add(".", fi); err != nil {
		return "", time.Time{}, err
	}
	if fi.IsDir() {
		if err := stampDir(origin, "", add); err != nil {
			return "", time.Time{}, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), time.Unix(0, newest), nil
}
