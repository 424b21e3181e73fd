package source_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// richSpec has a bit of everything Materialize must get right.
func richSpec() pkgSpec {
	s := basicSpec("hello", "1.2.3")
	s.files["bin/hello2"] = "#!/bin/sh\necho hello\n" // same content: a hard link in some archives
	s.files["etc/"] = ""
	s.files["etc/secret"] = "s3cret"
	s.files["ro/"] = ""
	s.files["ro/inner/"] = ""
	s.files["ro/inner/f"] = "deep"
	s.files["lib/libhello.so.1"] = strings.Repeat("\x7fELF", 50000)
	s.files["lib/libhello.so"] = "-> libhello.so.1"
	s.files["up"] = "-> share/doc/.."
	s.files["etc/cert.pem"] = "-> /etc/ssl/certs/ca-certificates.crt" // links are data: as shipped
	s.files["etc/rmt"] = "-> ../../../usr/sbin/rmt"
	s.files["bin/linked"] = "=> bin/hello" // a hard link in every form
	s.files["bin/wall"] = "#!/bin/sh\n"
	// Modes are normalised: written back as 0755 (directories, executables) or 0644, with a
	// file's setuid and setgid bits as shipped.
	s.modes["bin/hello"] = 0o755 | fs.ModeSetuid
	s.modes["bin/wall"] = 0o711 | fs.ModeSetgid
	s.modes["bin/hello2"] = 0o700
	s.modes["etc/secret"] = 0o400
	s.modes["share/doc/README"] = 0o664
	s.modes["ro/"] = 0o555
	s.modes["ro/inner/"] = 0o500
	s.modes["lib/"] = 0o775
	return s
}

// materialize scans origin's package from src and materialises it into a fresh directory
// named "pkg" inside a new source directory, which it returns with the package.
func materialize(t *testing.T, src string) (*source.Package, string) {
	t.Helper()
	p := scanOne(t, src)
	out := filepath.Join(t.TempDir(), "out")
	dest := filepath.Join(out, "pkg")
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Materialize(context.Background(), dest, now); err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	return p, out
}

