package archive_test

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// FuzzWalk feeds arbitrary bytes to Walk as a .tar, as the content of a .tar.gz and a .tar.xz,
// and raw as a .tar.gz, .tar.xz and .tar.bz2 (the seeds include valid xz and bzip2 streams).
// Walk must never panic, and every entry it yields must be safe: a clean relative path without
// "..", a known type, a normalised mode (0755 for a directory, 0755 or 0644 for a file, plus
// setuid or setgid, 0777 for a symlink), content of exactly its size, each path once, nothing
// beneath a symlink or a file, and hard links only to an earlier file.
//
// Each run takes milliseconds and tar seeds are kilobytes, so minimising a new input for the
// default 60 s stalls the fuzzer; run it with a short minimisation time:
//
//	go test ./internal/archive -run '^$' -fuzz FuzzWalk -fuzztime 5m -fuzzminimizetime 2s
func FuzzWalk(f *testing.F) {
	f.Add(tarOf(f, dir("p/"), file("p/manifest.yaml", "name: x\n"), symlink("p/root/l", "../manifest.yaml"), hardlink("p/h", "p/manifest.yaml")))
	f.Add(tarOf(f, file("../x", "x")))
	f.Add(tarOf(f, symlink("a", "b"), file("a/c", "")))
	f.Add(tarOf(f, dir("a/"), symlink("a/l1", ".."), symlink("a/l2", "l1/..")))
	f.Add(tarOf(f, file(strings.Repeat("d", 200)+"/long", "x")))
	f.Add(tarOf(f, member{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "g", PAXRecords: map[string]string{"comment": "c"}}}, fileMode("s", "x", 0o4755)))
	f.Add([]byte{})
	f.Add(xzOf(f, tarOf(f, file("p/manifest.yaml", "name: x\n"), symlink("p/root/l", "/etc/x"), hardlink("p/h", "p/manifest.yaml"))))
	f.Add(bzip2Of(f, tarOf(f, file("p/manifest.yaml", "name: x\n"), fileMode("p/root/su", "x", 0o4755), hardlink("p/h", "p/manifest.yaml"))))
	lim := archive.Limits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxEntries: 1000}
	// One directory for every run: t.TempDir's random names would make coverage flaky.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		inputs := map[string][]byte{
			"f.tar":       data,
			"g.tar.gz":    gzipOf(t, data),
			"raw.tar.gz":  data,
			"x.tar.xz":    xzOf(t, data),
			"raw.tar.xz":  data,
			"raw.tar.bz2": data,
		}
		for name, b := range inputs {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			seen := make(map[string]archive.Type)
			err := archive.Walk(context.Background(), p, lim, func(e archive.Entry, r io.Reader) error {
				checkSafe(t, e)
				checkPlace(t, e, seen)
				n, err := io.Copy(io.Discard, r)
				if err != nil {
					return err
				}
				if n != e.Size {
					t.Errorf("%q: %d bytes of content, Size %d", e.Path, n, e.Size)
				}
				return nil
			})
			_ = err // any rejection is fine; what matters is what was yielded
		}
	})
}

func checkSafe(t *testing.T, e archive.Entry) {
	t.Helper()
	p := e.Path
	if p == "" || p == "." || path.Clean(p) != p || strings.HasPrefix(p, "/") || len(p) > archive.DefaultMaxPathLen {
		t.Errorf("unclean path %q", p)
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			t.Errorf("path %q has a .. component", p)
		}
	}
	if strings.ContainsAny(p, "\\\x00") || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		t.Errorf("path %q has a forbidden character", p)
	}
	if l := strings.ToLower(p); strings.Contains(l, "%2e") || strings.Contains(l, "%2f") || strings.Contains(l, "%5c") || strings.Contains(l, "%00") {
		t.Errorf("path %q is percent-encoded", p)
	}
	switch e.Type {
	case archive.Regular, archive.Dir:
		if e.Target != "" {
			t.Errorf("%q: a %v with a target", p, e.Type)
		}
		m := e.Mode
		if e.Type == archive.Regular {
			m &^= fs.ModeSetuid | fs.ModeSetgid
		}
		if m != 0o755 && (e.Type == archive.Dir || m != 0o644) {
			t.Errorf("%q: a %v with mode %v", p, e.Type, e.Mode)
		}
	case archive.Symlink:
		if e.Target == "" || strings.IndexByte(e.Target, 0) >= 0 || len(e.Target) > archive.DefaultMaxPathLen || e.Mode != 0o777 {
			t.Errorf("%q: bad symlink %q mode %v", p, e.Target, e.Mode)
		}
	default:
		t.Errorf("%q: unknown type %v", p, e.Type)
	}
	if e.Type != archive.Regular && e.Size != 0 {
		t.Errorf("%q: a %v with size %d", p, e.Type, e.Size)
	}
}

// checkPlace checks an entry against those yielded before it (seen): each path once, nothing
// beneath a symlink or a file (writing it would go through the link), and a hard link's Link
// an earlier regular file.
func checkPlace(t *testing.T, e archive.Entry, seen map[string]archive.Type) {
	t.Helper()
	if _, dup := seen[e.Path]; dup {
		t.Errorf("path %q yielded twice", e.Path)
	}
	seen[e.Path] = e.Type
	for d := path.Dir(e.Path); d != "."; d = path.Dir(d) {
		if k, ok := seen[d]; ok && k != archive.Dir {
			t.Errorf("%q lies beneath %v %q", e.Path, k, d)
		}
	}
	if e.Link != "" && (e.Type != archive.Regular || seen[e.Link] != archive.Regular || e.Link == e.Path) {
		t.Errorf("%q: hard link to %q, not an earlier regular file", e.Path, e.Link)
	}
}
