package gitrev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every case builds a repository with the git CLI and checks Read against what git says about
// it (rev-parse HEAD, status --porcelain --untracked-files=no), and against what the case meant
// to build (wantDirty, wantBranch), so a case whose setup silently failed also fails.
func TestReadMatchesGit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(t *testing.T) (repo, dir string)
		wantDirty  bool
		wantBranch string
	}{
		{"clean", func(t *testing.T) (string, string) { r := newRepo(t); return r, r }, false, "main"},
		{"subdirectory", func(t *testing.T) (string, string) {
			r := newRepo(t)
			return r, filepath.Join(r, "profiles")
		}, false, "main"},
		{"untracked file does not count", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "new.hcl"), "x")
			return r, r
		}, false, "main"},
		{"content changed", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "store.hcl"), "store { pool = \"tank\" }\n")
			return r, r
		}, true, "main"},
		{"same size, same mtime", sameSizeSameMtime, true, "main"},
		{"mode changed", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Chmod(filepath.Join(r, "run.sh"), 0o644))
			return r, r
		}, true, "main"},
		{"file deleted", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Remove(filepath.Join(r, "profiles", "dev.hcl")))
			return r, r
		}, true, "main"},
		{"file replaced by a directory", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Remove(filepath.Join(r, "store.hcl")))
			must(t, os.Mkdir(filepath.Join(r, "store.hcl"), 0o755))
			return r, r
		}, true, "main"},
		{"parent directory replaced by a symlink", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Rename(filepath.Join(r, "profiles"), filepath.Join(r, "moved")))
			must(t, os.Symlink("moved", filepath.Join(r, "profiles")))
			return r, r
		}, true, "main"},
		{"symlink retargeted", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Remove(filepath.Join(r, "link")))
			must(t, os.Symlink("run.sh", filepath.Join(r, "link")))
			return r, r
		}, true, "main"},
		{"symlink became a file", func(t *testing.T) (string, string) {
			r := newRepo(t)
			must(t, os.Remove(filepath.Join(r, "link")))
			write(t, filepath.Join(r, "link"), "store.hcl")
			return r, r
		}, true, "main"},
		{"unmerged entry", unmerged, true, "main"},
		{"intent to add", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "new.hcl"), "x")
			git(t, r, "add", "-N", "new.hcl")
			return r, r
		}, true, "main"},
		{"packed refs", func(t *testing.T) (string, string) {
			r := newRepo(t)
			git(t, r, "tag", "-a", "-m", "v1", "v1")
			git(t, r, "pack-refs", "--all")
			if _, err := os.Stat(filepath.Join(r, ".git", "refs", "heads", "main")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("pack-refs left the loose ref: %v", err)
			}
			return r, r
		}, false, "main"},
		{"detached HEAD", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "store.hcl"), "store {}\n# two\n")
			git(t, r, "commit", "-q", "-am", "two")
			git(t, r, "checkout", "-q", "--detach", "HEAD~1")
			return r, r
		}, false, ""},
		{"worktree", func(t *testing.T) (string, string) {
			r := newRepo(t)
			wt := filepath.Join(t.TempDir(), "wt")
			git(t, r, "worktree", "add", "-q", "-b", "feature", wt)
			git(t, r, "pack-refs", "--all")
			return wt, wt
		}, false, "feature"},
		{"worktree, dirty", func(t *testing.T) (string, string) {
			r := newRepo(t)
			wt := filepath.Join(t.TempDir(), "wt")
			git(t, r, "worktree", "add", "-q", "--detach", wt)
			write(t, filepath.Join(wt, "store.hcl"), "changed in the worktree\n")
			return wt, wt
		}, true, ""},
		{"gitdir file, absolute", func(t *testing.T) (string, string) { return gitdirFile(t, true) }, false, "main"},
		{"gitdir file, relative", func(t *testing.T) (string, string) { return gitdirFile(t, false) }, false, "main"},
		{"sha256", func(t *testing.T) (string, string) {
			r := newRepo(t, "--object-format=sha256")
			return r, r
		}, false, "main"},
		{"sha256, dirty", func(t *testing.T) (string, string) {
			r := newRepo(t, "--object-format=sha256")
			write(t, filepath.Join(r, "store.hcl"), "sha256 change\n")
			return r, r
		}, true, "main"},
		{"index version 4", func(t *testing.T) (string, string) { return indexVersion(t, "4", false) }, false, "main"},
		{"index version 4, dirty", func(t *testing.T) (string, string) { return indexVersion(t, "4", true) }, true, "main"},
		{"index version 3", func(t *testing.T) (string, string) { return indexVersion(t, "3", false) }, false, "main"},
		{"gitlink is not looked into", func(t *testing.T) (string, string) {
			r := newRepo(t)
			head := git(t, r, "rev-parse", "HEAD")
			git(t, r, "update-index", "--add", "--cacheinfo", "160000,"+head+",vendor/sub")
			git(t, r, "commit", "-q", "-m", "gitlink")
			must(t, os.MkdirAll(filepath.Join(r, "vendor", "sub"), 0o755)) // as a submodule not yet initialised
			return r, r
		}, false, "main"},
		{"filemode off ignores the executable bit", func(t *testing.T) (string, string) {
			r := newRepo(t)
			git(t, r, "config", "core.filemode", "false")
			must(t, os.Chmod(filepath.Join(r, "run.sh"), 0o644))
			return r, r
		}, false, "main"},
		{"staged change", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "store.hcl"), "staged, not committed\n")
			git(t, r, "add", "store.hcl")
			return r, r
		}, true, "main"},
		{"staged new file", func(t *testing.T) (string, string) {
			r := newRepo(t)
			write(t, filepath.Join(r, "new.hcl"), "x")
			git(t, r, "add", "new.hcl")
			return r, r
		}, true, "main"},
		{"staged removal, file still there", func(t *testing.T) (string, string) {
			r := newRepo(t)
			git(t, r, "rm", "-q", "--cached", "store.hcl")
			return r, r
		}, true, "main"},
		{"objects packed", func(t *testing.T) (string, string) {
			r := newRepo(t)
			git(t, r, "gc", "-q")
			return r, r
		}, false, "main"},
		{"objects packed, staged change", func(t *testing.T) (string, string) {
			r := newRepo(t)
			git(t, r, "gc", "-q")
			write(t, filepath.Join(r, "profiles", "dev.hcl"), "staged\n")
			git(t, r, "add", "-A")
			return r, r
		}, true, "main"},
		{"deltified commit", func(t *testing.T) (string, string) { return deltifiedCommit(t, false) }, false, ""},
		{"deltified commit, staged change", func(t *testing.T) (string, string) { return deltifiedCommit(t, true) }, true, ""},
		{"objects through alternates", func(t *testing.T) (string, string) {
			r := newRepo(t)
			clone := filepath.Join(t.TempDir(), "clone")
			git(t, r, "clone", "-q", "--shared", r, clone)
			if _, err := os.Stat(filepath.Join(clone, ".git", "objects", "info", "alternates")); err != nil {
				t.Fatal(err)
			}
			return clone, clone
		}, false, "main"},
		{"unborn branch", func(t *testing.T) (string, string) {
			r := t.TempDir()
			git(t, r, "init", "-q", "-b", "main")
			write(t, filepath.Join(r, "a"), "a")
			return r, r
		}, false, "main"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, dir := tc.setup(t)
			got, err := Read(t.Context(), dir)
			if err != nil {
				t.Fatal(err)
			}
			commit, dirty := gitState(t, dir)
			if got.Commit != commit || got.Dirty != dirty {
				t.Errorf("Read = %s dirty=%v; git says %s dirty=%v", got.Commit, got.Dirty, commit, dirty)
			}
			if got.Dirty != tc.wantDirty || got.Branch != tc.wantBranch {
				t.Errorf("dirty=%v branch=%q, want dirty=%v branch=%q", got.Dirty, got.Branch, tc.wantDirty, tc.wantBranch)
			}
			if want := realpath(t, repo); got.Worktree != want {
				t.Errorf("Worktree = %q, want %q", got.Worktree, want)
			}
		})
	}
}

