package source

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// The cache file: a header naming the format and its version, then the entries, in gob (the
// standard library's own encoding: compact, fast, and no hand-written parser to fuzz beyond
// what Load checks). A file of another version, or one that does not decode whole, is ignored.
const (
	cacheMagic   = "axiom-reconcile source cache"
	cacheVersion = 2 // 2: stamps are the entries' records, not a hash of them
	// maxCacheFile bounds what Load reads: a cache larger than this is not ours to trust.
	maxCacheFile = 512 << 20
)

type cacheHeader struct {
	Magic   string
	Version int
}

type cacheEntry struct {
	Origin  string
	Stamp   []statRec
	Lim     archive.Limits
	Meta    map[string][]byte
	Files   []File
	Extra   []File
	BuildID string
}

// ErrCacheFile: a cache file that cannot be used (unreadable, another version, corrupt).
// Load returns it, wrapped, for the log; the cache is then empty, and the next Save replaces
// the file.
var ErrCacheFile = errors.New("source cache file unusable")

// Load replaces the cache's content with the file at path, as Save wrote it. A missing file is
// an empty cache and no error. Every entry is checked as it is read back: its metadata must
// parse and, with its file list, give its build-id again, or it is dropped. Entries are trusted
// only while their stamps match, as in memory.
func (c *Cache) Load(path string) error {
	b, err := nonblock.ReadRegular(path, maxCacheFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCacheFile, err)
	}
	dec := gob.NewDecoder(bytes.NewReader(b))
	var h cacheHeader
	var entries []cacheEntry
	if err := dec.Decode(&h); err != nil || h.Magic != cacheMagic || h.Version != cacheVersion {
		return fmt.Errorf("%w: %s is not a version %d cache file", ErrCacheFile, path, cacheVersion)
	}
	if err := dec.Decode(&entries); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCacheFile, path, err)
	}
	m := map[string]cached{}
	for _, e := range entries {
		if p, ok := e.pkg(); ok {
			m[e.Origin] = cached{stamp: e.Stamp, lim: e.Lim, pkg: p}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.used, c.dirty = m, nil, false
	return nil
}

// pkg rebuilds the package an entry describes, if the entry is consistent.
func (e cacheEntry) pkg() (*Package, bool) {
	meta, err := parseMeta(e.Origin, e.Meta)
	if err != nil {
		return nil, false
	}
	if BuildID(meta.manifest, meta.deps, e.Files) != e.BuildID {
		return nil, false
	}
	return &Package{Manifest: meta.manifest, Deps: meta.deps, Provenance: meta.provenance,
		Origin: e.Origin, BuildID: e.BuildID, Files: e.Files, lim: e.Lim, meta: e.Meta, extra: e.Extra}, true
}

// Save writes the cache to path atomically: the entries looked up since Load (or since the
// cache was made) that are not racy. Packages no longer in the sources thereby drop out. When
// nothing was read or dropped since the last Load or Save, and the file is there, it writes
// nothing: a pass over unchanged sources costs no write.
func (c *Cache) Save(path string) error {
	c.mu.Lock()
	if _, err := os.Stat(path); err == nil && !c.dirty {
		c.mu.Unlock()
		return nil
	}
	c.dirty = false
	var entries []cacheEntry
	for origin, e := range c.m {
		if e.racy || !c.used[origin] || e.pkg.meta == nil {
			continue
		}
		entries = append(entries, cacheEntry{Origin: origin, Stamp: e.stamp, Lim: e.lim, Meta: e.pkg.meta,
			Files: e.pkg.Files, Extra: e.pkg.extra, BuildID: e.pkg.BuildID})
	}
	c.mu.Unlock()
	slices.SortFunc(entries, func(a, b cacheEntry) int { return strings.Compare(a.Origin, b.Origin) })
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(cacheHeader{Magic: cacheMagic, Version: cacheVersion}); err != nil {
		return err
	}
	if err := enc.Encode(entries); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o600)
}
