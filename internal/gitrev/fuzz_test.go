package gitrev

import (
	"bytes"
	"os"
	"path/filepath"
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
