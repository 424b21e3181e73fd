package source_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// pkgSpec describes a package directory for a test. files maps a path under root/ to its
// content; a content "-> target" makes a symlink, "=> path" a hard link to the file at path
// (under root/, which must sort before it), and a path ending in "/" a directory.
type pkgSpec struct {
	manifest   string
	deps       string // written when not empty
	provenance string // written when not empty
	files      map[string]string
	modes      map[string]fs.FileMode // overrides for files and directories under root/
}

func manifest(name, ver string) string {
	return "format_version: \"1.0\"\nname: " + name + "\nversion: " + ver + "\nrevision: 1\ndescription: test package\n"
}

func basicSpec(name, ver string) pkgSpec {
	return pkgSpec{
		manifest: manifest(name, ver),
		deps:     "dependencies:\n  - name: libc\n    version: \">=1.0.0\"\n    constraint: range\n",
		files: map[string]string{
			"bin/":                   "",
			"bin/" + name:            "#!/bin/sh\necho " + name + "\n",
			"bin/" + name + "-alias": "-> " + name,
			"share/doc/README":       "read me\n",
			"lib/":                   "",
		},
		modes: map[string]fs.FileMode{"bin/" + name: 0o755},
	}
}

// writePkg creates the package directory dir.
func writePkg(t testing.TB, dir string, s pkgSpec) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "root"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(s.manifest), 0o644))
	if s.deps != "" {
		must(os.WriteFile(filepath.Join(dir, "deps.yaml"), []byte(s.deps), 0o644))
	}
	if s.provenance != "" {
		must(os.WriteFile(filepath.Join(dir, "provenance.yaml"), []byte(s.provenance), 0o644))
	}
	paths := make([]string, 0, len(s.files))
	for p := range s.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		full := filepath.Join(dir, "root", p)
		body := s.files[p]
		switch {
		case strings.HasSuffix(p, "/"):
			must(os.MkdirAll(full, 0o755))
		case strings.HasPrefix(body, "-> "):
			must(os.MkdirAll(filepath.Dir(full), 0o755))
			must(os.Symlink(strings.TrimPrefix(body, "-> "), full))
		case strings.HasPrefix(body, "=> "):
			must(os.MkdirAll(filepath.Dir(full), 0o755))
			must(os.Link(filepath.Join(dir, "root", strings.TrimPrefix(body, "=> ")), full))
		default:
			must(os.MkdirAll(filepath.Dir(full), 0o755))
			must(os.WriteFile(full, []byte(body), 0o644))
		}
	}
	// Modes last, deepest first, so that a read-only directory can still be filled.
	slices.Reverse(paths)
	for _, p := range paths {
		if m, ok := s.modes[p]; ok {
			must(os.Chmod(filepath.Join(dir, "root", p), m))
		}
	}
}

// tarOpts says how tarDir writes an archive of a package directory.
type tarOpts struct {
	top       string // a top-level folder to put everything under
	reverse   bool   // entries in reverse order (children before their directories)
	noDirs    bool   // leave out directories that are not empty; the archive only implies them
	hardlinks bool   // write files with identical content as hard links to the first
	// (files that are hard links in dir are always written as hard links, as GNU tar does)
	stamp int64 // mtime, uid and gid of every entry, so that metadata varies
}

// tarDir archives the package directory dir with archive/tar.
func tarDir(t testing.TB, dir string, o tarOpts) []byte {
	t.Helper()
	var hdrs []*tar.Header
	bodies := map[string][]byte{}
	first := map[string]string{}  // content → name of the first file with it
	inodes := map[uint64]string{} // inode → name of the first file with it
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if o.top != "" {
			rel = o.top + "/" + rel
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		h := &tar.Header{Name: rel, Mode: int64(fi.Mode().Perm()), ModTime: time.Unix(o.stamp, 0), Uid: int(o.stamp % 1000), Gid: int(o.stamp % 777)}
		if fi.Mode()&fs.ModeSetuid != 0 {
			h.Mode |= 0o4000
		}
		if fi.Mode()&fs.ModeSetgid != 0 {
			h.Mode |= 0o2000
		}
		switch {
		case d.IsDir():
			if o.noDirs {
				if des, err := os.ReadDir(p); err != nil || len(des) > 0 {
					return err // implied by what is in it
				}
			}
			h.Typeflag, h.Name = tar.TypeDir, rel+"/"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			h.Typeflag, h.Linkname = tar.TypeSymlink, target
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			ino := fi.Sys().(*syscall.Stat_t).Ino
			if prev, ok := inodes[ino]; ok {
				h.Typeflag, h.Linkname = tar.TypeLink, prev
				break
			}
			if prev, ok := first[string(b)]; ok && o.hardlinks {
				h.Typeflag, h.Linkname = tar.TypeLink, prev
				break
			}
			first[string(b)], inodes[ino] = rel, rel
			h.Typeflag, h.Size = tar.TypeReg, int64(len(b))
			bodies[rel] = b
		}
		hdrs = append(hdrs, h)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.reverse && !o.hardlinks {
		slices.Reverse(hdrs)
		fixLinkOrder(hdrs, bodies)
	}
	if o.top != "" && !o.noDirs && !o.reverse {
		hdrs = append([]*tar.Header{{Typeflag: tar.TypeDir, Name: o.top + "/", Mode: 0o755}}, hdrs...)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(bodies[h.Name]); err != nil && h.Typeflag == tar.TypeReg {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fixLinkOrder makes each hard link in hdrs follow its target, as tar requires, by swapping the
// roles of a link and its target where the link comes first.
func fixLinkOrder(hdrs []*tar.Header, bodies map[string][]byte) {
	seen := map[string]bool{}
	renamed := map[string]string{} // old target → the name that now holds the content
	for _, h := range hdrs {
		switch {
		case h.Typeflag == tar.TypeLink && renamed[h.Linkname] != "":
			h.Linkname = renamed[h.Linkname]
		case h.Typeflag == tar.TypeLink && !seen[h.Linkname]:
			target := h.Linkname
			h.Typeflag, h.Linkname, h.Size = tar.TypeReg, "", int64(len(bodies[target]))
			bodies[h.Name] = bodies[target]
			renamed[target] = h.Name
		case h.Typeflag == tar.TypeReg && renamed[h.Name] != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, renamed[h.Name], 0
		}
		seen[h.Name] = true
	}
}

// compress compresses b as name's suffix asks.
func compress(t testing.TB, name string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch {
	case strings.HasSuffix(name, ".gz"), strings.HasSuffix(name, ".tgz"):
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	case strings.HasSuffix(name, ".xz"), strings.HasSuffix(name, ".txz"):
		xw, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		xw.Write(b)
		if err := xw.Close(); err != nil {
			t.Fatal(err)
		}
	case strings.HasSuffix(name, ".bz2"), strings.HasSuffix(name, ".tbz2"):
		// The standard library only decompresses bzip2: the tests need the bzip2 program.
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bzip2 (the tests need the bzip2 program): %v", err)
		}
		return out
	case strings.HasSuffix(name, ".zst"):
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	default:
		return b
	}
	return buf.Bytes()
}

func writeArchive(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, compress(t, name, data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
