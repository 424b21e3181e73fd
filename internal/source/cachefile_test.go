package source

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// cacheSource is a source directory with one package, and a cache that takes files just written
// as settled (its clock runs a minute ahead).
func cacheSource(t *testing.T) (src string, c *Cache) {
	t.Helper()
	src = t.TempDir()
	dir := filepath.Join(src, "hello-1.0.0")
	for name, body := range map[string]string{"manifest.yaml": "name: hello\nversion: 1.0.0\n", "root/bin/hello": "#!/bin/sh\necho hello\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return src, settledCache()
}

func settledCache() *Cache {
	return &Cache{now: func() time.Time { return time.Now().Add(time.Minute) }}
}

// A saved cache, loaded by another process, answers for unchanged sources without reading them;
// and a cache that lies (its entry names other content under the same stamp) can make a plan
// wrong but never a store: Materialize reads the origin again and refuses the difference.
func TestCacheFileRoundTripAndLies(t *testing.T) {
	ctx := context.Background()
	src, c := cacheSource(t)
	first, err := c.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || len(first) != 1 {
		t.Fatalf("scan: %v", err)
	}
	file := filepath.Join(t.TempDir(), "cache", "sources")
	if err := c.Save(file); err != nil {
		t.Fatal(err)
	}

	// Rewrite the saved entry: the file's hash is another one, with a build-id to match.
	lie := readCacheFile(t, file)
	lie[0].Files[len(lie[0].Files)-1].SHA256[0] ^= 0xff
	meta, err := parseMeta(lie[0].Origin, lie[0].Meta)
	if err != nil {
		t.Fatal(err)
	}
	lie[0].BuildID = BuildID(meta.manifest, meta.deps, lie[0].Files)
	writeCacheFile(t, file, lie)

	next := settledCache()
	if err := next.Load(file); err != nil {
		t.Fatal(err)
	}
	got, err := next.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || len(got) != 1 {
		t.Fatalf("scan through the loaded cache: %v", err)
	}
	if got[0].BuildID != lie[0].BuildID {
		t.Fatalf("the loaded cache was not used: build-id %s, want the cached %s", got[0].BuildID, lie[0].BuildID)
	}
	err = got[0].Materialize(ctx, t.TempDir(), time.Now())
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("materializing from a lying cache: %v, want ErrChanged", err)
	}
}

// Racy entries (stamped while their newest file was still within the window) and entries not
// looked up since the cache was loaded are not saved; a file that is not a cache of this version
// is ignored with ErrCacheFile, and a missing one is simply empty.
func TestCacheFileKeepsOnlyTrustedEntries(t *testing.T) {
	ctx := context.Background()
	src, _ := cacheSource(t)
	racy := &Cache{} // the real clock: the files were just written
	if _, err := racy.Scan(ctx, []string{src}, archive.Limits{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sources")
	if err := racy.Save(file); err != nil {
		t.Fatal(err)
	}
	if n := len(readCacheFile(t, file)); n != 0 {
		t.Errorf("a racy entry was saved (%d entries)", n)
	}

	c := settledCache()
	if _, err := c.Scan(ctx, []string{src}, archive.Limits{}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Save(file))
	before, err := os.Stat(file)
	must(err)
	loaded := settledCache()
	must(loaded.Load(file))
	must(loaded.Save(file)) // nothing read or dropped since Load: no write
	if after, err := os.Stat(file); err != nil || !os.SameFile(before, after) {
		t.Errorf("a Save with nothing new rewrote the file (%v)", err)
	}
	src2, _ := cacheSource(t)
	if _, err := loaded.Scan(ctx, []string{src2}, archive.Limits{}); err != nil {
		t.Fatal(err)
	}
	must(loaded.Save(file))
	if e := readCacheFile(t, file); len(e) != 1 || filepath.Dir(e[0].Origin) != src2 {
		t.Errorf("after a scan of another source, the file holds %d entries; want only that source's (not looked up since Load: dropped)", len(e))
	}

	for name, content := range map[string][]byte{"garbage": []byte("not a cache"), "empty": nil} {
		must(os.WriteFile(file, content, 0o600))
		if err := loaded.Load(file); !errors.Is(err, ErrCacheFile) {
			t.Errorf("%s cache file: Load returned %v, want ErrCacheFile", name, err)
		}
	}
	var other bytes.Buffer
	must(gob.NewEncoder(&other).Encode(cacheHeader{Magic: cacheMagic, Version: cacheVersion + 1}))
	must(os.WriteFile(file, other.Bytes(), 0o600))
	if err := loaded.Load(file); !errors.Is(err, ErrCacheFile) {
		t.Errorf("a cache file of another version: Load returned %v, want ErrCacheFile", err)
	}
	if err := loaded.Load(filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("a missing cache file: %v, want no error", err)
	}
}

func readCacheFile(t *testing.T, path string) []cacheEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(bytes.NewReader(b))
	var h cacheHeader
	var entries []cacheEntry
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&entries); err != nil {
		t.Fatal(err)
	}
	return entries
}

func writeCacheFile(t *testing.T, path string, entries []cacheEntry) {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(cacheHeader{Magic: cacheMagic, Version: cacheVersion}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(entries); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Whatever the cache file holds, Load neither panics nor yields a package inconsistent with
// its build-id.
func FuzzLoadCache(f *testing.F) {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	_ = enc.Encode(cacheHeader{Magic: cacheMagic, Version: cacheVersion})
	_ = enc.Encode([]cacheEntry{{Origin: "/x", Stamp: []statRec{{Rel: "."}}, Meta: map[string][]byte{"manifest.yaml": []byte("name: x\nversion: 1.0.0\n")}, BuildID: "b"}})
	f.Add(buf.Bytes())
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(t.TempDir(), "c")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var c Cache
		if err := c.Load(file); err != nil {
			return
		}
		for _, e := range c.m {
			if BuildID(e.pkg.Manifest, e.pkg.Deps, e.pkg.Files) != e.pkg.BuildID {
				t.Fatalf("loaded an inconsistent package %+v", e.pkg)
			}
		}
	})
}
