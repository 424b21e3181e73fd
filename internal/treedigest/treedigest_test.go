package treedigest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/treedigest"
)

func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "bin/hello"), []byte("#!/bin/sh\necho hi\n"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "README"), []byte("read me\n"), 0o644))
	must(os.Symlink("hello", filepath.Join(dir, "bin/hi")))
	return dir
}

// Every kind of change to a tree changes its digest; an identical tree has the same one.
func TestDigest(t *testing.T) {
	ctx := context.Background()
	base, err := treedigest.Digest(ctx, tree(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, treedigest.Prefix) || len(base) != len(treedigest.Prefix)+64 {
		t.Fatalf("digest %q", base)
	}
	for _, tc := range []struct {
		name   string
		change func(dir string) error
		same   bool
	}{
		{"identical copy", func(string) error { return nil }, true},
		{"content", func(d string) error { return os.WriteFile(filepath.Join(d, "README"), []byte("read mE\n"), 0o644) }, false},
		{"mode", func(d string) error { return os.Chmod(filepath.Join(d, "bin/hello"), 0o644) }, false},
		{"setuid", func(d string) error { return os.Chmod(filepath.Join(d, "bin/hello"), 0o755|os.ModeSetuid) }, false},
		{"symlink target", func(d string) error {
			if err := os.Remove(filepath.Join(d, "bin/hi")); err != nil {
				return err
			}
			return os.Symlink("/bin/sh", filepath.Join(d, "bin/hi"))
		}, false},
		{"added file", func(d string) error { return os.WriteFile(filepath.Join(d, "bin/x"), nil, 0o644) }, false},
		{"removed file", func(d string) error { return os.Remove(filepath.Join(d, "README")) }, false},
		{"renamed file", func(d string) error { return os.Rename(filepath.Join(d, "README"), filepath.Join(d, "READ")) }, false},
		{"empty dir added", func(d string) error { return os.Mkdir(filepath.Join(d, "etc"), 0o755) }, false},
		{"time only", func(d string) error { return os.Chtimes(filepath.Join(d, "README"), time0, time0) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t)
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			got, err := treedigest.Digest(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if (got == base) != tc.same {
				t.Fatalf("digest %s, base %s: same %v, want %v", got, base, got == base, tc.same)
			}
		})
	}
	if _, err := treedigest.Digest(ctx, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing directory has a digest")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := treedigest.Digest(cancelled, tree(t)); err == nil {
		t.Fatal("a cancelled digest succeeded")
	}
}

var time0 = time.Unix(1, 0)