func TestMaterializeRoundTrip(t *testing.T) {
	pkgDir := filepath.Join(t.TempDir(), "hello")
	writePkg(t, pkgDir, richSpec())
	forms := map[string]func(t *testing.T) string{
		"directory": func(*testing.T) string { return filepath.Dir(pkgDir) },
		"tar.xz":    func(t *testing.T) string { return archiveSrc(t, "p.tar.xz", tarDir(t, pkgDir, tarOpts{})) },
		"tbz2":      func(t *testing.T) string { return archiveSrc(t, "p.tbz2", tarDir(t, pkgDir, tarOpts{top: "x"})) },
		"tar":       func(t *testing.T) string { return archiveSrc(t, "p.tar", tarDir(t, pkgDir, tarOpts{})) },
		"tar.gz with top folder, reversed": func(t *testing.T) string {
			return archiveSrc(t, "p.tar.gz", tarDir(t, pkgDir, tarOpts{top: "hello-1.2.3", reverse: true}))
		},
		"tar.zst with hard links": func(t *testing.T) string {
			return archiveSrc(t, "p.tar.zst", tarDir(t, pkgDir, tarOpts{hardlinks: true, stamp: 99}))
		},
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			p, out := materialize(t, form(t))
			dest := filepath.Join(out, "pkg")

			again := scanOne(t, out)
			if again.BuildID != p.BuildID {
				t.Errorf("re-scanned build-id %s; scanned %s", again.BuildID, p.BuildID)
			}
			if !slices.Equal(again.Files, p.Files) {
				t.Errorf("re-scanned files differ:\n%+v\n%+v", again.Files, p.Files)
			}

			checkMode := func(rel string, want fs.FileMode) {
				fi, err := os.Lstat(filepath.Join(dest, rel))
				if err != nil {
					t.Error(err)
					return
				}
				if got := fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky | fs.ModeType); got != want {
					t.Errorf("%s: mode %v; want %v", rel, got, want)
				}
				if fi.Mode()&fs.ModeSymlink == 0 && fi.ModTime().Unix() != source.ModTime {
					t.Errorf("%s: mtime %v; want %v", rel, fi.ModTime(), source.ModTime)
				}
			}
			checkMode("root", fs.ModeDir|0o755)
			checkMode("root/bin/hello", 0o755|fs.ModeSetuid)
			checkMode("root/bin/linked", 0o755|fs.ModeSetuid)
			checkMode("root/bin/wall", 0o755|fs.ModeSetgid)
			hello2 := fs.FileMode(0o755)
			if strings.Contains(name, "hard links") { // hello2 is then another name of hello
				hello2 |= fs.ModeSetuid
			}
			checkMode("root/bin/hello2", hello2)
			checkLinked(t, dest, "root/bin/hello", "root/bin/linked", true)
			checkLinked(t, dest, "root/bin/hello", "root/bin/hello2", strings.Contains(name, "hard links"))
			checkMode("root/etc/secret", 0o644)
			checkMode("root/share/doc/README", 0o644)
			checkMode("root/ro", fs.ModeDir|0o755)
			checkMode("root/ro/inner", fs.ModeDir|0o755)
			checkMode("root/ro/inner/f", 0o644)
			checkMode("root/lib", fs.ModeDir|0o755)
			checkMode("root/lib/libhello.so.1", 0o644)
			checkMode("manifest.yaml", 0o644)
			for link, want := range map[string]string{
				"root/lib/libhello.so": "libhello.so.1",
				"root/etc/cert.pem":    "/etc/ssl/certs/ca-certificates.crt",
				"root/etc/rmt":         "../../../usr/sbin/rmt",
			} {
				if target, err := os.Readlink(filepath.Join(dest, link)); err != nil || target != want {
					t.Errorf("readlink %s = %q, %v; want %q", link, target, err, want)
				}
			}
			if b, err := os.ReadFile(filepath.Join(dest, "root/lib/libhello.so.1")); err != nil || string(b) != strings.Repeat("\x7fELF", 50000) {
				t.Errorf("content of libhello.so.1 is wrong (%v)", err)
			}
			for file, want := range map[string][]byte{
				"manifest.yaml":   p.Manifest.Marshal(),
				"deps.yaml":       p.Deps.Marshal(),
				"provenance.yaml": pkgmeta.Provenance{BuildTime: now.Unix(), Builder: "axiom-reconcile", SourceURL: p.Origin}.Marshal(),
			} {
				if got, err := os.ReadFile(filepath.Join(dest, file)); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s:\n%s\nwant\n%s (%v)", file, got, want, err)
				}
			}
		})
	}
}

// checkLinked checks whether two names in dest are one file.
func checkLinked(t *testing.T, dest, a, b string, want bool) {
	t.Helper()
	fa, err1 := os.Lstat(filepath.Join(dest, a))
	fb, err2 := os.Lstat(filepath.Join(dest, b))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if os.SameFile(fa, fb) != want {
		t.Errorf("%s and %s: one file = %v; want %v", a, b, !want, want)
	}
}

// TestMaterializeOwnsAsRoot: run as root, everything written belongs to root, even where the
// destination would give it another group (a setgid directory), and chown does not cost a
// file its setuid bit.
func TestMaterializeOwnsAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("Materialize makes root the owner only when run as root")
	}
	pkgDir := filepath.Join(t.TempDir(), "hello")
	writePkg(t, pkgDir, richSpec())
	p := scanOne(t, filepath.Dir(pkgDir))
	dest := filepath.Join(t.TempDir(), "pkg")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dest, 0, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dest, 0o755|fs.ModeSetgid); err != nil { // children inherit group 4242
		t.Fatal(err)
	}
	if err := p.Materialize(context.Background(), dest, now); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dest {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: owner %d:%d; want 0:0", path, st.Uid, st.Gid)
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d entries: %v", n, err)
	}
	if fi, err := os.Stat(filepath.Join(dest, "root/bin/hello")); err != nil || fi.Mode()&fs.ModeSetuid == 0 {
		t.Errorf("root/bin/hello lost its setuid bit (%v)", err)
	}
}

