package gitrev

import (
	"crypto/sha1"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// git runs the git CLI in dir with a configuration of its own (no user or system config).
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	home := filepath.Join(os.TempDir(), "gitrev-test-home")
	cmd.Env = append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_AUTHOR_DATE=2026-01-01T00:00:00Z",
		"GIT_COMMITTER_DATE=2026-01-01T00:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitState is what git itself says: HEAD's commit (None if it has none) and whether a tracked
// file differs from HEAD.
func gitState(t *testing.T, dir string) (string, bool) {
	t.Helper()
	commit := None
	cmd := exec.CommandContext(t.Context(), "git", "rev-parse", "--verify", "-q", "HEAD")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil {
		commit = strings.TrimSpace(string(out))
	}
	return commit, git(t, dir, "status", "--porcelain", "--untracked-files=no") != ""
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newRepo makes a repository with one commit: a file, an executable, a symlink and a nested
// file. extra arguments go to git init.
func newRepo(t testing.TB, initArgs ...string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, append([]string{"init", "-q", "-b", "main"}, initArgs...)...)
	write(t, filepath.Join(dir, "store.hcl"), "store {}\n")
	write(t, filepath.Join(dir, "profiles", "dev.hcl"), "profile dev {}\n")
	write(t, filepath.Join(dir, "run.sh"), "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("store.hcl", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "one")
	return dir
}

// editIndex applies fn to the bytes of every entry of a version-2 SHA-1 index, then rewrites
// the checksum. fn gets the entry's path and its bytes (stat data, object name, flags, path).
func editIndex(t *testing.T, repo string, fn func(path string, entry []byte)) {
	t.Helper()
	p := filepath.Join(repo, ".git", "index")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.BigEndian.Uint32(b[4:]); v != 2 {
		t.Fatalf("index version %d, want 2", v)
	}
	off := 12
	for range binary.BigEndian.Uint32(b[8:]) {
		n := int(binary.BigEndian.Uint16(b[off+60:]) & 0xfff)
		size := (62 + n + 8) &^ 7
		fn(string(b[off+62:off+62+n]), b[off:off+size])
		off += size
	}
	sum := sha1.Sum(b[:len(b)-20])
	copy(b[len(b)-20:], sum[:])
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// restat copies the file's current stat data into its index entry, as if git had seen it.
func restat(t *testing.T, repo, file string) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(repo, file))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	editIndex(t, repo, func(path string, e []byte) {
		if path != file {
			return
		}
		for i, v := range []uint32{uint32(st.Ctim.Sec), uint32(st.Ctim.Nsec), uint32(st.Mtim.Sec),
			uint32(st.Mtim.Nsec), uint32(st.Dev), uint32(st.Ino)} {
			binary.BigEndian.PutUint32(e[4*i:], v)
		}
		binary.BigEndian.PutUint32(e[36:], uint32(st.Size))
	})
}
