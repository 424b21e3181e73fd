package nonblock_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// Whatever is swapped in for a directory or file of a source tree, opening it never blocks: a
// FIFO at any path these open is an error at once.
func TestOpensNeverBlockOnAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func() error{
		"OpenDir": func() error {
			f, err := nonblock.OpenDir(fifo)
			if err == nil {
				f.Close()
			}
			return err
		},
		"OpenRoot": func() error {
			r, err := nonblock.OpenRoot(fifo)
			if err == nil {
				r.Close()
			}
			return err
		},
		"ReadRegular": func() error { _, err := nonblock.ReadRegular(fifo, 1<<20); return err },
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- open() }()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("a FIFO was opened as what it is not")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("blocked on a FIFO")
			}
		})
	}
}

// OpenRoot gives the directory itself, and ReadRegular bounds what it reads.
func TestOpenRootAndReadRegular(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := nonblock.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := r.ReadFile("f"); err != nil || string(b) != "hello" {
		t.Fatalf("reading through the root: %q, %v", b, err)
	}
	if b, err := nonblock.ReadRegular(filepath.Join(dir, "f"), 5); err != nil || string(b) != "hello" {
		t.Fatalf("ReadRegular at its limit: %q, %v", b, err)
	}
	if _, err := nonblock.ReadRegular(filepath.Join(dir, "f"), 4); err == nil || !strings.Contains(err.Error(), "larger than 4 bytes") {
		t.Fatalf("ReadRegular over its limit: %v", err)
	}
}
