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
