// Package gitsync_test drives contrib/git-sync/axiom-config-sync with the git CLI: an upstream
// repository in one temporary directory, the synced layout in another.
package gitsync_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/gitrev"
)

// env isolates git from the host's configuration; globalConfig is the only config git reads.
type env struct {
	t            *testing.T
	upstream     string
	root         string
	globalConfig string
}

func newEnv(t *testing.T) *env {
	e := &env{t: t, upstream: t.TempDir(), root: filepath.Join(t.TempDir(), "config")}
	e.globalConfig = filepath.Join(t.TempDir(), "gitconfig")
	write(t, e.globalConfig, "[user]\n\tname = t\n\temail = t@example.org\n[init]\n\tdefaultBranch = main\n")
	e.git(e.upstream, "init", "-q")
	return e
}

func (e *env) environ() []string {
	return append(os.Environ(), "HOME="+filepath.Dir(e.globalConfig), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+e.globalConfig)
}

func (e *env) git(dir string, args ...string) string {
	e.t.Helper()
	cmd := exec.CommandContext(e.t.Context(), "git", args...)
	cmd.Dir, cmd.Env = dir, e.environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes store.hcl upstream and commits it, returning the commit.
func (e *env) commit(content string, args ...string) string {
	e.t.Helper()
	write(e.t, filepath.Join(e.upstream, "hosts", "h1", "store.hcl"), content)
	e.git(e.upstream, "add", "-A")
	e.git(e.upstream, append([]string{"commit", "-q", "-m", content}, args...)...)
	return e.git(e.upstream, "rev-parse", "HEAD")
}

// sync runs the script and returns its exit status and standard error.
func (e *env) sync(args ...string) (int, string) {
	e.t.Helper()
	cmd := exec.CommandContext(e.t.Context(), "./axiom-config-sync", append([]string{"--repo", e.upstream, "--root", e.root}, args...)...)
	cmd.Env = e.environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stderr.String()
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return 0, stderr.String()
}

func (e *env) mustSync(args ...string) {
	e.t.Helper()
	if code, stderr := e.sync(args...); code != 0 {
		e.t.Fatalf("sync: exit %d\n%s", code, stderr)
	}
}

// assertCurrent checks current is a symlink to rev-<commit>, and that the tree behind it is a
// clean checkout of that commit (read as the daemon reads it, with internal/gitrev).
func (e *env) assertCurrent(commit string) {
	e.t.Helper()
	target, err := os.Readlink(filepath.Join(e.root, "current"))
	if err != nil || target != "rev-"+commit {
		e.t.Fatalf("current -> %q (%v), want rev-%s", target, err, commit)
	}
	rev, err := gitrev.Read(e.t.Context(), filepath.Join(e.root, "current", "hosts", "h1"))
	if err != nil || rev.Commit != commit || rev.Dirty {
		e.t.Fatalf("the tree behind current reads as %+v, %v; want %s clean", rev, err, commit)
	}
}

func (e *env) revDirs() []string {
	m, err := filepath.Glob(filepath.Join(e.root, "rev-*"))
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

func TestSyncFollowsFastForwards(t *testing.T) {
	e := newEnv(t)
	a := e.commit("a")
	e.mustSync()
	e.assertCurrent(a)

	b := e.commit("b")
	stop := e.readContinuously()
	e.mustSync()
	if n, bad := stop(); bad != "" {
		t.Fatalf("a reader of current saw %s (after %d reads)", bad, n)
	}
	e.assertCurrent(b)
	if got := strings.Join(e.revDirs(), " "); got != "rev-"+a+" rev-"+b && got != "rev-"+b+" rev-"+a {
		t.Fatalf("worktrees %s: want the previous one kept (--keep 1)", got)
	}

	e.mustSync() // nothing new: nothing moves
	e.assertCurrent(b)

	c := e.commit("c")
	e.mustSync()
	e.assertCurrent(c)
	if got := e.revDirs(); len(got) != 2 || contains(got, "rev-"+a) {
		t.Fatalf("worktrees %v: rev-%s should have been pruned", got, a)
	}
	if out := e.git(e.root, "--git-dir=repo.git", "worktree", "list"); strings.Contains(out, a) {
		t.Fatalf("git still lists the pruned worktree:\n%s", out)
	}
}

// readContinuously reads current/hosts/h1/store.hcl in a loop until stopped; a read that fails
// or sees anything but a whole file is reported.
func (e *env) readContinuously() (stop func() (int, string)) {
	var done atomic.Bool
	var n int
	var bad string
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			b, err := os.ReadFile(filepath.Join(e.root, "current", "hosts", "h1", "store.hcl"))
			if err != nil || (string(b) != "a" && string(b) != "b") {
				bad = "error " + strings.TrimSpace(string(b)) + " " + errString(err)
				return
			}
			n++
		}
	}()
	return func() (int, string) { done.Store(true); <-finished; return n, bad }
}

