package source_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

// A refused package never stops the others, and each refusal names its package: by its manifest
// when that can be read, else by its file name without suffix and version.
func TestRefusals(t *testing.T) {
	src := t.TempDir()
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writePkg(t, filepath.Join(src, "hello"), basicSpec("hello", "1.0.0"))
	writePkg(t, filepath.Join(src, "world"), basicSpec("world", "2.0.0"))
	// A good manifest, but a FIFO in the tree: named by its manifest.
	bad := basicSpec("libstdc-fifo", "1.0.0")
	writePkg(t, filepath.Join(src, "fifo-pkg"), bad)
	if err := syscall.Mkfifo(filepath.Join(src, "fifo-pkg", "root", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An unreadable manifest: named by its directory.
	write(filepath.Join(src, "broken-1.2.3", "manifest.yaml"), "name: [")
	// Corrupt archives: named by their file names.
	write(filepath.Join(src, "iproute2-6.1.0.tar.gz"), "not gzip")
	write(filepath.Join(src, "zsh-5.9.zip"), "PK")

	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Manifest.Name)
	}
	if want := []string{"hello", "world"}; !slices.Equal(got, want) {
		t.Errorf("packages: got %q, want %q", got, want)
	}
	var names []string
	for _, r := range source.Refusals(err) {
		names = append(names, r.Package)
		if r.Origin == "" || r.Err == nil {
			t.Errorf("refusal %+v lacks its origin or reason", r)
		}
	}
	slices.Sort(names)
	if want := []string{"broken", "iproute2", "libstdc-fifo", "zsh"}; !slices.Equal(names, want) {
		t.Errorf("refused: got %q, want %q (err: %v)", names, want, err)
	}
	if d := source.DirErrors(err); len(d) != 0 {
		t.Errorf("DirErrors: got %v, want none", d)
	}
}

// Problems with a source directory itself are not refusals of a package: they stay errors.
func TestDirErrorsAreNotRefusals(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := source.Scan(ctx, []string{missing}, archive.Limits{})
	if len(source.Refusals(err)) != 0 {
		t.Errorf("a missing source directory was taken for a refused package: %v", err)
	}
	d := source.DirErrors(err)
	if len(d) != 1 || !errors.Is(d[0], os.ErrNotExist) {
		t.Errorf("DirErrors: got %v, want the missing directory", d)
	}
}