func TestReadNotARepository(t *testing.T) {
	got, err := Read(t.Context(), t.TempDir())
	if err != nil || got.Commit != None || got.Worktree != "" || got.String() != "none" {
		t.Fatalf("Read = %+v, %v; want Commit none and no error", got, err)
	}
	got, err = Read(t.Context(), filepath.Join(t.TempDir(), "missing", "dir"))
	if err != nil || got.Commit != None {
		t.Fatalf("missing directory: Read = %+v, %v", got, err)
	}
}

func TestRevisionString(t *testing.T) {
	for _, tc := range []struct {
		r    Revision
		want string
	}{
		{Revision{}, "none"},
		{Revision{Commit: None, Dirty: true}, "none"},
		{Revision{Commit: "abc"}, "abc"},
		{Revision{Commit: "abc", Dirty: true}, "abc-dirty"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// The racy-git case: after the change, the index holds the file's exact stat data (size, mtime,
// ctime, inode) but the old content's hash. Only the rule that an entry not older than the index
// is re-hashed finds it; with the index written later, git and Read both trust the stat data.
func sameSizeSameMtime(t *testing.T) (string, string) {
	r := newRepo(t)
	f := filepath.Join(r, "store.hcl")
	write(t, f, "store {}\n") // same content, then the change: same size
	write(t, f, "store []\n")
	restat(t, r, "store.hcl")
	fi, err := os.Stat(f)
	must(t, err)
	must(t, os.Chtimes(filepath.Join(r, ".git", "index"), fi.ModTime(), fi.ModTime()))
	return r, r
}

func TestRacyRuleIsWhatFindsTheChange(t *testing.T) {
	r, _ := sameSizeSameMtime(t)
	later := time.Now().Add(time.Hour)
	must(t, os.Chtimes(filepath.Join(r, ".git", "index"), later, later))
	got, err := Read(t.Context(), r)
	if err != nil || got.Dirty {
		t.Fatalf("index newer than the file: Read = %+v, %v; want clean (stat data trusted)", got, err)
	}
	if _, dirty := gitState(t, r); dirty {
		t.Fatal("git disagrees: it finds the change without the racy rule")
	}
}

func unmerged(t *testing.T) (string, string) {
	r := newRepo(t)
	git(t, r, "checkout", "-q", "-b", "other")
	write(t, filepath.Join(r, "store.hcl"), "other\n")
	git(t, r, "commit", "-q", "-am", "other")
	git(t, r, "checkout", "-q", "main")
	write(t, filepath.Join(r, "store.hcl"), "main\n")
	git(t, r, "commit", "-q", "-am", "main")
	cmd := exec.CommandContext(t.Context(), "git", "merge", "-q", "other")
	cmd.Dir = r
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the merge did not conflict:\n%s", out)
	}
	return r, r
}

// gitdirFile moves .git away and leaves a "gitdir:" file, as a submodule has.
func gitdirFile(t *testing.T, absolute bool) (string, string) {
	r := newRepo(t)
	moved := filepath.Join(r, "..", filepath.Base(r)+".gitdir")
	must(t, os.Rename(filepath.Join(r, ".git"), moved))
	t.Cleanup(func() { os.RemoveAll(moved) })
	target := moved
	if !absolute {
		target = filepath.Join("..", filepath.Base(r)+".gitdir")
	}
	write(t, filepath.Join(r, ".git"), "gitdir: "+target+"\n")
	return r, r
}

func indexVersion(t *testing.T, v string, dirty bool) (string, string) {
	r := newRepo(t)
	for i := range 20 {
		write(t, filepath.Join(r, "profiles", "team", strings.Repeat("p", i%5+1)+".hcl"), "x")
	}
	git(t, r, "add", "-A")
	git(t, r, "commit", "-q", "-m", "more")
	git(t, r, "update-index", "--index-version", v)
	if v == "3" { // git writes version 3 only when an entry has extended flags
		git(t, r, "update-index", "--skip-worktree", "profiles/team/p.hcl")
		write(t, filepath.Join(r, "profiles", "team", "p.hcl"), "skip-worktree: not looked at")
	}
	b, err := os.ReadFile(filepath.Join(r, ".git", "index"))
	must(t, err)
	if got := strconv.Itoa(int(binary.BigEndian.Uint32(b[4:]))); got != v {
		t.Fatalf("index version %s, want %s", got, v)
	}
	if dirty {
		write(t, filepath.Join(r, "profiles", "team", "ppp.hcl"), "changed")
	}
	return r, r
}

func realpath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	must(t, err)
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// deltifiedCommit repacks many similar commits so that git stores some commits as deltas, and
// checks out one of them (detached).
func deltifiedCommit(t *testing.T, staged bool) (string, string) {
	r := newRepo(t)
	for i := range 12 {
		write(t, filepath.Join(r, "store.hcl"), fmt.Sprintf("store {}\n# %d\n", i))
		git(t, r, "commit", "-q", "-am", strings.Repeat("a long message, the same every time, so that deltas pay\n", 40)+strconv.Itoa(i))
	}
	git(t, r, "repack", "-adfq", "--depth=50", "--window=250")
	idx, err := filepath.Glob(filepath.Join(r, ".git", "objects", "pack", "*.idx"))
	must(t, err)
	if len(idx) != 1 {
		t.Fatalf("%d pack indexes", len(idx))
	}
	var delta string
	for _, line := range strings.Split(git(t, r, "verify-pack", "-v", idx[0]), "\n") {
		if f := strings.Fields(line); len(f) == 7 && f[1] == "commit" {
			delta = f[0]
			break
		}
	}
	if delta == "" {
		t.Fatal("git stored no commit as a delta")
	}
	git(t, r, "checkout", "-q", "--detach", delta)
	if staged {
		write(t, filepath.Join(r, "run.sh"), "#!/bin/sh\n# staged\n")
		git(t, r, "add", "run.sh")
	}
	return r, r
}
