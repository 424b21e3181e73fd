package merge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

// listTree describes everything under dest, without following symlinks:
// "d0755", "f0644 <content>", "l <target>".
func listTree(t *testing.T, dest string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dest {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch m := fi.Mode(); {
		case m.IsDir():
			out[rel] = fmt.Sprintf("d%04o", uint32(m&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)))
		case m.IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("f%04o %s", uint32(m&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)), b)
		case m&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "l " + target
		default:
			out[rel] = "? " + m.String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWrite(t *testing.T) {
	a := []ent{
		file("bin/sh", "#!/bin/sh\n", 0o755), file("bin/setuid", "s", 0o4755), link("bin/rsh", "sh"),
		dir("ro", 0o555), file("ro/inside", "i", 0o444), dir("ro/sub", 0o500), file("ro/sub/deep", "deep", 0o400),
		file("empty", "", 0o600), dir("sticky", 0o1777), link("lib/up", ".."), link("lib/dangling", "missing"),
	}
	b := []ent{file("bin/sh", "busybox", 0o755), file("share/doc/b.txt", "doc", 0o644), link("lib/up", "..")}
	res := mustMerge(t, merge.PolicyKeepBoth, pkg("a", a...), pkg("b", b...))
	dest := t.TempDir()
	t.Cleanup(func() { makeWritable(t, dest) }) // runs before TempDir's removal
	if err := merge.Write(context.Background(), dest, res, opener(a, b)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := map[string]string{
		"bin":             "d0755",
		"bin/rsh":         "l sh",
		"bin/setuid":      "f0755 s",
		"bin/sh":          "f0755 #!/bin/sh\n",
		"bin/sh.b":        "f0755 busybox",
		"empty":           "f0600 ",
		"lib":             "d0755",
		"lib/dangling":    "l missing",
		"lib/up":          "l ..",
		"ro":              "d0555",
		"ro/inside":       "f0444 i",
		"ro/sub":          "d0500",
		"ro/sub/deep":     "f0400 deep",
		"share":           "d0755",
		"share/doc":       "d0755",
		"share/doc/b.txt": "f0644 doc",
		"sticky":          "d0777",
	}
	if diff := cmp.Diff(want, listTree(t, dest)); diff != "" {
		t.Errorf("written tree (-want +got):\n%s", diff)
	}
}

// TestWriteMasksModes: a Result made by hand gets no sticky bit and no set-id directory; a
// file's setuid and setgid bits are written as the Result says (Merge keeps them only for
// inputs that allow them).
func TestWriteMasksModes(t *testing.T) {
	res := merge.Result{Placed: []merge.Placed{
		{Path: "d", Type: merge.Dir, Mode: 0o1777 | fs.ModeSticky | fs.ModeSetgid},
		{Path: "d/s", Type: merge.File, Mode: 0o755 | fs.ModeSetuid, Size: 1, From: "s"},
		{Path: "d/g", Type: merge.File, Mode: 0o755 | fs.ModeSetgid | fs.ModeSticky, Size: 1, From: "s"},
	}}
	dest := t.TempDir()
	open := opener([]ent{file("s", "x", 0)})
	if err := merge.Write(context.Background(), dest, res, open); err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := map[string]string{"d": "d0777", "d/s": fmt.Sprintf("f%04o x", uint32(0o755|fs.ModeSetuid)),
		"d/g": fmt.Sprintf("f%04o x", uint32(0o755|fs.ModeSetgid))}
	if diff := cmp.Diff(want, listTree(t, dest)); diff != "" {
		t.Errorf("written tree (-want +got):\n%s", diff)
	}
}

// TestWriteLinksAsShipped: readlink in the written tree gives exactly the target each package
// shipped, absolute or leading out of dest, and nothing is written through them.
func TestWriteLinksAsShipped(t *testing.T) {
	targets := map[string]string{
		"usr/lib/ssl/cert.pem": "/etc/ssl/certs/ca-certificates.crt",
		"etc/rmt":              "/usr/sbin/rmt",
		"sbin/ip":              "/bin/ip",
		"etc/x":                "../../etc/x",
		"lib/odd":              `a\b%2e%2e/../..`,
	}
	var ents []ent
	for p, target := range targets {
		ents = append(ents, link(p, target))
	}
	res := mustMerge(t, merge.PolicyError, pkg("a", ents...))
	dest := t.TempDir()
	if err := merge.Write(context.Background(), dest, res, opener(ents)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for p, want := range targets {
		if got, err := os.Readlink(filepath.Join(dest, p)); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", p, got, err, want)
		}
	}
}

// TestWriteOwnsAsRoot: run as root, Write makes root the owner of everything, even in a dest
// whose setgid bit would give new entries its group, and a kept setuid bit survives the chown.
func TestWriteOwnsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("Write makes root the owner only when run as root")
	}
	ents := []ent{file("bin/su", "su", 0o755|fs.ModeSetuid), dir("etc", 0o755), link("etc/l", "/x")}
	in := pkg("a", ents...)
	in.AllowSetID = true
	res := mustMerge(t, merge.PolicyError, in)
	dest := t.TempDir()
	if err := os.Chown(dest, 0, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dest, 0o755|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := merge.Write(context.Background(), dest, res, opener(ents)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, p := range []string{"bin", "bin/su", "etc", "etc/l"} {
		fi, err := os.Lstat(filepath.Join(dest, p))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: owner %d:%d; want 0:0", p, st.Uid, st.Gid)
		}
		if p == "bin/su" && fi.Mode()&fs.ModeSetuid == 0 {
			t.Errorf("bin/su lost its setuid bit: %v", fi.Mode())
		}
	}
}

func TestWriteDestination(t *testing.T) {
	res := mustMerge(t, merge.PolicyError, pkg("a", file("f", "x", 0o644)))
	open := opener([]ent{file("f", "x", 0o644)})
	tests := map[string]struct {
		setup func(t *testing.T, tmp string) string // returns dest
		err   error
	}{
		"missing": {
			setup: func(t *testing.T, tmp string) string { return filepath.Join(tmp, "nope") },
			err:   fs.ErrNotExist,
		},
		"a file": {
			setup: func(t *testing.T, tmp string) string {
				p := filepath.Join(tmp, "file")
				writeFile(t, p, "keep")
				return p
			},
			err: merge.ErrUnexpectedFile,
		},
		"a symlink to an empty directory": {
			setup: func(t *testing.T, tmp string) string {
				mkdir(t, filepath.Join(tmp, "real"))
				p := filepath.Join(tmp, "link")
				symlink(t, "real", p)
				return p
			},
			err: merge.ErrUnexpectedFile,
		},
		"not empty": {
			setup: func(t *testing.T, tmp string) string {
				p := filepath.Join(tmp, "full")
				mkdir(t, p)
				writeFile(t, filepath.Join(p, "f"), "keep")
				return p
			},
			err: merge.ErrUnexpectedFile,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			dest := tc.setup(t, tmp)
			before := listTree(t, tmp)
			err := merge.Write(context.Background(), dest, res, open)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Write: got %v, want %v", err, tc.err)
			}
			if diff := cmp.Diff(before, listTree(t, tmp)); diff != "" {
				t.Errorf("Write changed things (-before +after):\n%s", diff)
			}
		})
	}
}

