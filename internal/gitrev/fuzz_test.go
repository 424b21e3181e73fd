package gitrev

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedIndexes returns real indexes written by git: versions 2, 3 and 4, and a SHA-256 one.
func seedIndexes(f *testing.F) {
	for _, tc := range []struct {
		version string
		init    []string
	}{{"2", nil}, {"3", nil}, {"4", nil}, {"2", []string{"--object-format=sha256"}}} {
		r := newRepo(f, tc.init...)
		git(f, r, "update-index", "--index-version", tc.version)
		if tc.version == "3" {
			git(f, r, "update-index", "--skip-worktree", "store.hcl")
		}
		b, err := os.ReadFile(filepath.Join(r, ".git", "index"))
		must(f, err)
		f.Add(b, tc.init != nil)
	}
}

func FuzzParseIndex(f *testing.F) {
	seedIndexes(f)
	f.Add([]byte("DIRC\x00\x00\x00\x04\xff\xff\xff\xff"), false)
	f.Fuzz(func(t *testing.T, b []byte, sha256 bool) {
		format := sha1Format
		if sha256 {
			format = sha256Format
		}
		prev := ""
		_, err := parseIndex(bytes.NewReader(b), int64(len(b)), format, func(e *indexEntry) error {
			if e.path == "" || len(e.oid) != format.size {
				t.Fatalf("entry %+v accepted", e)
			}
			prev = e.path
			return nil
		})
		_ = prev
		_ = err // any error is fine; a panic or a hang is not
	})
}

func FuzzScanPackedRefs(f *testing.F) {
	f.Add("# pack-refs with: peeled fully-peeled sorted \n" +
		"1111111111111111111111111111111111111111 refs/heads/main\n" +
		"2222222222222222222222222222222222222222 refs/tags/v1\n" +
		"^1111111111111111111111111111111111111111\n")
	f.Add("^1111111111111111111111111111111111111111\n")
	f.Add("1111111111111111111111111111111111111111 refs/heads/../../x\n")
	f.Fuzz(func(t *testing.T, s string) {
		_ = scanPackedRefs(bytes.NewReader([]byte(s)), sha1Format, func(name, hash, peeled string) {
			if checkRefName(name) != nil || !sha1Format.isHexName(hash) || peeled != "" && !sha1Format.isHexName(peeled) {
				t.Fatalf("accepted %q %q %q", name, hash, peeled)
			}
		})
	})
}

// FuzzSmallFiles covers the parsers of HEAD and loose refs, .git files, commondir and config.
func FuzzSmallFiles(f *testing.F) {
	for _, s := range []string{
		"ref: refs/heads/main\n", "1111111111111111111111111111111111111111\n", "ref:\trefs/x\n",
		"gitdir: /srv/repo/.git/worktrees/wt\n", "gitdir: ../.git/modules/sub\r\n",
		"[core]\n\tfilemode = false ; c\n[extensions]\n\tobjectFormat = \"sha256\"\n[remote \"o\"]\n\turl = x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		if target, hash, err := parseRefFile(b, sha1Format); err == nil {
			if (target == "") == (hash == "") || target != "" && checkRefName(target) != nil {
				t.Fatalf("parseRefFile(%q) = %q, %q", s, target, hash)
			}
		}
		if p, err := parseGitFile(b); err == nil && (p == "" || bytes.ContainsAny([]byte(p), "\x00\n")) {
			t.Fatalf("parseGitFile(%q) = %q", s, p)
		}
		_ = scanConfig(s, func(section, key, value string, hasValue bool) error {
			if !isConfigKey(key) {
				t.Fatalf("scanConfig(%q): key %q", s, key)
			}
			return nil
		})
	})
}

// FuzzObjects covers what is read from the object store: a loose object's header, a pack
// entry's header and delta offset, and a delta applied to a base.
func FuzzObjects(f *testing.F) {
	f.Add([]byte("commit 5\x00tree "), []byte("base"), []byte{4, 6, 0x90, 4, 2, 'x', 'y'})
	f.Add([]byte("blob 99999999999\x00"), []byte{}, []byte{0, 1, 0})
	f.Add([]byte{0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, []byte("abc"), []byte{3, 3, 0x91, 0, 3})
	f.Fuzz(func(t *testing.T, raw, base, delta []byte) {
		if _, data, err := parseLoose(bytes.NewReader(raw)); err == nil && len(data) > maxObjectSize {
			t.Fatalf("parseLoose returned %d bytes", len(data))
		}
		if _, size, err := packObjectHeader(bytes.NewReader(raw)); err == nil && size < 0 {
			t.Fatalf("negative size %d", size)
		}
		if off, err := ofsDeltaOffset(bytes.NewReader(raw)); err == nil && off < 0 {
			t.Fatalf("negative offset %d", off)
		}
		if out, err := applyDelta(base, delta); err == nil && len(out) > maxObjectSize {
			t.Fatalf("delta made %d bytes", len(out))
		}
	})
}

// FuzzTreeBuilder: any sequence of paths, even ones the index would refuse, hashes without
// panicking.
func FuzzTreeBuilder(f *testing.F) {
	f.Add("a\x00a.txt\x00a/b\x00a0\x00dir/\x00x/y/z")
	f.Add("//\x00/\x00a//b")
	f.Fuzz(func(t *testing.T, paths string) {
		b := newTreeBuilder(sha1Format)
		for _, p := range strings.Split(paths, "\x00") {
			b.add(p, 0o100644, make([]byte, 20))
		}
		if got := b.root(); len(got) != 20 {
			t.Fatalf("root of %d bytes", len(got))
		}
	})
}
