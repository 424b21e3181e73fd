package source_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

type wantErr struct {
	origin string // base name of the origin
	entry  string
	is     error
}

func TestScan(t *testing.T) {
	pkg := func(t *testing.T, dir, name, ver string) string {
		p := filepath.Join(dir, name)
		writePkg(t, p, basicSpec(strings.Split(name, "-")[0], ver))
		return p
	}
	// archiveOf writes the package name@ver as an archive called file in dir.
	archiveOf := func(t *testing.T, dir, file, name, ver string) {
		d := filepath.Join(t.TempDir(), name)
		writePkg(t, d, basicSpec(name, ver))
		writeArchive(t, dir, file, tarDir(t, d, tarOpts{top: name + "-" + ver}))
	}
	mkdir := func(t *testing.T, p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(t *testing.T, p, body string) {
		mkdir(t, filepath.Dir(p))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, src string)
		want  []string // "name version origin-base"
		errs  []wantErr
	}{
		{
			name: "directory packages",
			setup: func(t *testing.T, src string) {
				pkg(t, src, "world", "2.0.0")
				pkg(t, src, "hello", "1.0.0")
			},
			want: []string{"hello 1.0.0 hello", "world 2.0.0 world"},
		},
		{
			name: "archives of each format",
			setup: func(t *testing.T, src string) {
				archiveOf(t, src, "a.tar", "aa", "1.0.0")
				archiveOf(t, src, "b.tar.gz", "bb", "1.0.0")
				archiveOf(t, src, "c.tgz", "cc", "1.0.0")
				archiveOf(t, src, "d.tar.zst", "dd", "1.0.0")
				archiveOf(t, src, "e.tar.xz", "ee", "1.0.0")
				archiveOf(t, src, "f.txz", "ff", "1.0.0")
				archiveOf(t, src, "g.tar.bz2", "gg", "1.0.0")
				archiveOf(t, src, "h.tbz2", "hh", "1.0.0")
				write(t, filepath.Join(src, "i.tar.lz"), "not a supported suffix: refused, not ignored")
			},
			want: []string{"aa 1.0.0 a.tar", "bb 1.0.0 b.tar.gz", "cc 1.0.0 c.tgz", "dd 1.0.0 d.tar.zst",
				"ee 1.0.0 e.tar.xz", "ff 1.0.0 f.txz", "gg 1.0.0 g.tar.bz2", "hh 1.0.0 h.tbz2"},
			errs: []wantErr{{"i.tar.lz", "", source.ErrInvalid}},
		},
		{
			name: "a bad archive among good ones",
			setup: func(t *testing.T, src string) {
				archiveOf(t, src, "good.tar.gz", "good", "1.0.0")
				d := filepath.Join(t.TempDir(), "bad")
				writePkg(t, d, basicSpec("bad", "1.0.0"))
				b := compress(t, "bad.tar.xz", tarDir(t, d, tarOpts{}))
				write(t, filepath.Join(src, "bad.tar.xz"), string(b[:len(b)/2])) // a cut download
				pkg(t, src, "other", "3.0.0")
			},
			want: []string{"good 1.0.0 good.tar.gz", "other 3.0.0 other"},
			errs: []wantErr{{"bad.tar.xz", "", archive.ErrFormat}},
		},
		{
			name: "an archive that is not one",
			setup: func(t *testing.T, src string) {
				write(t, filepath.Join(src, "fake.tar.zst"), "just text")
			},
			errs: []wantErr{{"fake.tar.zst", "", archive.ErrFormat}},
		},
		{
			name: "the same package twice is one package, the first origin wins",
			setup: func(t *testing.T, src string) {
				d := pkg(t, src, "hello", "1.0.0")
				writeArchive(t, src, "hello.tar.zst", tarDir(t, d, tarOpts{top: "hello-1.0.0", reverse: true}))
				writeArchive(t, src, "a-copy.tgz", tarDir(t, d, tarOpts{}))
			},
			want: []string{"hello 1.0.0 a-copy.tgz"},
		},
		{
			name: "same version, different content: both, by build-id",
			setup: func(t *testing.T, src string) {
				pkg(t, src, "hello", "1.0.0")
				s := basicSpec("hello", "1.0.0")
				s.files["extra"] = "x"
				writePkg(t, filepath.Join(src, "hello-patched"), s)
			},
			want: []string{"hello 1.0.0 ?", "hello 1.0.0 ?"},
		},
		{
			name: "sorted by name, version (numerically) and revision",
			setup: func(t *testing.T, src string) {
				pkg(t, src, "b-1", "1.10.0")
				pkg(t, src, "b-2", "1.9.0")
				pkg(t, src, "a", "3.0.0")
				s := basicSpec("b", "1.9.0")
				s.manifest = strings.Replace(s.manifest, "revision: 1", "revision: 2", 1)
				writePkg(t, filepath.Join(src, "b-0"), s)
			},
			want: []string{"a 3.0.0 a", "b 1.9.0 b-2", "b 1.9.0 b-0", "b 1.10.0 b-1"},
		},
		{
			name: "reserved package name",
			setup: func(t *testing.T, src string) {
				s := basicSpec("zfs", "1.0.0")
				writePkg(t, filepath.Join(src, "zfs"), s)
			},
			errs: []wantErr{{"zfs", "manifest.yaml", source.ErrInvalid}},
		},
		{
			name: "package name with a slash",
			setup: func(t *testing.T, src string) {
				s := basicSpec("x", "1.0.0")
				s.manifest = strings.Replace(s.manifest, "name: x", "name: a/b", 1)
				writePkg(t, filepath.Join(src, "ab"), s)
			},
			errs: []wantErr{{"ab", "manifest.yaml", source.ErrInvalid}},
		},
		{
			name: "bad deps.yaml",
			setup: func(t *testing.T, src string) {
				s := basicSpec("x", "1.0.0")
				s.deps = "dependencies:\n  - version: 1\n"
				writePkg(t, filepath.Join(src, "x"), s)
			},
			errs: []wantErr{{"x", "deps.yaml", source.ErrInvalid}},
		},
		{
			name: "bad provenance.yaml",
			setup: func(t *testing.T, src string) {
				s := basicSpec("x", "1.0.0")
				s.provenance = "build_time: yesterday\n"
				writePkg(t, filepath.Join(src, "x"), s)
			},
			errs: []wantErr{{"x", "provenance.yaml", source.ErrInvalid}},
		},
		{
			name: "entries that are not packages are ignored",
			setup: func(t *testing.T, src string) {
				write(t, filepath.Join(src, "README.md"), "hi")
				write(t, filepath.Join(src, "notes", "todo.txt"), "x")
				write(t, filepath.Join(src, ".partial.tar.gz"), "garbage")
				write(t, filepath.Join(src, ".git", "manifest.yaml"), "garbage")
				pkg(t, src, "hello", "1.0.0")
			},
			want: []string{"hello 1.0.0 hello"},
		},
		{
			name: "an archive in a format that is not supported",
			setup: func(t *testing.T, src string) {
				write(t, filepath.Join(src, "bash-5.2.zip"), "PK")
				write(t, filepath.Join(src, "zsh-5.9.tar.lz"), "LZIP")
				pkg(t, src, "hello", "1.0.0")
			},
			want: []string{"hello 1.0.0 hello"},
			errs: []wantErr{{"bash-5.2.zip", "", source.ErrInvalid}, {"zsh-5.9.tar.lz", "", source.ErrInvalid}},
		},
		{
			name: "root/ without manifest.yaml",
			setup: func(t *testing.T, src string) {
				mkdir(t, filepath.Join(src, "half", "root", "bin"))
			},
			errs: []wantErr{{"half", "manifest.yaml", source.ErrInvalid}},
		},
		{
			name: "archive without manifest.yaml",
			setup: func(t *testing.T, src string) {
				d := filepath.Join(t.TempDir(), "p")
				mkdir(t, filepath.Join(d, "root"))
				write(t, filepath.Join(d, "root", "f"), "x")
				writeArchive(t, src, "p.tar", tarDir(t, d, tarOpts{}))
			},
			errs: []wantErr{{"p.tar", "manifest.yaml", source.ErrInvalid}},
		},
		{
			name: "a source directory that is a package itself",
			setup: func(t *testing.T, src string) {
				write(t, filepath.Join(src, "manifest.yaml"), manifest("x", "1"))
			},
			errs: []wantErr{{"src", "", source.ErrInvalid}},
		},
		{
			// Real packages ship both (tar's etc/rmt -> /usr/sbin/rmt): links are data.
			name: "symlinks out of root/, absolute and relative, are accepted",
			setup: func(t *testing.T, src string) {
				d := pkg(t, src, "hello", "1.0.0")
				for target, name := range map[string]string{"../../manifest.yaml": "root/bin/m", "/usr/sbin/rmt": "root/rmt"} {
					if err := os.Symlink(target, filepath.Join(d, name)); err != nil {
						t.Fatal(err)
					}
				}
				writeArchive(t, src, "hello.tar", tarDir(t, d, tarOpts{top: "t"}))
			},
			want: []string{"hello 1.0.0 hello"}, // the archive is the same package
		},
		{
			name: "FIFO in a package directory",
			setup: func(t *testing.T, src string) {
				d := pkg(t, src, "hello", "1.0.0")
				if err := syscall.Mkfifo(filepath.Join(d, "root/pipe"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			errs: []wantErr{{"hello", "root/pipe", archive.ErrSpecialFile}},
		},
		{
			// The audit's case: a file the package's author could not read, linked in, would be
			// published world-readable. Hard links within the package stay allowed.
			name: "hard link to a file outside the package",
			setup: func(t *testing.T, src string) {
				secret := filepath.Join(t.TempDir(), "secret")
				write(t, secret, "secret\n")
				if err := os.Chmod(secret, 0o600); err != nil {
					t.Fatal(err)
				}
				d := pkg(t, src, "hello", "1.0.0")
				mkdir(t, filepath.Join(d, "root/etc"))
				if err := os.Link(secret, filepath.Join(d, "root/etc/stolen")); err != nil {
					t.Fatal(err)
				}
				d = pkg(t, src, "inside", "1.0.0")
				if err := os.Link(filepath.Join(d, "root/share/doc/README"), filepath.Join(d, "root/README")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"inside 1.0.0 inside"},
			errs: []wantErr{{"hello", "root/etc/stolen", archive.ErrLinkEscape}},
		},
		{
			name: "manifest.yaml is a symlink",
			setup: func(t *testing.T, src string) {
				d := pkg(t, src, "hello", "1.0.0")
				if err := os.Rename(filepath.Join(d, "manifest.yaml"), filepath.Join(d, "m.yaml")); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("m.yaml", filepath.Join(d, "manifest.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			errs: []wantErr{{"hello", "manifest.yaml", source.ErrInvalid}},
		},
		{
			name: "root is a file",
			setup: func(t *testing.T, src string) {
				write(t, filepath.Join(src, "x", "manifest.yaml"), manifest("x", "1"))
				write(t, filepath.Join(src, "x", "root"), "not a directory")
			},
			errs: []wantErr{{"x", "root", source.ErrInvalid}},
		},
		{
			name: "a linked-in package directory",
			setup: func(t *testing.T, src string) {
				d := pkg(t, t.TempDir(), "hello", "1.0.0")
				if err := os.Symlink(d, filepath.Join(src, "linked")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"hello 1.0.0 linked"},
		},
		{
			name: "a dangling symlink",
			setup: func(t *testing.T, src string) {
				if err := os.Symlink("nowhere", filepath.Join(src, "gone.tar")); err != nil {
					t.Fatal(err)
				}
			},
			errs: []wantErr{{"gone.tar", "", fs.ErrNotExist}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			mkdir(t, src)
			tc.setup(t, src)
			pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
			var got []string
			for _, p := range pkgs {
				base := filepath.Base(p.Origin)
				if strings.Contains(strings.Join(tc.want, ""), "?") {
					base = "?"
				}
				got = append(got, fmt.Sprintf("%s %s %s", p.Manifest.Name, p.Manifest.Version, base))
				if !filepath.IsAbs(p.Origin) || filepath.Dir(p.Origin) != src {
					t.Errorf("Origin %q is not an absolute path in %s", p.Origin, src)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("packages:\n got %q\nwant %q", got, tc.want)
			}
			checkErrs(t, err, tc.errs)
		})
	}
}

// checkErrs checks that err joins exactly one *source.Error per wanted error.
func checkErrs(t *testing.T, err error, want []wantErr) {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	if len(errs) != len(want) {
		t.Fatalf("errors: got %d (%v); want %d", len(errs), err, len(want))
	}
	for i, e := range errs {
		var se *source.Error
		if !errors.As(e, &se) {
			t.Errorf("error %v is not a *source.Error", e)
			continue
		}
		w := want[i]
		if filepath.Base(se.Origin) != w.origin || se.Entry != w.entry || !errors.Is(e, w.is) {
			t.Errorf("error %q: origin %q entry %q; want origin %q entry %q wrapping %q", e, filepath.Base(se.Origin), se.Entry, w.origin, w.entry, w.is)
		}
		if !strings.Contains(e.Error(), se.Origin) {
			t.Errorf("error %q does not name the origin", e)
		}
	}
}

func TestScanDirectoryOrderAndDuplicates(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	d := filepath.Join(b, "hello")
	writePkg(t, d, basicSpec("hello", "1.0.0"))
	writeArchive(t, a, "z.tar", tarDir(t, d, tarOpts{}))
	pkgs, err := source.Scan(context.Background(), []string{a, b, a}, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Origin != filepath.Join(a, "z.tar") {
		t.Fatalf("got %d packages (first from %v); want 1, from the first directory given", len(pkgs), pkgs[0].Origin)
	}
	pkgs, err = source.Scan(context.Background(), []string{b, a}, archive.Limits{})
	if err != nil || len(pkgs) != 1 || pkgs[0].Origin != d {
		t.Fatalf("Scan(b, a) = %d packages, %v; want the one from b", len(pkgs), err)
	}
}

func TestScanMissingDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := source.Scan(context.Background(), []string{missing}, archive.Limits{})
	checkErrs(t, err, []wantErr{{"nope", "", fs.ErrNotExist}})
}

func TestScanFiles(t *testing.T) {
	src := t.TempDir()
	d := filepath.Join(src, "hello")
	writePkg(t, d, basicSpec("hello", "1.0.0"))
	// Modes are normalised: sticky bits, umask-like differences and directory modes do not
	// show; a file's setuid and setgid bits do.
	for rel, mode := range map[string]fs.FileMode{
		"root/bin/hello":        0o750 | fs.ModeSetuid,
		"root/share/doc/README": 0o600,
		"root/lib":              0o700,
		"root/share":            0o775 | fs.ModeSetgid,
	} {
		if err := os.Chmod(filepath.Join(d, rel), mode); err != nil {
			t.Fatal(err)
		}
	}
	p := scanOne(t, src)
	var paths []string
	for _, f := range p.Files {
		paths = append(paths, fmt.Sprintf("%s %v %o %d %s", f.Path, f.Type, f.Mode, f.Size, f.Target))
	}
	want := []string{
		"bin directory 755 0 ",
		fmt.Sprintf("bin/hello regular file %o 21 ", 0o755|fs.ModeSetuid),
		"bin/hello-alias symlink 777 0 hello",
		"lib directory 755 0 ",
		"share directory 755 0 ",
		"share/doc directory 755 0 ",
		"share/doc/README regular file 644 8 ",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("Files:\n got %q\nwant %q", paths, want)
	}
	if p.Files[1].SHA256 == [32]byte{} || p.Files[0].SHA256 != [32]byte{} {
		t.Error("SHA256 must be set for regular files only")
	}
	if p.Provenance != nil {
		t.Error("Provenance is set for a package without provenance.yaml")
	}
	if len(p.Deps.Dependencies) != 1 || p.Deps.Dependencies[0].Name != "libc" {
		t.Errorf("Deps = %+v", p.Deps)
	}
}

func TestScanCancelled(t *testing.T) {
	src := t.TempDir()
	writePkg(t, filepath.Join(src, "hello"), basicSpec("hello", "1.0.0"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pkgs, err := source.Scan(ctx, []string{src}, archive.Limits{})
	if !errors.Is(err, context.Canceled) || pkgs != nil {
		t.Fatalf("Scan = %d packages, %v; want none and context.Canceled", len(pkgs), err)
	}
}
