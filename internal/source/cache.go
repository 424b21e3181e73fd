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
	stamp []statRec
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
	c.mu.Lock()
	e, ok := c.m[origin]
	c.mu.Unlock()
	if ok && !e.racy && e.lim == lim && unchanged(origin, e.stamp) {
		c.use(origin)
		return e.pkg, nil
	}
	st, newest, err := stamp(origin)
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

// Files returns the root/ tree of a package with the given build-id, from any entry the cache
// holds (whatever its stamp says now): the list the build-id was computed from, so it names the
// content of every package with that id, wherever it is. Realize takes the content hashes of the
// files it merges from it instead of reading them back. Nil when no entry has the id.
func (c *Cache) Files(buildID string) []File {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.m {
		if e.pkg.BuildID == buildID {
			return e.pkg.Files
		}
	}
	return nil
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
	recs, _, err := stamp(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, r := range recs {
		fmt.Fprintf(h, "%q %o %d %d %d %d %d\n", r.Rel, r.Mode, r.Size, r.Mtime, r.Ino, r.Dev, r.Ctime)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// statRec is one entry's metadata in a stamp: what Stamp summarises.
type statRec struct {
	Rel          string // "." for the origin itself
	Mode         fs.FileMode
	Size         int64
	Mtime, Ctime int64 // nanoseconds
	Ino, Dev     uint64
}

func record(rel string, fi fs.FileInfo) (statRec, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statRec{}, fmt.Errorf("%s: no stat information", rel)
	}
	return statRec{Rel: rel, Mode: fi.Mode(), Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Ctime: ctime(st),
		Ino: uint64(st.Ino), Dev: uint64(st.Dev)}, nil
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

// stamp records the metadata of origin (followed, if a symlink) and, for a directory, of
// everything below it, and gives the newest modification or change time it saw.
func stamp(origin string) ([]statRec, time.Time, error) {
	var recs []statRec
	var newest int64
	add := func(rel string, fi fs.FileInfo) error {
		r, err := record(rel, fi)
		if err != nil {
			return err
		}
		newest = max(newest, r.Mtime, r.Ctime)
		recs = append(recs, r)
		return nil
	}
	fi, err := os.Stat(origin)
	if err != nil {
		return nil, time.Time{}, err
	}
	if err := add(".", fi); err != nil {
		return nil, time.Time{}, err
	}
	if fi.IsDir() {
		if err := stampDir(origin, "", add); err != nil {
			return nil, time.Time{}, err
		}
	}
	return recs, time.Unix(0, newest), nil
}

// unchanged reports whether recs, a stamp of origin, still describe it: what stamp would record
// now, found without listing a directory. Every recorded path is looked at again (the origin
// followed, the rest not); a directory's names cannot change without its modification and
// change times changing (creating, removing or renaming an entry updates both), so directories
// whose records are equal hold the same names as when stamped, and entries whose records are
// equal the same metadata. As Git's untracked cache does, this relies on the filesystem keeping
// directory times; the racy rule covers changes within a tick of the stamp.
func unchanged(origin string, recs []statRec) bool {
	if len(recs) == 0 || recs[0].Rel != "." {
		return false // not a stamp (a cache file's entry can hold anything)
	}
	for i, r := range recs {
		var fi fs.FileInfo
		var err error
		if i == 0 {
			fi, err = os.Stat(origin)
		} else {
			fi, err = os.Lstat(filepath.Join(origin, r.Rel))
		}
		if err != nil {
			return false
		}
		if now, err := record(r.Rel, fi); err != nil || now != r {
			return false
		}
	}
	return true
}
