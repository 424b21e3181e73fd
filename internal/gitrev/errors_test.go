package gitrev

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A repository that cannot be read as git writes it is an *Error naming the file; each case
// damages one file of a good repository.
func TestReadCorruptRepository(t *testing.T) {
	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, r string)
		wantFile string // relative to the repository
		wantMsg  string
	}{
		{"HEAD garbage", func(t *testing.T, r string) { write(t, filepath.Join(r, ".git/HEAD"), "garbage\n") }, ".git/HEAD", "not a ref"},
		{"HEAD without line end", func(t *testing.T, r string) { write(t, filepath.Join(r, ".git/HEAD"), "ref: refs/heads/main") }, ".git/HEAD", "not a ref"},
		{"HEAD escapes refs", func(t *testing.T, r string) { write(t, filepath.Join(r, ".git/HEAD"), "ref: refs/../../config\n") }, ".git/HEAD", `".."`},
		{"HEAD outside refs", func(t *testing.T, r string) { write(t, filepath.Join(r, ".git/HEAD"), "ref: config\n") }, ".git/HEAD", "refs/"},
		{"HEAD too large", func(t *testing.T, r string) {
			write(t, filepath.Join(r, ".git/HEAD"), strings.Repeat("x", maxSmallFile+1))
		}, ".git/HEAD", "larger than"},
		{"HEAD is a FIFO", func(t *testing.T, r string) {
			p := filepath.Join(r, ".git/HEAD")
			must(t, os.Remove(p))
			must(t, syscall.Mkfifo(p, 0o644))
		}, ".git/HEAD", "not a regular file"},
		{"HEAD missing", func(t *testing.T, r string) { must(t, os.Remove(filepath.Join(r, ".git/HEAD"))) }, ".git/HEAD", "missing"},
		{"symbolic ref loop", func(t *testing.T, r string) {
			write(t, filepath.Join(r, ".git/HEAD"), "ref: refs/heads/a\n")
			write(t, filepath.Join(r, ".git/refs/heads/a"), "ref: refs/heads/b\n")
			write(t, filepath.Join(r, ".git/refs/heads/b"), "ref: refs/heads/a\n")
		}, ".git/HEAD", "symbolic refs"},
		{"loose ref short hash", func(t *testing.T, r string) { write(t, filepath.Join(r, ".git/refs/heads/main"), "abc123\n") }, ".git/refs/heads/main", "object name"},
		{"packed-refs garbage", func(t *testing.T, r string) {
			git(t, r, "pack-refs", "--all")
			write(t, filepath.Join(r, ".git/packed-refs"), "# pack-refs with: peeled\nnot a line\n")
		}, ".git/packed-refs", "line 2"},
		{"index truncated", func(t *testing.T, r string) {
			p := filepath.Join(r, ".git/index")
			b, err := os.ReadFile(p)
			must(t, err)
			must(t, os.WriteFile(p, b[:len(b)/2], 0o644))
		}, ".git/index", "corrupt index"},
		{"index checksum", func(t *testing.T, r string) {
			p := filepath.Join(r, ".git/index")
			b, err := os.ReadFile(p)
			must(t, err)
			b[len(b)-1] ^= 0xff
			must(t, os.WriteFile(p, b, 0o644))
		}, ".git/index", "checksum mismatch"},
		{"index is a FIFO", func(t *testing.T, r string) {
			p := filepath.Join(r, ".git/index")
			must(t, os.Remove(p))
			must(t, syscall.Mkfifo(p, 0o644))
		}, ".git/index", "not a regular file"},
		{"index path escapes", func(t *testing.T, r string) { renameEntry(t, r, "store.hcl", "../st.hcl") }, ".git/index", "bad path component"},
		{"index path into .git", func(t *testing.T, r string) { renameEntry(t, r, "store.hcl", ".git/conf") }, ".git/index", "bad path component"},
		{"config object format", func(t *testing.T, r string) {
			git(t, r, "config", "extensions.objectformat", "md5")
		}, ".git/config", "objectformat"},
		{"reftable", func(t *testing.T, r string) { git(t, r, "config", "extensions.refstorage", "reftable") }, ".git/config", "unsupported"},
		{"HEAD's commit object missing", func(t *testing.T, r string) {
			head := git(t, r, "rev-parse", "HEAD")
			must(t, os.Remove(filepath.Join(r, ".git", "objects", head[:2], head[2:])))
		}, ".git/objects", "object not found"},
		{"HEAD's commit object corrupt", func(t *testing.T, r string) {
			head := git(t, r, "rev-parse", "HEAD")
			p := filepath.Join(r, ".git", "objects", head[:2], head[2:])
			must(t, os.Chmod(p, 0o644))
			write(t, p, "not zlib")
		}, ".git/objects/", "corrupt loose object"},
		{"gitdir file garbage", func(t *testing.T, r string) {
			must(t, os.RemoveAll(filepath.Join(r, ".git")))
			write(t, filepath.Join(r, ".git"), "not a pointer\n")
		}, ".git", "gitdir"},
		{".git is a FIFO", func(t *testing.T, r string) {
			must(t, os.RemoveAll(filepath.Join(r, ".git")))
			must(t, syscall.Mkfifo(filepath.Join(r, ".git"), 0o644))
		}, ".git", "neither a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t)
			tc.damage(t, r)
			done := make(chan struct{})
			var err error
			go func() { defer close(done); _, err = Read(t.Context(), r) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Read blocked")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Read error = %v, want an *Error", err)
			}
			want := filepath.Join(realpath(t, r), tc.wantFile)
			if strings.HasSuffix(tc.wantFile, "/") && strings.HasPrefix(e.File, want+"/") {
				want = e.File // a file in that directory
			}
			if e.File != want {
				t.Errorf("error names %q, want %q (%v)", e.File, want, err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not say %q", err, tc.wantMsg)
			}
		})
	}
}

// renameEntry gives an index entry another path of the same length, as a hostile index could.
func renameEntry(t *testing.T, r, from, to string) {
	if len(from) != len(to) {
		t.Fatalf("%q and %q differ in length", from, to)
	}
	found := false
	editIndex(t, r, func(path string, e []byte) {
		if path == from {
			copy(e[62:], to)
			found = true
		}
	})
	if !found {
		t.Fatalf("no entry %q", from)
	}
}

func TestReadCancelled(t *testing.T) {
	r := newRepo(t)
	for i := range 600 {
		write(t, filepath.Join(r, "many", fmt.Sprintf("f%03d", i)), "x")
	}
	git(t, r, "add", "-A")
	git(t, r, "commit", "-q", "-m", "many")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Read(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with a cancelled context = %v, want context.Canceled", err)
	}
}

// A FIFO in place of a tracked file is a change of type: dirty, and never opened (which would
// block).
func TestReadFIFOInPlaceOfATrackedFile(t *testing.T) {
	r := newRepo(t)
	p := filepath.Join(r, "store.hcl")
	must(t, os.Remove(p))
	must(t, syscall.Mkfifo(p, 0o644))
	rev, err := Read(t.Context(), r)
	if err != nil || !rev.Dirty {
		t.Fatalf("Read = %+v, %v; want dirty", rev, err)
	}
}