// TestWriteNeverFollowsSymlinks plants symlinks in dest while Write runs (from the open
// callback): Write must fail rather than write through them.
func TestWriteNeverFollowsSymlinks(t *testing.T) {
	pkgA := []ent{file("a", "a", 0o644), file("b", "b", 0o644), dir("e", 0o755), file("d/f", "f", 0o644)}
	res := mustMerge(t, merge.PolicyError, pkg("a", pkgA...))
	tests := map[string]struct {
		plant func(t *testing.T, dest, outside string) // runs when Write opens "a"
		err   error
	}{
		"symlink at a later file's path, to an outside file": {
			plant: func(t *testing.T, dest, outside string) {
				symlink(t, filepath.Join(outside, "victim"), filepath.Join(dest, "b"))
			},
			err: fs.ErrExist,
		},
		"dangling symlink at a later file's path": {
			plant: func(t *testing.T, dest, outside string) {
				symlink(t, filepath.Join(outside, "new"), filepath.Join(dest, "b"))
			},
			err: fs.ErrExist,
		},
		"directory replaced by a symlink to another directory of dest": {
			plant: func(t *testing.T, dest, outside string) {
				if err := os.Remove(filepath.Join(dest, "d")); err != nil {
					t.Fatal(err)
				}
				symlink(t, "e", filepath.Join(dest, "d"))
			},
			err: merge.ErrUnexpectedFile,
		},
		"directory replaced by a symlink to an outside directory": {
			plant: func(t *testing.T, dest, outside string) {
				if err := os.Remove(filepath.Join(dest, "d")); err != nil {
					t.Fatal(err)
				}
				symlink(t, outside, filepath.Join(dest, "d"))
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dest, outside := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(outside, "victim"), "victim")
			serve := opener(pkgA)
			open := func(input int, p string) (io.ReadCloser, error) {
				if p == "a" {
					tc.plant(t, dest, outside)
				}
				return serve(input, p)
			}
			err := merge.Write(context.Background(), dest, res, open)
			if err == nil {
				t.Fatal("Write succeeded through a planted symlink")
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("Write: got %v, want %v", err, tc.err)
			}
			if diff := cmp.Diff(map[string]string{"victim": "f0644 victim"}, listTree(t, outside)); diff != "" {
				t.Errorf("outside changed (-want +got):\n%s", diff)
			}
			if got := listTree(t, dest); got["e/f"] != "" || got["e/b"] != "" {
				t.Errorf("Write wrote through the planted symlink: %v", got)
			}
		})
	}
}