func archiveSrc(t *testing.T, name string, data []byte) string {
	src := t.TempDir()
	writeArchive(t, src, name, data)
	return src
}

// TestMaterializeIsReproducible: the same package materialised twice (same now) gives the
// same tree, byte for byte, mode for mode, time for time.
func TestMaterializeIsReproducible(t *testing.T) {
	src := t.TempDir()
	writePkg(t, filepath.Join(src, "hello"), richSpec())
	_, out1 := materialize(t, src)
	_, out2 := materialize(t, src)
	// The listing starts below dest: dest itself is the caller's (a dataset's root), made at
	// wall-clock time, so its own mtime is not the package's.
	dest1, dest2 := filepath.Join(out1, "pkg"), filepath.Join(out2, "pkg")
	if a, b := treeListing(t, dest1), treeListing(t, dest2); !slices.Equal(a, b) {
		t.Errorf("two materialisations differ:\n%q\n%q", a, b)
	}
}

func treeListing(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		line := fmt.Sprintf("%s %v", rel, fi.Mode())
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" sha256:%x %d", sha256.Sum256(b), fi.ModTime().Unix())
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case rel != ".":
			line += fmt.Sprint(" ", fi.ModTime().Unix())
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMaterializeKeepsProvenance(t *testing.T) {
	src := t.TempDir()
	s := basicSpec("hello", "1.0.0")
	s.provenance = "# built by CI\nbuild_time: 1700000000\nbuilder: \"ci\"\nsource_url: https://example.org/hello.tar.gz\n"
	writePkg(t, filepath.Join(src, "hello"), s)
	p, out := materialize(t, src)
	got, err := os.ReadFile(filepath.Join(out, "pkg", "provenance.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := "build_time: 1700000000\nbuilder: ci\nsource_url: https://example.org/hello.tar.gz\n"
	if string(got) != want || p.Provenance == nil || p.Provenance.Builder != "ci" {
		t.Errorf("provenance.yaml:\n%s\nwant\n%s", got, want)
	}
}

// TestMaterializeChanged edits the origin between Scan and Materialize.
func TestMaterializeChanged(t *testing.T) {
	edit := func(rel, body string) func(t *testing.T, d string) {
		return func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, rel), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := map[string]func(t *testing.T, d string){
		"content edited, same size": edit("root/share/doc/README", "read mE\n"),
		"content edited, new size":  edit("root/share/doc/README", "read me, please\n"),
		"file added":                edit("root/share/doc/NEWS", "news\n"),
		"manifest edited":           edit("manifest.yaml", manifest("hello", "1.0.0")+"license: MIT\n"),
		"deps edited":               edit("deps.yaml", "dependencies: []\n"),
		"provenance added":          edit("provenance.yaml", "build_time: 1\nbuilder: x\n"),
		"manifest broken":           edit("manifest.yaml", "name: [\n"),
		"file removed":              func(t *testing.T, d string) { must(t, os.Remove(filepath.Join(d, "root/share/doc/README"))) },
		"execute bit cleared":       func(t *testing.T, d string) { must(t, os.Chmod(filepath.Join(d, "root/bin/hello"), 0o644)) },
		"execute bit set":           func(t *testing.T, d string) { must(t, os.Chmod(filepath.Join(d, "root/share/doc/README"), 0o744)) },
		"symlink retargeted":        func(t *testing.T, d string) { relink(t, filepath.Join(d, "root/bin/hello-alias"), "../bin/hello") },
		"package removed":           func(t *testing.T, d string) { must(t, os.RemoveAll(d)) },
		"file became a FIFO":        func(t *testing.T, d string) { fifo(t, filepath.Join(d, "root/share/doc/README")) },
		"symlink now escapes root/": func(t *testing.T, d string) {
			relink(t, filepath.Join(d, "root/bin/hello-alias"), "../../manifest.yaml")
		},
		"executable edited, same size": edit("root/bin/hello", "#!/bin/sh\necho HELLO\n"),
		// The same file, but now also linked from outside the package: it could be replaced by
		// one the package's author cannot read, through the other name.
		"file linked from outside": func(t *testing.T, d string) {
			must(t, os.Link(filepath.Join(d, "root/share/doc/README"), filepath.Join(t.TempDir(), "outside")))
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			src := t.TempDir()
			d := filepath.Join(src, "hello")
			writePkg(t, d, basicSpec("hello", "1.0.0"))
			p := scanOne(t, src)
			change(t, d)
			dest := t.TempDir()
			err := p.Materialize(context.Background(), dest, now)
			if !errors.Is(err, source.ErrChanged) {
				t.Fatalf("Materialize = %v; want ErrChanged", err)
			}
			var se *source.Error
			if !errors.As(err, &se) || se.Origin != d {
				t.Errorf("error %v does not name the origin %s", err, d)
			}
		})
	}

	t.Run("archive replaced", func(t *testing.T) {
		src := t.TempDir()
		d := filepath.Join(t.TempDir(), "hello")
		writePkg(t, d, basicSpec("hello", "1.0.0"))
		a := writeArchive(t, src, "hello.tar.gz", tarDir(t, d, tarOpts{}))
		p := scanOne(t, src)
		edit("root/share/doc/README", "READ ME\n")(t, d)
		writeArchive(t, src, "hello.tar.gz", tarDir(t, d, tarOpts{}))
		err := p.Materialize(context.Background(), t.TempDir(), now)
		if !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), a) {
			t.Fatalf("Materialize = %v; want ErrChanged naming %s", err, a)
		}
	})
}

