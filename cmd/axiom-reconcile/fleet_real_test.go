//go:build realzfs

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// fleetPlaybook is the whole fleet test in one run of ansible-playbook (its start-up is long
// under emulation): every host reconciled from the repository at commit 1 (worktree wt1), the
// same in check mode, then at commit 2 (a change in common/), then at commit 3 (a broken
// hosts/h2/). A failed host leaves the play, so the broken commit comes last. The hosts share
// one machine, so each has lock files of its own: with one GC lock (the default path) they
// would take turns, and other tests in the guest use it too.
const fleetPlaybook = `
- hosts: fleet
  gather_facts: false
  vars:
    axiom: &axiom
      binary: "{{ axiom_bin }}"
      lock_file: "{{ work }}/lock-{{ inventory_hostname }}"
      gc_lock_file: "{{ work }}/gc-lock-{{ inventory_hostname }}"
      lock_timeout: 5m
  tasks:
    - name: converge at commit 1
      axiom_reconcile:
        <<: *axiom
        config_dirs: ["{{ work }}/wt1/common", "{{ work }}/wt1/hosts/{{ inventory_hostname }}"]
    - name: check mode at commit 1
      check_mode: true
      axiom_reconcile:
        <<: *axiom
        config_dirs: ["{{ work }}/wt1/common", "{{ work }}/wt1/hosts/{{ inventory_hostname }}"]
    - name: converge at commit 2
      axiom_reconcile:
        <<: *axiom
        config_dirs: ["{{ work }}/wt2/common", "{{ work }}/wt2/hosts/{{ inventory_hostname }}"]
    - name: converge at commit 3
      axiom_reconcile:
        <<: *axiom
        config_dirs: ["{{ work }}/wt3/common", "{{ work }}/wt3/hosts/{{ inventory_hostname }}"]
`

const fleetInventory = `[fleet]
h1
h2
h3

[fleet:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
`

// fleetRun is the fleet test's world: a Git repository for three "hosts", each a store of its
// own on the test pool, and ansible-playbook with a local connection.
type fleetRun struct {
	t           *testing.T
	repo, work  string
	root        string // the test root: the stores are root/h1, root/h2, root/h3
	env         []string
	bin, module string
	zfs         interface {
		Observe(ctx context.Context, roots ...string) (*zfs.Tree, error)
	}
	mountpoint func(host string) string
	forks      string // ansible-playbook -f
}

func (f *fleetRun) git(args ...string) string {
	f.t.Helper()
	cmd := exec.CommandContext(f.t.Context(), "git", args...)
	cmd.Dir, cmd.Env = f.repo, f.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (f *fleetRun) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.repo, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// commit commits everything, checks the commit out in work/<wt> (a worktree: its .git is a
// file pointing into the repository) and returns the commit's id.
func (f *fleetRun) commit(msg, wt string) string {
	f.git("add", "-A")
	f.git("commit", "-q", "-m", msg)
	c := f.git("rev-parse", "HEAD")
	f.git("worktree", "add", "-q", "--detach", filepath.Join(f.work, wt), c)
	return c
}

// taskLine is a host's result line in ansible-playbook's default output.
var taskLine = regexp.MustCompile(`^(ok|changed|fatal|failed|skipping): \[(h\d)\]`)

// playbook runs the playbook and returns its exit status, its output, and each task's result
// ("ok", "changed", "fatal") by host.
func (f *fleetRun) playbook() (int, string, map[string]map[string]string) {
	f.t.Helper()
	start := time.Now()
	cmd := exec.CommandContext(f.t.Context(), "ansible-playbook", "-i", filepath.Join(f.work, "inventory"),
		"-M", f.module, "-f", f.forks, "-e", "axiom_bin="+f.bin, "-e", "work="+f.work, filepath.Join(f.work, "fleet.yml"))
	cmd.Env = f.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		f.t.Fatalf("ansible-playbook: %v\n%s", err, out)
	}
	results := map[string]map[string]string{}
	task := ""
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(line, "TASK ["); ok {
			task, _, _ = strings.Cut(name, "]")
			results[task] = map[string]string{}
		} else if m := taskLine.FindStringSubmatch(line); m != nil && task != "" {
			results[task][m[2]] = m[1]
		}
	}
	f.t.Logf("ansible-playbook: exit %d in %s\n%s", code, time.Since(start).Round(time.Millisecond), out)
	return code, string(out), results
}

// recorded is the revision a dataset of tree records (axiom:revision).
func (f *fleetRun) recorded(tree *zfs.Tree, ds string) string {
	f.t.Helper()
	d, ok := tree.Get(ds)
	if !ok {
		f.t.Fatalf("%s does not exist", ds)
	}
	v, _ := d.Local(layout.PropRevision)
	return v
}

// status is a host's `axiom-reconcile status`, with the configuration in worktree wt.
func (f *fleetRun) status(host, wt string) string {
	f.t.Helper()
	cmd := exec.CommandContext(f.t.Context(), f.bin, "status", "-c", filepath.Join(f.work, wt, "common"), "-c", filepath.Join(f.work, wt, "hosts", host))
	cmd.Env = f.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("status of %s: %v\n%s", host, err, out)
	}
	return string(out)
}

func (f *fleetRun) storeHCL(host string) string {
	return fmt.Sprintf(`store {
  dataset    = "%[1]s/%[2]s"
  mountpoint = "%[4]s"
}

source "samples" {
  path = "%[3]s"
}

environment "base" {
  profile = "base"
}
`, f.root, host, filepath.Join(f.work, "packages"), f.mountpoint(host))
}