func TestWriteCancel(t *testing.T) {
	pkgA := []ent{file("a", "a", 0o644), file("b", "b", 0o644), link("l", "a")}
	res := mustMerge(t, merge.PolicyError, pkg("a", pkgA...))
	serve := opener(pkgA)

	t.Run("between files", func(t *testing.T) {
		dest := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		open := func(input int, p string) (io.ReadCloser, error) {
			cancel()
			return serve(input, p)
		}
		if err := merge.Write(ctx, dest, res, open); !errors.Is(err, context.Canceled) {
			t.Fatalf("Write: got %v, want context.Canceled", err)
		}
		if diff := cmp.Diff(map[string]string{"a": "f0644 a"}, listTree(t, dest)); diff != "" {
			t.Errorf("Write went on after cancellation (-want +got):\n%s", diff)
		}
	})
	t.Run("before starting", func(t *testing.T) {
		dest := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := merge.Write(ctx, dest, res, serve); !errors.Is(err, context.Canceled) {
			t.Fatalf("Write: got %v, want context.Canceled", err)
		}
		if got := listTree(t, dest); len(got) != 0 {
			t.Errorf("Write wrote %v after cancellation", got)
		}
	})
}

func TestWriteContentErrors(t *testing.T) {
	res := mustMerge(t, merge.PolicyError, pkg("a", file("f", "four", 0o644)))
	storeErr := errors.New("store gone")
	tests := map[string]struct {
		content string
		openErr error
		want    string // in the error
	}{
		"shorter than recorded": {content: "abc", want: "content is 3 bytes, want 4"},
		"longer than recorded":  {content: "abcdef", want: "content is 5 bytes or more, want 4"},
		"open fails":            {openErr: storeErr, want: "store gone"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			open := func(int, string) (io.ReadCloser, error) {
				if tc.openErr != nil {
					return nil, tc.openErr
				}
				return io.NopCloser(strings.NewReader(tc.content)), nil
			}
			err := merge.Write(context.Background(), t.TempDir(), res, open)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f") {
				t.Fatalf("Write: got %v, want an error about f containing %q", err, tc.want)
			}
			if tc.openErr != nil && !errors.Is(err, tc.openErr) {
				t.Errorf("Write: %v does not wrap %v", err, tc.openErr)
			}
		})
	}
}

// TestWriteRejectsBadResults: a Result made by hand with an unsafe path or an unknown type is
// refused before anything is written.
func TestWriteRejectsBadResults(t *testing.T) {
	tests := map[string]struct {
		placed merge.Placed
		err    error
	}{
		"dot-dot":         {merge.Placed{Path: "../x", Type: merge.Dir}, merge.ErrUnsafePath},
		"absolute":        {merge.Placed{Path: "/tmp/x", Type: merge.Dir}, merge.ErrUnsafePath},
		"empty target":    {merge.Placed{Path: "l", Type: merge.Symlink}, merge.ErrUnsafePath},
		"NUL in target":   {merge.Placed{Path: "l", Type: merge.Symlink, Target: "a\x00b"}, merge.ErrUnsafePath},
		"unknown type":    {merge.Placed{Path: "x"}, merge.ErrInvalidInput},
		"empty component": {merge.Placed{Path: "a//b", Type: merge.Dir}, merge.ErrUnsafePath},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dest := t.TempDir()
			res := merge.Result{Placed: []merge.Placed{{Path: "a", Type: merge.Dir, Mode: 0o755}, tc.placed}}
			err := merge.Write(context.Background(), dest, res, opener())
			if !errors.Is(err, tc.err) {
				t.Fatalf("Write: got %v, want %v", err, tc.err)
			}
			if got := listTree(t, dest); len(got) != 0 {
				t.Errorf("Write wrote %v", got)
			}
		})
	}
}

// makeWritable lets the test's owner remove a tree with read-only directories (when the
// tests do not run as root).
func makeWritable(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			err = os.Chmod(p, 0o755)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}