// TestMaterializeIgnoresUmaskModes: a chmod between Scan and Materialize that normalisation
// hides (as a checkout with another umask would differ) is not a change of the package.
func TestMaterializeIgnoresUmaskModes(t *testing.T) {
	src := t.TempDir()
	d := filepath.Join(src, "hello")
	writePkg(t, d, basicSpec("hello", "1.0.0"))
	p := scanOne(t, src)
	for rel, mode := range map[string]fs.FileMode{
		"root/bin/hello":        0o700,
		"root/share/doc/README": 0o664,
		"root/lib":              0o775,
		"root/share":            0o700,
	} {
		must(t, os.Chmod(filepath.Join(d, rel), mode))
	}
	dest := t.TempDir()
	if err := p.Materialize(context.Background(), dest, now); err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	for rel, want := range map[string]fs.FileMode{
		"root/bin/hello":        0o755,
		"root/share/doc/README": 0o644,
		"root/lib":              fs.ModeDir | 0o755,
		"root/share":            fs.ModeDir | 0o755,
	} {
		fi, err := os.Lstat(filepath.Join(dest, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (fs.ModePerm | fs.ModeType); got != want {
			t.Errorf("%s: mode %v; want %v", rel, got, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func relink(t *testing.T, p, target string) {
	must(t, os.Remove(p))
	must(t, os.Symlink(target, p))
}

func fifo(t *testing.T, p string) {
	must(t, os.Remove(p))
	must(t, syscall.Mkfifo(p, 0o644))
}

func TestMaterializeNeedsAnEmptyDirectory(t *testing.T) {
	src := t.TempDir()
	writePkg(t, filepath.Join(src, "hello"), basicSpec("hello", "1.0.0"))
	p := scanOne(t, src)

	dest := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dest, "stray"), nil, 0o644))
	if err := p.Materialize(context.Background(), dest, now); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Materialize into a non-empty directory = %v; want an error", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "root")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Materialize wrote into a directory it refused")
	}
	if err := p.Materialize(context.Background(), filepath.Join(dest, "missing"), now); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Materialize into a missing directory = %v; want fs.ErrNotExist", err)
	}
}

func TestMaterializeCancelled(t *testing.T) {
	src := t.TempDir()
	writePkg(t, filepath.Join(src, "hello"), basicSpec("hello", "1.0.0"))
	p := scanOne(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Materialize(ctx, t.TempDir(), now); !errors.Is(err, context.Canceled) {
		t.Fatalf("Materialize = %v; want context.Canceled", err)
	}
}
