package atomicfile_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
)

// entries lists the names in dir, so tests can see that no temporary file was left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFile(t *testing.T) {
	tests := map[string]struct {
		existing     []byte // nil: no file before
		existingPerm fs.FileMode
		data         []byte
		perm         fs.FileMode
		wantPerm     fs.FileMode
	}{
		"create":                     {data: []byte("hello\n"), perm: 0o644, wantPerm: 0o644},
		"create empty":               {data: []byte{}, perm: 0o600, wantPerm: 0o600},
		"perm not filtered by umask": {data: []byte("x"), perm: 0o666, wantPerm: 0o666},
		"executable":                 {data: []byte("#!/bin/sh\n"), perm: 0o755, wantPerm: 0o755},
		"special bits dropped":       {data: []byte("x"), perm: fs.ModeSetuid | fs.ModeSticky | 0o755, wantPerm: 0o755},
		"replace longer":             {existing: bytes.Repeat([]byte("old"), 1000), existingPerm: 0o600, data: []byte("new"), perm: 0o644, wantPerm: 0o644},
		"replace shorter":            {existing: []byte("o"), existingPerm: 0o644, data: bytes.Repeat([]byte("new"), 1000), perm: 0o640, wantPerm: 0o640},
	}
	old := syscall.Umask(0o077) // a strict umask must not change the result
	t.Cleanup(func() { syscall.Umask(old) })
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "file.yaml")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, tt.existingPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := atomicfile.WriteFile(path, tt.data, tt.perm); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !fi.Mode().IsRegular() || fi.Mode().Perm() != tt.wantPerm || fi.Mode()&(fs.ModeSetuid|fs.ModeSticky) != 0 {
				t.Errorf("mode = %v, want regular %v", fi.Mode(), tt.wantPerm)
			}
			if e := entries(t, dir); len(e) != 1 || e[0] != "file.yaml" {
				t.Errorf("directory holds %q, want only file.yaml", e)
			}
		})
	}
}

func TestWriteFileRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := atomicfile.WriteFile("rel.txt", []byte("r"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "rel.txt")); err != nil || string(got) != "r" {
		t.Fatalf("ReadFile = %q, %v; want \"r\"", got, err)
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	tests := map[string]struct {
		setup  func(t *testing.T, dir string) string // returns the path to write
		wantIs error
	}{
		"missing directory": {
			setup:  func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "such", "file") },
			wantIs: fs.ErrNotExist,
		},
		"target is a non-empty directory": {
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "d")
				if err := os.MkdirAll(filepath.Join(p, "child"), 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			},
		},
		"path ends in a separator": {
			setup: func(t *testing.T, dir string) string { return dir + string(filepath.Separator) },
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := entries(t, dir)
			err := atomicfile.WriteFile(path, []byte("data"), 0o644)
			if err == nil {
				t.Fatal("WriteFile succeeded, want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if after := entries(t, dir); !slices.Equal(before, after) {
				t.Errorf("directory changed from %q to %q", before, after)
			}
		})
	}
}

func TestWriteFileReplacesSymlinkNotTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", link); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "target" {
		t.Errorf("symlink target changed to %q", got)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("link is %v after WriteFile, want a regular file", fi.Mode())
	}
}

// TestWriteFileReadersSeeWholeFiles races readers against writers: every read must return one
// complete version, never a truncated or mixed one.
func TestWriteFileReadersSeeWholeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<18), bytes.Repeat([]byte("b"), 1<<17)}
	if err := atomicfile.WriteFile(path, versions[0], 0o644); err != nil {
		t.Fatal(err)
	}
	const writes = 40
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range writes {
			if err := atomicfile.WriteFile(path, versions[i%2], 0o644); err != nil {
				t.Error(err)
				return
			}
		}
	})
	reads := 0
	for {
		select {
		case <-done:
			wg.Wait()
			if reads == 0 {
				t.Fatal("no reads happened")
			}
			if e := entries(t, dir); len(e) != 1 {
				t.Errorf("directory holds %q, want only f", e)
			}
			return
		default:
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
			t.Fatalf("read %d saw %d bytes that are neither version", reads, len(got))
		}
		reads++
	}
}
