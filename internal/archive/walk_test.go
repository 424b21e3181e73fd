package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// TestWalkRejects is the corpus of hostile archives: one case per attack, each checked in
// every format. A rejection must name the archive and the entry, carry the right sentinel,
// and come before the callback has seen anything.
func TestWalkRejects(t *testing.T) {
	big := strings.Repeat("x", 2000)
	cases := []struct {
		name    string
		members []member
		lim     archive.Limits
		entry   string
		want    error
	}{
		{"absolute path", []member{file("/etc/passwd", "x")}, archive.Limits{}, "/etc/passwd", archive.ErrUnsafePath},
		{"dot-dot traversal", []member{file("../x", "x")}, archive.Limits{}, "../x", archive.ErrUnsafePath},
		{"nested dot-dot", []member{dir("a/"), file("a/../../x", "x")}, archive.Limits{}, "a/../../x", archive.ErrUnsafePath},
		{"dot-dot inside the tree", []member{file("a/../b", "x")}, archive.Limits{}, "a/../b", archive.ErrUnsafePath},
		{"percent-encoded dots", []member{file("%2e%2e/x", "x")}, archive.Limits{}, "%2e%2e/x", archive.ErrUnsafePath},
		{"percent-encoded slash", []member{file("a%2Fb", "x")}, archive.Limits{}, "a%2Fb", archive.ErrUnsafePath},
		{"percent-encoded backslash", []member{file("a%5cb", "x")}, archive.Limits{}, "a%5cb", archive.ErrUnsafePath},
		{"percent-encoded NUL", []member{file("a%00b", "x")}, archive.Limits{}, "a%00b", archive.ErrUnsafePath},
		{"percent-encoded control", []member{file("a%0eb", "x")}, archive.Limits{}, "a%0eb", archive.ErrUnsafePath},
		{"backslash", []member{file(`..\x`, "x")}, archive.Limits{}, `..\x`, archive.ErrUnsafePath},
		{"control character", []member{file("a\nb", "x")}, archive.Limits{}, "a\nb", archive.ErrUnsafePath},
		{"DEL character", []member{file("a\x7fb", "x")}, archive.Limits{}, "a\x7fb", archive.ErrUnsafePath},
		{"file naming the root", []member{file(".", "")}, archive.Limits{}, ".", archive.ErrUnsafePath},
		{"name too long", []member{file(strings.Repeat("a/", 600)+"x", "x")}, archive.Limits{}, strings.Repeat("a/", 600) + "x", archive.ErrUnsafePath},
		{"symlink target too long", []member{symlink("a", strings.Repeat("t/", 40))}, archive.Limits{MaxPathLen: 64}, "a", archive.ErrUnsafePath},
		{"symlink with an empty target", []member{symlink("a", "")}, archive.Limits{}, "a", archive.ErrUnsafePath},
		{"entry beneath a symlink", []member{symlink("a", "b"), dir("b/"), file("a/passwd", "x")}, archive.Limits{}, "a/passwd", archive.ErrLinkEscape},
		{"entry beneath an absolute symlink", []member{symlink("etc", "/etc"), file("etc/passwd", "x")}, archive.Limits{}, "etc/passwd", archive.ErrLinkEscape},
		{"directory beneath a symlink leaving the tree", []member{symlink("a", "../../x"), dir("a/b/")}, archive.Limits{}, "a/b/", archive.ErrLinkEscape},
		{"entry beneath a symlink listed later", []member{file("etc/passwd", "x"), symlink("etc", "/etc")}, archive.Limits{}, "etc/passwd", archive.ErrLinkEscape},
		{"hard link escaping", []member{hardlink("x", "../../etc/shadow")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"hard link absolute", []member{hardlink("x", "/etc/shadow")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"hard link to a later entry", []member{hardlink("x", "y"), file("y", "data")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"hard link to a missing entry", []member{file("y", "data"), hardlink("x", "z")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"hard link to a directory", []member{dir("d/"), hardlink("x", "d")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"hard link to a symlink", []member{symlink("s", "y"), file("y", "data"), hardlink("x", "s")}, archive.Limits{}, "x", archive.ErrLinkEscape},
		{"character device", []member{special("dev/null", tar.TypeChar)}, archive.Limits{}, "dev/null", archive.ErrSpecialFile},
		{"block device", []member{special("dev/sda", tar.TypeBlock)}, archive.Limits{}, "dev/sda", archive.ErrSpecialFile},
		{"FIFO", []member{special("pipe", tar.TypeFifo)}, archive.Limits{}, "pipe", archive.ErrSpecialFile},
		{"unknown entry type", []member{special("vol", 'V')}, archive.Limits{}, "vol", archive.ErrSpecialFile},
		{"duplicate entry", []member{file("a", "1"), file("a", "2")}, archive.Limits{}, "a", archive.ErrDuplicate},
		{"duplicate after cleaning", []member{file("a/b", "1"), file("./a//b", "2")}, archive.Limits{}, "./a//b", archive.ErrDuplicate},
		{"file vs directory", []member{file("a", "1"), dir("a/")}, archive.Limits{}, "a/", archive.ErrDuplicate},
		{"directory listed twice", []member{dir("a/"), dir("a")}, archive.Limits{}, "a", archive.ErrDuplicate},
		{"entry beneath a file", []member{file("a", "1"), file("a/b", "2")}, archive.Limits{}, "a/b", archive.ErrDuplicate},
		{"oversized member", []member{file("big", big)}, archive.Limits{MaxFileSize: 1000}, "big", archive.ErrTooLarge},
		{"oversized total", []member{file("a", big), file("b", big)}, archive.Limits{MaxTotalSize: 3000}, "b", archive.ErrTooLarge},
		{"hard links count towards the total", []member{file("a", big), hardlink("b", "a")}, archive.Limits{MaxTotalSize: 3000}, "b", archive.ErrTooLarge},
		{"skipped AppleDouble content counts towards the total", []member{file("a", big), file("._a", big)}, archive.Limits{MaxTotalSize: 3000}, "._a", archive.ErrTooLarge},
		{"skipped __MACOSX content counts towards a file's limit", []member{file("__MACOSX/x", big)}, archive.Limits{MaxFileSize: 1000}, "__MACOSX/x", archive.ErrTooLarge},
		{"skipped .DS_Store content counts towards the total", []member{file("d/.DS_Store", big), file("b", big)}, archive.Limits{MaxTotalSize: 3000}, "b", archive.ErrTooLarge},
		{"too many entries", []member{file("a", ""), file("b", ""), file("c", "")}, archive.Limits{MaxEntries: 2}, "c", archive.ErrTooLarge},
		{"too many implied directories", []member{file("a/b/c/d", "")}, archive.Limits{MaxEntries: 2}, "a/b/c/d", archive.ErrTooLarge},
		{"unsafe name among ignored macOS metadata", []member{file("__MACOSX/../../x", "x")}, archive.Limits{}, "__MACOSX/../../x", archive.ErrUnsafePath},
		{"FIFO with an ignored name", []member{special("._pipe", tar.TypeFifo)}, archive.Limits{}, "._pipe", archive.ErrSpecialFile},
		{"hard link to an ignored entry", []member{file("._a", "x"), hardlink("b", "._a")}, archive.Limits{}, "b", archive.ErrLinkEscape},
		{"symlink header with a size", []member{{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "s", Linkname: "t", Size: 5}}}, archive.Limits{}, "s", archive.ErrFormat},
	}
	for _, tc := range cases {
		for _, suffix := range []string{".tar", ".tar.gz", ".tar.zst", ".tar.xz", ".tar.bz2"} {
			t.Run(tc.name+suffix, func(t *testing.T) {
				p := writeFile(t, t.TempDir(), "pkg"+suffix, compressFor(t, suffix, tarOf(t, tc.members...)))
				called := false
				err := archive.Walk(context.Background(), p, tc.lim, func(archive.Entry, io.Reader) error {
					called = true
					return nil
				})
				wantReject(t, err, p, tc.entry, tc.want)
				if called {
					t.Error("the callback was called for an archive the first pass must reject")
				}
			})
		}
	}
}

// TestWalkRejectsBadStreams covers archives that are broken below the entry level.
func TestWalkRejectsBadStreams(t *testing.T) {
	good := tarOf(t, dir("pkg/"), file("pkg/manifest.yaml", "name: x\n"), file("pkg/root/a", strings.Repeat("a", 5000)))
	flip := func(b []byte, i int) []byte {
		b = slices.Clone(b)
		b[i] ^= 0xff
		return b
	}
	gz, zst, xzb, bz := gzipOf(t, good), zstdOf(t, good), xzOf(t, good), bzip2Of(t, good)
	cases := []struct {
		name  string
		file  string
		data  []byte
		entry string
	}{
		{"bad gzip header", "p.tar.gz", flip(gz, 3), ""},
		{"corrupt gzip data", "p.tar.gz", flip(gz, len(gz)/2), ""},
		{"gzip checksum mismatch", "p.tar.gz", flip(gz, len(gz)-6), ""},
		{"truncated gzip", "p.tar.gz", gz[:len(gz)-12], ""},
		{"bad zstd frame", "p.tar.zst", flip(zst, 5), ""},
		{"corrupt zstd data", "p.tar.zst", flip(zst, len(zst)/2), ""},
		{"truncated zstd", "p.tar.zst", zst[:len(zst)-8], ""},
		{"bad xz stream flags", "p.tar.xz", flip(xzb, 7), ""},
		{"corrupt xz data", "p.tar.xz", flip(xzb, len(xzb)/2), ""},
		{"truncated xz", "p.tar.xz", xzb[:len(xzb)-12], ""},
		{"xz cut in the middle", "p.txz", xzb[:len(xzb)/2], ""},
		{"junk after the xz stream", "p.tar.xz", append(slices.Clone(xzb), "junk"...), ""},
		{"xz dictionary over the limit", "p.tar.xz", xzWithDict(t, xzb, 40), ""},
		{"xz dictionary just over the limit", "p.tar.xz", xzWithDict(t, xzb, 31), ""},
		{"bad bzip2 block magic", "p.tar.bz2", flip(bz, 5), ""},
		{"corrupt bzip2 data", "p.tar.bz2", flip(bz, len(bz)/2), ""},
		{"truncated bzip2", "p.tbz2", bz[:len(bz)-10], ""},
		{"bzip2 checksum mismatch", "p.tar.bz2", flip(bz, len(bz)-3), ""},
		{"xz content named .tar.bz2", "p.tar.bz2", xzb, ""},
		{"bzip2 content named .tar.xz", "p.tar.xz", bz, ""},
		{"tar content named .txz", "p.txz", good, ""},
		{"gzip content named .tbz2", "p.tbz2", gz, ""},
		{"tar content named .tar.gz", "p.tar.gz", good, ""},
		{"tar content named .tgz", "p.tgz", good, ""},
		{"gzip content named .tar", "p.tar", gz, ""},
		{"zstd content named .tar.gz", "p.tar.gz", zst, ""},
		{"gzip content named .tar.zst", "p.tar.zst", gz, ""},
		{"not a tar archive", "p.tar", bytes.Repeat([]byte("hello world\n"), 100), ""},
		{"not a tar archive, compressed", "p.tar.gz", gzipOf(t, bytes.Repeat([]byte("hello world\n"), 100)), ""},
		{"empty file", "p.tar", nil, ""},
		{"unknown suffix", "p.zip", good, ""},
		{"header claims more content than there is", "p.tar", good[:512*4+1000], "pkg/root/a"},
		{"corrupt header checksum", "p.tar", flip(good, 512+148), ""},
		{"garbage after the archive", "p.tar.gz", gzipOf(t, append(slices.Clone(good), bytes.Repeat([]byte{1}, 2<<20)...)), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), tc.file, tc.data)
			_, err := walkAll(t, p, archive.Limits{})
			wantReject(t, err, p, tc.entry, archive.ErrFormat)
		})
	}
}

// TestWalkXZDictionaryLimit: a dictionary at the limit (128 MiB, code 30) is read; the walk
// gets past the header check to the tar inside.
func TestWalkXZDictionaryLimit(t *testing.T) {
	xzb := xzOf(t, tarOf(t, file("a", "x")))
	p := writeFile(t, t.TempDir(), "p.tar.xz", xzWithDict(t, xzb, 30))
	got, err := walkAll(t, p, archive.Limits{})
	if err != nil || len(got) != 1 {
		t.Fatalf("walk = %v, %d entries; want the one entry", err, len(got))
	}
}

func TestWalkRejectsNULInPAXName(t *testing.T) {
	// A NUL cannot be written into a tar name by archive/tar; patch the pax record that a
	// name too long for ustar needs.
	b := tarOf(t, file(strings.Repeat("d", 200)+"/evilXname", "x"))
	i := bytes.Index(b, []byte("evilXname"))
	if i < 0 {
		t.Fatal("no pax path record")
	}
	b[i+4] = 0
	p := writeFile(t, t.TempDir(), "nul.tar", b)
	_, err := walkAll(t, p, archive.Limits{})
	wantReject(t, err, p, "", archive.ErrFormat)
}

// TestWalkRejectsHeaderOverrides: the name a reader acts on is the one a pax record or a GNU
// long-name entry gives, not the (benign, truncated) name in the ustar header behind it; the
// rules apply to that name. Each archive is written by archive/tar with a long name, and the
// extended name is then patched in place.
func TestWalkRejectsHeaderOverrides(t *testing.T) {
	long := strings.Repeat("d", 160) // one component: neither ustar field nor its prefix holds it
	cases := []struct {
		name   string
		hdr    tar.Header
		find   string // what to patch: the extended name's first bytes
		patch  string
		entry  string
		reject error
	}{
		{"pax path with ..", tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o644, Format: tar.FormatPAX}, "path=" + long, "path=../", "../" + long[3:], archive.ErrUnsafePath},
		{"pax path absolute", tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o644, Format: tar.FormatPAX}, "path=" + long, "path=/", "/" + long[1:], archive.ErrUnsafePath},
		{"GNU long name with ..", tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o644, Format: tar.FormatGNU}, long, "../", "../" + long[3:], archive.ErrUnsafePath},
		{"GNU long hard link escaping", tar.Header{Typeflag: tar.TypeLink, Name: "h", Linkname: long, Mode: 0o644, Format: tar.FormatGNU}, long, "../", "h", archive.ErrLinkEscape},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tarOf(t, member{hdr: tc.hdr})
			i := bytes.Index(b, []byte(tc.find))
			if i < 0 || bytes.Count(b, []byte(tc.find)) != 1 {
				t.Fatalf("the extended name %q is not in the archive once", tc.find)
			}
			copy(b[i:], tc.patch)
			p := writeFile(t, t.TempDir(), "override.tar", b)
			called := false
			err := archive.Walk(context.Background(), p, archive.Limits{}, func(archive.Entry, io.Reader) error {
				called = true
				return nil
			})
			wantReject(t, err, p, tc.entry, tc.reject)
			if called {
				t.Error("the callback was called")
			}
		})
	}
}

func TestWalkRejectsNonRegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.tar")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	err := archive.Walk(context.Background(), p, archive.Limits{}, func(archive.Entry, io.Reader) error { return nil })
	wantReject(t, err, p, "", archive.ErrFormat)

	missing := filepath.Join(t.TempDir(), "missing.tar")
	err = archive.Walk(context.Background(), missing, archive.Limits{}, func(archive.Entry, io.Reader) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error = %v; want fs.ErrNotExist", err)
	}
}

// TestWalkAccepts checks what a good archive yields, in every format.
func TestWalkAccepts(t *testing.T) {
	cases := []struct {
		name    string
		members []member
		want    []got
	}{
		{
			name: "single top-level folder is stripped",
			members: []member{
				dir("bash-5.2.0/"), file("bash-5.2.0/manifest.yaml", "m"), dir("bash-5.2.0/root/"),
				fileMode("bash-5.2.0/root/bin/bash", "ELF", 0o755),
			},
			want: []got{
				{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"},
				{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/bin", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/bin/bash", Type: archive.Regular, Mode: 0o755, Size: 3}, Content: "ELF"},
			},
		},
		{
			name:    "implied top-level folder is stripped too",
			members: []member{file("./p/manifest.yaml", "m"), file("p/root/a", "a")},
			want: []got{
				{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"},
				{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/a", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "a"},
			},
		},
		{
			name:    "no folder to strip",
			members: []member{dir("./"), file("./manifest.yaml", "m"), dir("./root/"), symlink("root/sh", "bash"), file("root/bash", "b")},
			want: []got{
				{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"},
				{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/sh", Type: archive.Symlink, Mode: 0o777, Target: "bash"}},
				{Entry: archive.Entry{Path: "root/bash", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "b"},
			},
		},
		{
			name:    "a lone top-level file is not a folder",
			members: []member{file("manifest.yaml", "m")},
			want:    []got{{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"}},
		},
		{
			name: "setuid and setgid are kept on files; sticky bits are dropped",
			members: []member{
				fileMode("su", "x", 0o4755), fileMode("sg", "x", 0o2750), {hdr: tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777}},
				fileMode("sticky", "x", 0o1644), fileMode("sgid-noexec", "x", 0o2644),
			},
			want: []got{
				{Entry: archive.Entry{Path: "su", Type: archive.Regular, Mode: 0o755 | fs.ModeSetuid, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "sg", Type: archive.Regular, Mode: 0o755 | fs.ModeSetgid, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "tmp", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "sticky", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "sgid-noexec", Type: archive.Regular, Mode: 0o644 | fs.ModeSetgid, Size: 1}, Content: "x"},
			},
		},
		{
			// Directories 0755; files 0755 if any execute bit is set, else 0644; symlinks 0777.
			name: "modes are normalised",
			members: []member{
				fileMode("ro", "x", 0o400), fileMode("private", "x", 0o600), fileMode("group-write", "x", 0o664),
				fileMode("world-write", "x", 0o666), fileMode("none", "x", 0), fileMode("owner-exec", "x", 0o700),
				fileMode("odd-exec", "x", 0o754), fileMode("world-exec", "x", 0o001), fileMode("all", "x", 0o777),
				{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "dro/", Mode: 0o555}},
				{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "dgw/", Mode: 0o775}},
				{hdr: tar.Header{Typeflag: tar.TypeDir, Name: "dnone/", Mode: 0}},
				{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: "link", Linkname: "ro", Mode: 0o700}},
				{hdr: tar.Header{Typeflag: tar.TypeLink, Name: "hard-exec", Linkname: "ro", Mode: 0o750}},
				{hdr: tar.Header{Typeflag: tar.TypeLink, Name: "hard-plain", Linkname: "owner-exec", Mode: 0o664}},
			},
			want: []got{
				{Entry: archive.Entry{Path: "ro", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "private", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "group-write", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "world-write", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "none", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "owner-exec", Type: archive.Regular, Mode: 0o755, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "odd-exec", Type: archive.Regular, Mode: 0o755, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "world-exec", Type: archive.Regular, Mode: 0o755, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "all", Type: archive.Regular, Mode: 0o755, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "dro", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "dgw", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "dnone", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "link", Type: archive.Symlink, Mode: 0o777, Target: "ro"}},
				// A hard link is the target's file, with the target's mode, whatever its header says.
				{Entry: archive.Entry{Path: "hard-exec", Type: archive.Regular, Mode: 0o644, Size: 1, Link: "ro"}, Content: "x"},
				{Entry: archive.Entry{Path: "hard-plain", Type: archive.Regular, Mode: 0o755, Size: 1, Link: "owner-exec"}, Content: "x"},
			},
		},
		{
			name: "hard links are regular files with the target's content, linked to the first name",
			members: []member{
				file("a", "first"), fileMode("b", "second", 0o600), hardlink("c", "./b"), hardlink("d", "c"), hardlink("e", "a"),
			},
			want: []got{
				{Entry: archive.Entry{Path: "a", Type: archive.Regular, Mode: 0o644, Size: 5}, Content: "first"},
				{Entry: archive.Entry{Path: "b", Type: archive.Regular, Mode: 0o644, Size: 6}, Content: "second"},
				{Entry: archive.Entry{Path: "c", Type: archive.Regular, Mode: 0o644, Size: 6, Link: "b"}, Content: "second"},
				{Entry: archive.Entry{Path: "d", Type: archive.Regular, Mode: 0o644, Size: 6, Link: "b"}, Content: "second"},
				{Entry: archive.Entry{Path: "e", Type: archive.Regular, Mode: 0o644, Size: 5, Link: "a"}, Content: "first"},
			},
		},
		{
			name: "symlinks inside the tree, through other symlinks",
			members: []member{
				dir("lib/"), file("lib/libc.so.7", "c"), symlink("lib/libc.so", "libc.so.7"),
				symlink("lib64", "lib"), symlink("usr/lib/x", "../../lib64/libc.so"), symlink("top", "lib/.."),
			},
			want: []got{
				{Entry: archive.Entry{Path: "lib", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "lib/libc.so.7", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "c"},
				{Entry: archive.Entry{Path: "lib/libc.so", Type: archive.Symlink, Mode: 0o777, Target: "libc.so.7"}},
				{Entry: archive.Entry{Path: "lib64", Type: archive.Symlink, Mode: 0o777, Target: "lib"}},
				{Entry: archive.Entry{Path: "usr", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "usr/lib", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "usr/lib/x", Type: archive.Symlink, Mode: 0o777, Target: "../../lib64/libc.so"}},
				{Entry: archive.Entry{Path: "top", Type: archive.Symlink, Mode: 0o777, Target: "lib/.."}},
			},
		},
		{
			// What real packages ship (openssl, tar, iproute2): targets are stored as shipped
			// and never followed, wherever they point.
			name: "symlinks are data: absolute, leaving the tree, chains, loops",
			members: []member{
				dir("root/"), symlink("root/cert.pem", "/etc/ssl/certs/ca-certificates.crt"),
				symlink("root/x", "../../etc/x"), dir("a/"), symlink("a/l1", ".."), symlink("a/l2", "l1/.."),
				symlink("loop1", "loop2"), symlink("loop2", "loop1"), symlink("odd", `b\c%2e%2e`),
				symlink("up", "missing/../../etc"),
			},
			want: []got{
				{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/cert.pem", Type: archive.Symlink, Mode: 0o777, Target: "/etc/ssl/certs/ca-certificates.crt"}},
				{Entry: archive.Entry{Path: "root/x", Type: archive.Symlink, Mode: 0o777, Target: "../../etc/x"}},
				{Entry: archive.Entry{Path: "a", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "a/l1", Type: archive.Symlink, Mode: 0o777, Target: ".."}},
				{Entry: archive.Entry{Path: "a/l2", Type: archive.Symlink, Mode: 0o777, Target: "l1/.."}},
				{Entry: archive.Entry{Path: "loop1", Type: archive.Symlink, Mode: 0o777, Target: "loop2"}},
				{Entry: archive.Entry{Path: "loop2", Type: archive.Symlink, Mode: 0o777, Target: "loop1"}},
				{Entry: archive.Entry{Path: "odd", Type: archive.Symlink, Mode: 0o777, Target: `b\c%2e%2e`}},
				{Entry: archive.Entry{Path: "up", Type: archive.Symlink, Mode: 0o777, Target: "missing/../../etc"}},
			},
		},
		{
			name: "pax global headers and harmless percent signs are fine",
			members: []member{
				{hdr: tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "abc"}}},
				file("100%", "x"), file("a%20b", "y"),
			},
			want: []got{
				{Entry: archive.Entry{Path: "100%", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "a%20b", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "y"},
			},
		},
		{
			name:    "directory listed after its contents",
			members: []member{file("d/f", "x"), {hdr: tar.Header{Typeflag: tar.TypeDir, Name: "d/", Mode: 0o700}}, file("e", "")},
			want: []got{
				{Entry: archive.Entry{Path: "d/f", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "x"},
				{Entry: archive.Entry{Path: "d", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "e", Type: archive.Regular, Mode: 0o644}},
			},
		},
		{
			// GNU tar reads type '7' (contiguous file) as a regular file.
			name: "contiguous file is a regular file",
			members: []member{
				{hdr: tar.Header{Typeflag: tar.TypeCont, Name: "tool", Mode: 0o755, Size: 3}, body: "ELF"},
				hardlink("tool2", "tool"),
			},
			want: []got{
				{Entry: archive.Entry{Path: "tool", Type: archive.Regular, Mode: 0o755, Size: 3}, Content: "ELF"},
				{Entry: archive.Entry{Path: "tool2", Type: archive.Regular, Mode: 0o755, Size: 3, Link: "tool"}, Content: "ELF"},
			},
		},
		{
			// What macOS tar (copyfile) and its archiver add beside a folder: AppleDouble files,
			// __MACOSX/ and .DS_Store. They are skipped, so the folder is still stripped.
			name: "macOS metadata is ignored and does not stop stripping",
			members: []member{
				file("._pkg", "AppleDouble"), dir("pkg/"), file("pkg/._manifest.yaml", "AppleDouble"),
				file("pkg/manifest.yaml", "m"), file(".DS_Store", "finder"), file("pkg/root/.DS_Store", "finder"),
				dir("__MACOSX/"), dir("__MACOSX/pkg/"), file("__MACOSX/pkg/._manifest.yaml", "AppleDouble"),
				symlink("pkg/._link", "/etc/passwd"), file("pkg/root/._d/f", "x"), file("pkg/root/a", "a"),
				hardlink("pkg/._hard", "pkg/root/a"),
			},
			want: []got{
				{Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "m"},
				{Entry: archive.Entry{Path: "root", Type: archive.Dir, Mode: 0o755}},
				{Entry: archive.Entry{Path: "root/a", Type: archive.Regular, Mode: 0o644, Size: 1}, Content: "a"},
			},
		},
		{
			name:    "empty archive",
			members: nil,
			want:    nil,
		},
	}
	for _, tc := range cases {
		for _, suffix := range []string{".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".txz", ".tar.bz2", ".tbz2"} {
			t.Run(tc.name+suffix, func(t *testing.T) {
				p := writeFile(t, t.TempDir(), "pkg"+suffix, compressFor(t, suffix, tarOf(t, tc.members...)))
				got, err := walkAll(t, p, archive.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
				}
			})
		}
	}
}

func TestWalkLargeContentStreams(t *testing.T) {
	// Larger than every internal buffer, with a hard link to it, so spooling is exercised.
	body := strings.Repeat("0123456789abcdef", 64<<10)
	p := writeFile(t, t.TempDir(), "big.tar.zst", zstdOf(t, tarOf(t, file("big", body), hardlink("link", "big"))))
	got, err := walkAll(t, p, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Content != body || got[1].Content != body {
		t.Fatalf("content of the file or its hard link is wrong (%d entries)", len(got))
	}
}

func TestWalkCallbackErrorAndCancel(t *testing.T) {
	p := writeFile(t, t.TempDir(), "p.tar", tarOf(t, file("a", "1"), file("b", "2")))
	stop := errors.New("stop")
	n := 0
	err := archive.Walk(context.Background(), p, archive.Limits{}, func(archive.Entry, io.Reader) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Fatalf("Walk = %v after %d calls; want the callback's own error after 1", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = archive.Walk(ctx, p, archive.Limits{}, func(archive.Entry, io.Reader) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("Walk = %v after %d calls; want context.Canceled after 1", err, n)
	}
}

func TestWalkPartialReadIsSkipped(t *testing.T) {
	p := writeFile(t, t.TempDir(), "p.tar.gz", gzipOf(t, tarOf(t, file("a", strings.Repeat("a", 100000)), file("b", "bee"))))
	var last string
	err := archive.Walk(context.Background(), p, archive.Limits{}, func(e archive.Entry, r io.Reader) error {
		buf := make([]byte, 10)
		if _, err := io.ReadFull(r, buf); err != nil && e.Size >= 10 {
			return err
		}
		if e.Path == "b" {
			b, _ := io.ReadAll(r)
			last = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != "" {
		t.Fatalf("after reading 3 of 3 bytes of b, ReadAll gave %q; want nothing", last)
	}
}

func TestSupported(t *testing.T) {
	for name, want := range map[string]bool{
		"bash.tar": true, "bash.tar.gz": true, "bash.tgz": true, "bash.tar.zst": true,
		"bash.tar.xz": true, "bash.txz": true, "bash.tar.bz2": true, "bash.tbz2": true,
		"bash.tar.lz": false, "bash.tar.Z": false, "bash.xz": false, "bash.bz2": false, ".txz": false,
		"bash.zip": false, "bash": false, ".tar": false, "bash.TAR": false,
	} {
		if got := archive.Supported(name); got != want {
			t.Errorf("Supported(%q) = %v; want %v", name, got, want)
		}
	}
}