// TestFleetAnsibleReal: three hosts (three stores on the test pool) driven from one Git
// repository by ansible-playbook with the module: the first run converges all three, check mode
// afterwards reports no change, a change in common/ gives every host a new generation, a broken
// hosts/h2/ fails h2 only (named) while h1 and h3 converge, and each store records the commit
// it applied.
func TestFleetAnsibleReal(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Fatalf("ansible-playbook is needed (the test image installs ansible-core): %v", err)
	}
	bin, err := exec.LookPath("axiom-reconcile") // the test binary (TestMain)
	if err != nil {
		t.Fatal(err)
	}
	module, err := filepath.Abs("../../contrib/ansible/library")
	if err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	work := t.TempDir()
	root := zfstest.NewRoot(t, c, zfstest.RealPool(t))
	f := &fleetRun{t: t, bin: bin, module: module, zfs: c, root: root, work: work, repo: filepath.Join(work, "fleet"),
		mountpoint: func(h string) string { return "/" + root + "/" + h }, forks: "3"}
	runFleet(t, f, os.Environ())
}

// runFleet is TestFleetAnsibleReal's body, on the stores f reaches.
func runFleet(t *testing.T, f *fleetRun, env []string) {
	work := f.work
	f.env = append(env, "HOME="+work, "LC_ALL=C.UTF-8", "ANSIBLE_LOCAL_TEMP="+work+"/.ansible/tmp",
		"ANSIBLE_REMOTE_TEMP="+work+"/.ansible/tmp", "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"AXIOM_RECONCILE_CACHE_DIR="+work+"/cache", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	for _, p := range []string{"make-4.4.1", "zlib-1.3.1"} { // tiny, without dependencies
		copyTree(t, filepath.Join("../../examples/packages", p), filepath.Join(work, "packages", p))
	}
	for name, s := range map[string]string{"fleet.yml": fleetPlaybook, "inventory": fleetInventory} {
		if err := os.WriteFile(filepath.Join(work, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commits := f.makeRepository()
	code, out, results := f.playbook()
	f.checkResults(code, out, results)
	f.checkStores(commits)
}

// makeRepository commits the fleet three times (see fleetPlaybook), each checked out in
// wt1, wt2, wt3, and returns the commits.
func (f *fleetRun) makeRepository() [3]string {
	if err := os.MkdirAll(f.repo, 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.git("init", "-q", "-b", "main")
	f.write("common/base.hcl", "profile \"base\" {\n  package \"make\" {}\n}\n")
	for _, h := range []string{"h1", "h2", "h3"} {
		f.write("hosts/"+h+"/store.hcl", f.storeHCL(h))
	}
	var c [3]string
	c[0] = f.commit("three hosts", "wt1")
	f.write("common/base.hcl", "profile \"base\" {\n  package \"make\" {}\n  package \"zlib\" {}\n}\n")
	c[1] = f.commit("zlib for everyone", "wt2")
	f.write("hosts/h2/store.hcl", f.storeHCL("h2")+"environment \"broken\" {\n")
	c[2] = f.commit("a broken h2", "wt3")
	f.t.Logf("commits: %s (three hosts), %s (common/ changed), %s (h2 broken)", c[0], c[1], c[2])
	return c
}

func (f *fleetRun) checkResults(code int, out string, results map[string]map[string]string) {
	f.t.Helper()
	want := map[string]map[string]string{
		"converge at commit 1":   {"h1": "changed", "h2": "changed", "h3": "changed"},
		"check mode at commit 1": {"h1": "ok", "h2": "ok", "h3": "ok"},
		"converge at commit 2":   {"h1": "changed", "h2": "changed", "h3": "changed"},
		// h1 and h3 have nothing to change at commit 3 but record it (changed); h2 fails.
		"converge at commit 3": {"h1": "changed", "h2": "fatal", "h3": "changed"},
	}
	for task, hosts := range want {
		for h, w := range hosts {
			if got := results[task][h]; got != w {
				f.t.Errorf("%s, %s: %q, want %q", task, h, got, w)
			}
		}
	}
	if code == 0 || !strings.Contains(out, "fatal: [h2]") || !strings.Contains(out, filepath.Join(f.work, "wt3", "hosts", "h2", "store.hcl")) {
		f.t.Errorf("exit %d: the failure does not name h2 and its file", code)
	}
}

// checkStores: each generation records the commit it was built from, each store the commit it
// applied last (h2 the one before its broken commit), and status shows it (on h2, the host
// behind: each status costs seconds under emulation).
func (f *fleetRun) checkStores(c [3]string) {
	f.t.Helper()
	tree, err := f.zfs.Observe(f.t.Context(), f.root)
	if err != nil {
		f.t.Fatal(err)
	}
	l := func(h string) layout.Layout { return layout.Layout{Root: layout.Dataset(f.root + "/" + h)} }
	for h, want := range map[string]string{"h1": c[2], "h2": c[1], "h3": c[2]} {
		if got := f.recorded(tree, string(l(h).Root)); got != want {
			f.t.Errorf("%s's store records %q, want %s", h, got, want)
		}
		for k, wantGen := range []string{c[0], c[1]} {
			if got := f.recorded(tree, string(l(h).Generation("base", k+1))); got != wantGen {
				f.t.Errorf("%s gen-%d records %q, want %s", h, k+1, got, wantGen)
			}
		}
	}
	st := f.status("h2", "wt2")
	if !strings.Contains(st, "\nApplied revision: "+c[1]+" at ") {
		f.t.Errorf("status of h2 does not show %s:\n%s", c[1], st)
	}
	f.t.Logf("status of h2:\n%s", st)
}

// copyTree copies a directory of regular files and directories.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if d.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
