package archive_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

// TestCommittedArchives reads the archives in testdata/, written by GNU tar (see
// testdata/make.sh), so that the rules are also checked against a real tar's output: GNU and
// pax formats, long-name headers, hard links as GNU tar records them, and every compression.
func TestCommittedArchives(t *testing.T) {
	rejects := []struct {
		file  string
		entry string
		want  error
	}{
		{"absolute.tar", "/etc/passwd", archive.ErrUnsafePath},
		{"dotdot.tar.gz", "a/../../x", archive.ErrUnsafePath},
		{"dotdot.tar.bz2", "a/../../x", archive.ErrUnsafePath},
		{"through-symlink.tar", "s/root/etc/passwd", archive.ErrLinkEscape},
		{"through-symlink.tar.xz", "s/root/etc/passwd", archive.ErrLinkEscape},
		{"corrupt.tar.xz", "", archive.ErrFormat},
		{"truncated.tar.bz2", "", archive.ErrFormat},
		{"hardlink-escape.tar", "b", archive.ErrLinkEscape},
		{"fifo.tar", "fifo", archive.ErrSpecialFile},
		{"chardev.tar", "null", archive.ErrSpecialFile},
		{"duplicate.tar", "f", archive.ErrDuplicate},
	}
	for _, tc := range rejects {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join("testdata", tc.file)
			_, err := walkAll(t, p, archive.Limits{})
			wantReject(t, err, p, tc.entry, tc.want)
		})
	}

	long := "root/share/very-long-directory-name-1/very-long-directory-name-2/very-long-directory-name-3/very-long-directory-name-4/file.txt"
	for _, file := range []string{"good-gnu.tar.zst", "good-pax.tgz", "good-gnu.tar.xz", "good-pax.tar.bz2"} {
		t.Run(file, func(t *testing.T) {
			entries, err := walkAll(t, filepath.Join("testdata", file), archive.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			byPath := make(map[string]got)
			for _, e := range entries {
				byPath[e.Path] = e
			}
			script := "#!/bin/sh\necho hello\n"
			checks := map[string]got{
				"manifest.yaml":   {Entry: archive.Entry{Path: "manifest.yaml", Type: archive.Regular, Mode: 0o644, Size: 27}, Content: "name: hello\nversion: 1.0.0\n"},
				"root/bin/hello":  {Entry: archive.Entry{Path: "root/bin/hello", Type: archive.Regular, Mode: 0o755 | fs.ModeSetuid, Size: 21}, Content: script},
				"root/bin/hello2": {Entry: archive.Entry{Path: "root/bin/hello2", Type: archive.Regular, Mode: 0o755 | fs.ModeSetuid, Size: 21, Link: "root/bin/hello"}, Content: script},
				"root/bin/hi":     {Entry: archive.Entry{Path: "root/bin/hi", Type: archive.Symlink, Mode: 0o777, Target: "hello"}},
				long:              {Entry: archive.Entry{Path: long, Type: archive.Regular, Mode: 0o644, Size: 5}, Content: "long\n"},
			}
			for p, want := range checks {
				if g := byPath[p]; g != want {
					t.Errorf("%s:\n got %+v\nwant %+v", p, g, want)
				}
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Path, "pkg-1.0") {
					t.Errorf("top-level folder not stripped: %q", e.Path)
				}
			}
			want := 12
			if strings.HasSuffix(file, ".xz") || strings.HasSuffix(file, ".bz2") { // these two: made later, with an absolute symlink
				want++
				cert := archive.Entry{Path: "root/cert.pem", Type: archive.Symlink, Mode: 0o777, Target: "/etc/ssl/certs/ca-certificates.crt"}
				if g := byPath[cert.Path]; g.Entry != cert {
					t.Errorf("%s: got %+v, want %+v", cert.Path, g.Entry, cert)
				}
			}
			if len(entries) != want {
				t.Errorf("%d entries; want %d", len(entries), want)
			}
		})
	}
}
