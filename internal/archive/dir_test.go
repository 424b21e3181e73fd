package archive_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// mkTree creates files (content after "="), directories (trailing "/") and symlinks
// ("name -> target") under dir.
func mkTree(t *testing.T, dir string, specs ...string) {
	t.Helper()
	for _, s := range specs {
		var err error
		switch {
		case strings.Contains(s, " -> "):
			name, target, _ := strings.Cut(s, " -> ")
			err = os.Symlink(target, filepath.Join(dir, name))
		case strings.HasSuffix(s, "/"):
			err = os.MkdirAll(filepath.Join(dir, s), 0o755)
		default:
			name, body, _ := strings.Cut(s, "=")
			err = os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// outsideFile creates a file with mode perm outside every tree a test walks.
func outsideFile(t *testing.T, body string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(p, []byte(body), perm); err != nil {
		t.Fatal(err)
	}
	return p
}

func link(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.Link(oldname, newname); err != nil {
		t.Fatal(err)
	}
}

func TestWalkDirAccepts(t *testing.T) {
	d := t.TempDir()
	mkTree(t, d, "manifest.yaml=m", "root/bin/", "root/bin/bash=ELF", "root/bin/sh -> bash", "root/lib/", "root/b=1",
		"root/etc/", "root/etc/secret=s", "root/etc/shared=g", "root/bin/mine=x", "root/ro/",
		// macOS metadata is not package content: never reported, whatever it holds.
		"._manifest.yaml=AppleDouble", ".DS_Store=finder", "root/bin/._bash=AppleDouble", "root/._etc/", "root/._etc/x=y",
		"__MACOSX/", "__MACOSX/._root=AppleDouble", "root/._sh -> /etc/passwd",
		// Symlinks are data: absolute or leaving the tree, they are reported as they are.
		"root/cert.pem -> /etc/ssl/certs/ca-certificates.crt", "root/up -> ../../../etc/x", "root/wall=w")
	// Modes are normalised: whatever the umask or special bits, a directory is 0755 and a file
	// 0755 or 0644 by whether any execute bit is set, keeping its setuid and setgid bits.
	for name, mode := range map[string]os.FileMode{
		"root/bin/bash":   0o755 | os.ModeSetuid,
		"root/bin/mine":   0o700,
		"root/lib":        0o750 | os.ModeSticky | os.ModeSetgid,
		"root/etc":        0o775,
		"root/etc/secret": 0o400,
		"root/etc/shared": 0o664,
		"root/ro":         0o555,
		"root/wall":       0o711 | os.ModeSetgid | os.ModeSticky,
	} {
		if err := os.Chmod(filepath.Join(d, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	// Hard links within the tree are fine, including one with an ignored name.
	link(t, filepath.Join(d, "root/b"), filepath.Join(d, "root/hard"))
	link(t, filepath.Join(d, "root/b"), filepath.Join(d, "root/._b"))
	entries, err := walkAll(t, d, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"},
		{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
		{Entry: archive.Entry{Path: "root/b", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "1"},
		{Entry: archive.Entry{Path: "root/bin", Type: archive.Dir, Mode: 0o755}},
		{Entry: archive.Entry{Path: "root/bin/bash", Type: archive.Regular, Mode: 0o755 | os.ModeSetuid, Size: 3}, Content: "ELF"},
		{Entry: archive.Entry{Path: "root/bin/mine", Type: archive.Regular, Mode: 0o755, Size: 1}, Content: "x"},
		{Entry: archive.Entry{Path: "root/bin/sh", Type: archive.Symlink, Mode: 0o777, Target: "bash"}},
		{Entry: archive.Entry{Path: "root/cert.pem", Type: archive.Symlink, Mode: 0o777, Target: "/etc/ssl/certs/ca-certificates.crt"}},
		{Entry: archive.Entry{Path: "root/etc", Type: archive.Dir, Mode: 0o755}},
		{Entry: archive.Entry{Path: "root/etc/secret", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "s"},
		{Entry: archive.Entry{Path: "root/etc/shared", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "g"},
		{Entry: archive.Entry{Path: "root/hard", Type: archive.Regular, Mode: 0o644, Size: 1, Link: "root/b"}, Content: "1"},
		{Entry: archive.Entry{Path: "root/lib", Type: archive.Dir, Mode: 0o755}},
		{Entry: archive.Entry{Path: "root/ro", Type: archive.Dir, Mode: 0o755}},
		{Entry: archive.Entry{Path: "root/up", Type: archive.Symlink, Mode: 0o777, Target: "../../../etc/x"}},
		{Entry: archive.Entry{Path: "root/wall", Type: archive.Regular, Mode: 0o755 | os.ModeSetgid, Size: 1}, Content: "w"},
	}
	if !slices.Equal(entries, want) {
		t.Errorf("got\n%+v\nwant\n%+v", entries, want)
	}
}

func TestWalkDirRejects(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, d string)
		lim   archive.Limits
		entry string
		want  error
	}{
		{"backslash in a name", func(t *testing.T, d string) { mkTree(t, d, `a\b=x`) }, archive.Limits{}, `a\b`, archive.ErrUnsafePath},
		{"percent-encoded dots", func(t *testing.T, d string) { mkTree(t, d, "d/", "d/%2E%2E=x") }, archive.Limits{}, "d/%2E%2E", archive.ErrUnsafePath},
		{"control character", func(t *testing.T, d string) { mkTree(t, d, "a\tb=x") }, archive.Limits{}, "a\tb", archive.ErrUnsafePath},
		{"FIFO", func(t *testing.T, d string) {
			if err := syscall.Mkfifo(filepath.Join(d, "pipe"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, archive.Limits{}, "pipe", archive.ErrSpecialFile},
		{"socket", func(t *testing.T, d string) {
			l, err := net.Listen("unix", filepath.Join(d, "sock"))
			if err != nil {
				t.Skip("no unix sockets:", err)
			}
			t.Cleanup(func() { l.Close() })
		}, archive.Limits{}, "sock", archive.ErrSpecialFile},
		{"device node", func(t *testing.T, d string) {
			if err := syscall.Mknod(filepath.Join(d, "null"), syscall.S_IFCHR|0o644, 1<<8|3); err != nil {
				t.Skip("cannot make a device node here:", err)
			}
		}, archive.Limits{}, "null", archive.ErrSpecialFile},
		// A hard link to a file outside the tree would publish it with a normalised (world-
		// readable) mode, whoever could read it before.
		{"hard link to a file outside the tree", func(t *testing.T, d string) {
			secret := outsideFile(t, "secret", 0o600)
			mkTree(t, d, "root/", "root/etc/")
			link(t, secret, filepath.Join(d, "root/etc/stolen"))
		}, archive.Limits{}, "root/etc/stolen", archive.ErrLinkEscape},
		{"hard link to a file outside the tree, linked twice inside", func(t *testing.T, d string) {
			secret := outsideFile(t, "secret", 0o600)
			mkTree(t, d, "root/")
			link(t, secret, filepath.Join(d, "root/b"))
			link(t, secret, filepath.Join(d, "root/a"))
		}, archive.Limits{}, "root/a", archive.ErrLinkEscape},
		{"hard link to a file outside the tree, beside ignored macOS metadata", func(t *testing.T, d string) {
			secret := outsideFile(t, "secret", 0o644)
			link(t, secret, filepath.Join(d, "._x"))
			link(t, secret, filepath.Join(d, "x"))
		}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"FIFO with an ignored name", func(t *testing.T, d string) {
			if err := syscall.Mkfifo(filepath.Join(d, "._pipe"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, archive.Limits{}, "._pipe", archive.ErrSpecialFile},
		{"oversized file", func(t *testing.T, d string) { mkTree(t, d, "big="+strings.Repeat("x", 100)) }, archive.Limits{MaxFileSize: 99}, "big", archive.ErrTooLarge},
		{"too many entries", func(t *testing.T, d string) { mkTree(t, d, "a=", "b=", "c=") }, archive.Limits{MaxEntries: 2}, "c", archive.ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			tc.setup(t, d)
			called := false
			err := archive.WalkDir(context.Background(), d, tc.lim, func(archive.Entry, io.Reader) error {
				called = true
				return nil
			})
			wantReject(t, err, d, tc.entry, tc.want)
			if called {
				t.Error("the callback was called for a tree the first pass must reject")
			}
		})
	}
}

// TestWalkDirChanged changes the tree from inside the callback, between the two passes'
// views of a later entry.
func TestWalkDirChanged(t *testing.T) {
	cases := []struct {
		name   string
		change func(d string) error
	}{
		{"file grew", func(d string) error { return os.WriteFile(filepath.Join(d, "z"), []byte("zzz"), 0o644) }},
		{"file shrank", func(d string) error { return os.WriteFile(filepath.Join(d, "z"), nil, 0o644) }},
		{"file removed", func(d string) error { return os.Remove(filepath.Join(d, "z")) }},
		{"file became a symlink", func(d string) error {
			if err := os.Remove(filepath.Join(d, "z")); err != nil {
				return err
			}
			return os.Symlink("a", filepath.Join(d, "z"))
		}},
		{"file replaced by another", func(d string) error {
			if err := os.WriteFile(filepath.Join(d, "new"), []byte("Z"), 0o644); err != nil {
				return err
			}
			return os.Rename(filepath.Join(d, "new"), filepath.Join(d, "z"))
		}},
		{"mode changed", func(d string) error { return os.Chmod(filepath.Join(d, "z"), 0o755) }},
		// Both 0644 and 0600 read as 0644, but the tree still changed between the passes.
		{"mode changed, same normalised mode", func(d string) error { return os.Chmod(filepath.Join(d, "z"), 0o600) }},
		// The file is the same, but it is now linked from outside the tree as well.
		{"hard link added outside", func(d string) error {
			return os.Link(filepath.Join(d, "z"), filepath.Join(filepath.Dir(d), filepath.Base(d)+"-outside"))
		}},
		{"symlink retargeted", func(d string) error {
			if err := os.Remove(filepath.Join(d, "y")); err != nil {
				return err
			}
			return os.Symlink("z", filepath.Join(d, "y"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			mkTree(t, d, "a=1", "y -> a", "z=2")
			first := true
			err := archive.WalkDir(context.Background(), d, archive.Limits{}, func(e archive.Entry, r io.Reader) error {
				if first {
					first = false
					return tc.change(d)
				}
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if !errors.Is(err, archive.ErrChanged) {
				t.Fatalf("WalkDir = %v; want ErrChanged", err)
			}
		})
	}
}

func TestWalkDirMissing(t *testing.T) {
	err := archive.WalkDir(context.Background(), filepath.Join(t.TempDir(), "nope"), archive.Limits{}, func(archive.Entry, io.Reader) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("WalkDir = %v; want os.ErrNotExist", err)
	}
}

// A package directory swapped for a FIFO is an error at once: WalkDir opens it through
// nonblock.OpenRoot, never with a plain open that would wait for a writer.
func TestWalkDirNeverBlocksOnAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- archive.WalkDir(context.Background(), fifo, archive.Limits{}, func(archive.Entry, io.Reader) error { return nil })
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO was walked as a directory")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WalkDir blocked on a FIFO")
	}
}
