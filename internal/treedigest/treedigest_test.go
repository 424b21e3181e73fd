package treedigest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
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

// orderTree is a tree whose names sort differently by full path than a walk visits them
// ("a-c" and "a.d" before "a/b" in byte order of paths, after "a" and all of it in a walk).
func orderTree(t *testing.T) string {
	t.Helper()
	dir := tree(t)
	for _, f := range []struct {
		path string
		mode os.FileMode
		data string
	}{{"a", os.ModeDir | 0o750, ""}, {"a/b", os.ModeDir | 0o750, ""}, {"a-c", 0o600, "x"}, {"a/b/z", 0o755 | os.ModeSetuid, "y"}, {"a.d", 0o644, ""}} {
		p := filepath.Join(dir, f.path)
		var err error
		if f.mode.IsDir() {
			err = os.Mkdir(p, 0o700)
		} else {
			err = os.WriteFile(p, []byte(f.data), 0o600)
		}
		if err == nil {
			err = os.Chmod(p, f.mode)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The encoding is what generations already realized carry: the digest of a fixed tree is the
// value the first implementation gave it.
func TestDigestEncodingUnchanged(t *testing.T) {
	got, err := treedigest.Digest(context.Background(), orderTree(t))
	if err != nil {
		t.Fatal(err)
	}
	const want = "sha256:e1d657dedeef0fe74fc9a2afd9987ebc7d334d59c9208365c66ce1895116ede8"
	if got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
}

// Sum of a tree's entries, in any order, is the digest of the tree read from disk.
func TestSumIsDigest(t *testing.T) {
	ctx := context.Background()
	dir := orderTree(t)
	want, err := treedigest.Digest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := treedigest.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Path)
	}
	if want := "README a a/b a/b/z a-c a.d bin bin/hello bin/hi"; strings.Join(paths, " ") != want {
		t.Fatalf("read %q, want the walk's order %q", paths, want)
	}
	for _, order := range []func([]treedigest.Entry){
		func([]treedigest.Entry) {},
		func(e []treedigest.Entry) { slices.Reverse(e) },
		func(e []treedigest.Entry) {
			slices.SortFunc(e, func(a, b treedigest.Entry) int { return strings.Compare(a.Path, b.Path) })
		},
	} {
		shuffled := slices.Clone(entries)
		order(shuffled)
		if got := treedigest.Sum(shuffled); got != want {
			t.Fatalf("Sum of %v = %s, want %s", shuffled, got, want)
		}
	}
	changed := slices.Clone(entries)
	changed[len(changed)-1].Target = "elsewhere"
	if treedigest.Sum(changed) == want {
		t.Fatal("a changed symlink target left the sum alone")
	}
}