func TestSyncRefusesAHistoryRewrite(t *testing.T) {
	e := newEnv(t)
	e.commit("a")
	b := e.commit("b")
	e.mustSync()
	e.git(e.upstream, "reset", "-q", "--hard", "HEAD~1")
	rewritten := e.commit("b rewritten")
	code, stderr := e.sync()
	if code != 3 || !strings.Contains(stderr, "history rewritten") || !strings.Contains(stderr, rewritten) {
		t.Fatalf("sync after a force push: exit %d, %q; want 3 naming the rewrite", code, stderr)
	}
	e.assertCurrent(b)
	if contains(e.revDirs(), "rev-"+rewritten) {
		t.Fatal("the rewritten commit was checked out")
	}
}

func TestSyncRequiresSignedCommits(t *testing.T) {
	e := newEnv(t)
	key := filepath.Join(t.TempDir(), "key")
	if out, err := exec.CommandContext(t.Context(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "t", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	signers := filepath.Join(t.TempDir(), "allowed_signers")
	write(t, signers, "t@example.org "+string(pub))
	e.git(e.upstream, "config", "--global", "gpg.format", "ssh")
	e.git(e.upstream, "config", "--global", "user.signingkey", key)
	e.git(e.upstream, "config", "--global", "gpg.ssh.allowedSignersFile", signers)

	signed := e.commit("a", "-S")
	e.mustSync("--require-signed")
	e.assertCurrent(signed)

	unsigned := e.commit("b", "--no-gpg-sign")
	code, stderr := e.sync("--require-signed")
	if code != 4 || !strings.Contains(stderr, unsigned) || !strings.Contains(stderr, "signature") {
		t.Fatalf("sync of an unsigned commit: exit %d, %q; want 4 naming it", code, stderr)
	}
	e.assertCurrent(signed)

	// Without the requirement the same commit is taken: the refusal came from the check.
	e.mustSync()
	e.assertCurrent(unsigned)
}

func TestSyncUsage(t *testing.T) {
	e := newEnv(t)
	cmd := exec.CommandContext(t.Context(), "./axiom-config-sync", "--root", e.root)
	cmd.Env = append(e.environ(), "AXIOM_SYNC_REPO=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 64 || !strings.Contains(string(out), "no repository") {
		t.Fatalf("without --repo: %v\n%s", err, out)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The service runs the script with flags it accepts, as a oneshot with the settings file, and
// the timer (same name, so it starts that service) fires repeatedly.
func TestUnitFiles(t *testing.T) {
	unit, err := os.ReadFile("axiom-config-sync.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/axiom-config-sync(.*)$`).FindSubmatch(unit)
	if m == nil {
		t.Fatal("the service does not run /usr/local/bin/axiom-config-sync")
	}
	args := append(strings.Fields(string(m[1])), "--help")
	if out, err := exec.CommandContext(t.Context(), "./axiom-config-sync", args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "usage:") {
		t.Fatalf("axiom-config-sync %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, want := range []string{"Type=oneshot", "EnvironmentFile=/etc/default/axiom-config-sync"} {
		if !strings.Contains(string(unit), "\n"+want+"\n") {
			t.Errorf("the service lacks %q", want)
		}
	}
	timer, err := os.ReadFile("axiom-config-sync.timer")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^OnUnit(In)?[Aa]ctiveSec=`).Match(timer) || !strings.Contains(string(timer), "WantedBy=timers.target") {
		t.Errorf("the timer does not fire repeatedly or is not installable:\n%s", timer)
	}
}
