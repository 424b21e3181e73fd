package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// TestCache: an unchanged source is not read again (the same *Package comes back); a changed
// file is, even when its modification time is put back.
func TestCache(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	dir := filepath.Join(src, "hello-1.0.0")
	if err := os.MkdirAll(filepath.Join(dir, "root", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.yaml", "name: hello\nversion: 1.0.0\nrevision: 1\n")
	write("root/bin/hello", "#!/bin/sh\necho hello\n")

	// Stamps are taken as if a minute from now, so that files just written are not racy.
	c := Cache{now: func() time.Time { return time.Now().Add(time.Minute) }}
	first, err := c.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || len(first) != 1 {
		t.Fatalf("scan: %v, %d packages", err, len(first))
	}
	again, err := c.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || len(again) != 1 || again[0] != first[0] {
		t.Fatalf("an unchanged source was read again (%v)", err)
	}

	mtime := time.Unix(1700000000, 0)
	if err := os.Chtimes(filepath.Join(dir, "root/bin/hello"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	settled, err := c.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	write("root/bin/hello", "#!/bin/sh\necho HELLO\n") // same size, new content
	if err := os.Chtimes(filepath.Join(dir, "root/bin/hello"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	changed, err := c.Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || len(changed) != 1 {
		t.Fatal(err)
	}
	if changed[0] == settled[0] || changed[0].BuildID == first[0].BuildID {
		t.Fatal("a rewritten file with its modification time put back was not read again")
	}
	fresh, err := Scan(ctx, []string{src}, archive.Limits{})
	if err != nil || fresh[0].BuildID != changed[0].BuildID {
		t.Fatalf("the cache disagrees with a fresh scan: %v", err)
	}
}

// TestCacheSeesEveryChange: a hit lists no directory, yet every change to a package's tree is
// seen and the package read again; names added, removed or renamed show only in their
// directory's times.
func TestCacheSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(dir string) error
	}{
		{"file added below", func(d string) error { return os.WriteFile(filepath.Join(d, "root/bin/new"), nil, 0o644) }},
		{"empty dir added", func(d string) error { return os.Mkdir(filepath.Join(d, "root/share"), 0o755) }},
		{"file removed", func(d string) error { return os.Remove(filepath.Join(d, "root/bin/hello")) }},
		{"file renamed", func(d string) error {
			return os.Rename(filepath.Join(d, "root/bin/hello"), filepath.Join(d, "root/bin/hellp"))
		}},
		{"file replaced by a rename", func(d string) error {
			p := filepath.Join(d, "root/bin/hello")
			if err := os.WriteFile(p+".new", []byte("#!/bin/sh\necho HELLO\n"), 0o755); err != nil {
				return err
			}
			return os.Rename(p+".new", p)
		}},
		{"mode", func(d string) error { return os.Chmod(filepath.Join(d, "root/bin/hello"), 0o644) }},
		{"dir replaced by a symlink", func(d string) error {
			bin := filepath.Join(d, "root/bin")
			if err := os.Rename(bin, filepath.Join(d, "bin")); err != nil {
				return err
			}
			return os.Symlink("../bin", bin)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			dir := filepath.Join(src, "hello-1.0.0")
			if err := os.MkdirAll(filepath.Join(dir, "root", "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range map[string]string{"manifest.yaml": "name: hello\nversion: 1.0.0\nrevision: 1\n", "root/bin/hello": "#!/bin/sh\necho hello\n"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			// Old times on every directory before the stamp, so that the change (within the
			// clock tick of the files' creation) still moves them.
			old := time.Unix(1700000000, 0)
			for _, p := range []string{dir, filepath.Join(dir, "root"), filepath.Join(dir, "root/bin")} {
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
			c := settledCache()
			first, err := c.Scan(ctx, []string{src}, archive.Limits{})
			if err != nil || len(first) != 1 {
				t.Fatalf("scan: %v", err)
			}
			if again, _ := c.Scan(ctx, []string{src}, archive.Limits{}); len(again) != 1 || again[0] != first[0] {
				t.Fatal("an unchanged source was read again")
			}
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			got, err := c.Scan(ctx, []string{src}, archive.Limits{})
			if err == nil && len(got) == 1 && got[0] == first[0] {
				t.Fatal("the change was not seen: the cached package came back")
			}
		})
	}
}
