//go:build realzfs

package main

import (
	"encoding/json"
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

// fleetPlaybook reconciles every host of the inventory with the module, each from the fleet
// repository's common/ and its own hosts/<name>/.
const fleetPlaybook = `
- hosts: fleet
  gather_facts: false
  tasks:
    - name: Reconcile the store
      axiom_reconcile:
        config_dirs:
          - "{{ repo }}/common"
          - "{{ repo }}/hosts/{{ inventory_hostname }}"
        binary: "{{ axiom_bin }}"
        lock_file: "{{ work }}/lock"
        lock_timeout: 5m
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
	mountpoint  func(host string) string
	env         []string
	bin, module string
	// recorded reads the revision a host's store records, without its configuration.
	recorded func(host string) string
	forks    string
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

// commit commits everything and returns the commit's id.
func (f *fleetRun) commit(msg string) string {
	f.git("add", "-A")
	f.git("commit", "-q", "-m", msg)
	return f.git("rev-parse", "HEAD")
}

// playbook runs the playbook (extra arguments: --check, say) and returns its exit status, its
// output, and each host's recap counters ("ok", "changed", "failed").
func (f *fleetRun) playbook(args ...string) (int, string, map[string]map[string]int) {
	f.t.Helper()
	start := time.Now()
	extra := len(args)
	args = append([]string{"-i", filepath.Join(f.work, "inventory"), "-M", f.module, "-f", f.forks,
		"-e", "repo=" + f.repo, "-e", "axiom_bin=" + f.bin, "-e", "work=" + f.work,
		filepath.Join(f.work, "fleet.yml")}, args...)
	cmd := exec.CommandContext(f.t.Context(), "ansible-playbook", args...)
	cmd.Env = f.env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		f.t.Fatalf("ansible-playbook: %v\n%s", err, out)
	}
	recap := map[string]map[string]int{}
	re := regexp.MustCompile(`(?m)^(h\d)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		var ok, changed, failed int
		fmt.Sscan(m[2], &ok)
		fmt.Sscan(m[3], &changed)
		fmt.Sscan(m[4], &failed)
		recap[m[1]] = map[string]int{"ok": ok, "changed": changed, "failed": failed}
	}
	f.t.Logf("ansible-playbook %s: exit %d in %s, recap %v", strings.Join(args[len(args)-extra:], " "), code, time.Since(start).Round(time.Millisecond), recap)
	return code, string(out), recap
}

// hostStatus is `axiom-reconcile status --json` of a host.
func (f *fleetRun) hostStatus(host string) (applied string, gens []int) {
	f.t.Helper()
	cmd := exec.CommandContext(f.t.Context(), f.bin, "status", "--json", "-c", filepath.Join(f.repo, "common"), "-c", filepath.Join(f.repo, "hosts", host))
	cmd.Env = f.env
	out, err := cmd.Output()
	if err != nil {
		f.t.Fatalf("status of %s: %v\n%s", host, err, out)
	}
	var st struct {
		Applied      string `json:"applied_revision"`
		Environments []struct {
			Generations []struct {
				Generation int `json:"generation"`
			} `json:"generations"`
		} `json:"environments"`
	}
	if err := json.Unmarshal(out, &st); err != nil || len(st.Environments) != 1 {
		f.t.Fatalf("status of %s: %v\n%s", host, err, out)
	}
	for _, g := range st.Environments[0].Generations {
		gens = append(gens, g.Generation)
	}
	return st.Applied, gens
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
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	root := zfstest.NewRoot(t, c, pool)
	f := &fleetRun{t: t, bin: bin, module: module, root: root, forks: "3",
		mountpoint: func(h string) string { return "/" + root + "/" + h },
		recorded: func(h string) string {
			tree, err := c.Observe(t.Context(), root+"/"+h)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := tree.Get(root + "/" + h)
			v, _ := d.Local(layout.PropRevision)
			return v
		}}
	runFleet(t, f, os.Environ())
}

// runFleet is TestFleetAnsibleReal's body, on the store f reaches.
func runFleet(t *testing.T, f *fleetRun, env []string) {
	work := t.TempDir()
	f.work, f.repo = work, filepath.Join(work, "fleet")
	f.env = append(env, "HOME="+work, "LC_ALL=C.UTF-8", "ANSIBLE_LOCAL_TEMP="+work+"/.ansible/tmp",
		"ANSIBLE_REMOTE_TEMP="+work+"/.ansible/tmp", "ANSIBLE_NOCOLOR=1", "ANSIBLE_RETRY_FILES_ENABLED=0",
		"AXIOM_RECONCILE_CACHE_DIR="+work+"/cache", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	// Two tiny packages without dependencies.
	for _, p := range []string{"make-4.4.1", "zlib-1.3.1"} {
		copyTree(t, filepath.Join("../../examples/packages", p), filepath.Join(work, "packages", p))
	}
	for name, s := range map[string]string{"fleet.yml": fleetPlaybook, "inventory": fleetInventory} {
		if err := os.WriteFile(filepath.Join(work, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(f.repo, 0o755); err != nil {
		t.Fatal(err)
	}
	f.git("init", "-q", "-b", "main")
	f.write("common/base.hcl", "profile \"base\" {\n  package \"make\" {}\n}\n")
	hosts := []string{"h1", "h2", "h3"}
	for _, h := range hosts {
		f.write("hosts/"+h+"/store.hcl", f.storeHCL(h))
	}
	c1 := f.commit("three hosts")

	code, out, recap := f.playbook()
	for _, h := range hosts {
		if code != 0 || recap[h]["changed"] != 1 || recap[h]["failed"] != 0 {
			t.Fatalf("first run: exit %d, %s %v, want every host changed\n%s", code, h, recap[h], out)
		}
		if applied, gens := f.hostStatus(h); applied != c1 || fmt.Sprint(gens) != "[1]" {
			t.Errorf("%s after the first run: applied %q, generations %v; want %s and [1]", h, applied, gens, c1)
		}
	}

	code, out, recap = f.playbook("--check")
	for _, h := range hosts {
		if code != 0 || recap[h]["changed"] != 0 || recap[h]["failed"] != 0 {
			t.Fatalf("check mode after converging: exit %d, %s %v, want no change\n%s", code, h, recap[h], out)
		}
	}

	f.write("common/base.hcl", "profile \"base\" {\n  package \"make\" {}\n  package \"zlib\" {}\n}\n")
	c2 := f.commit("zlib for everyone")
	code, out, recap = f.playbook()
	for _, h := range hosts {
		if code != 0 || recap[h]["changed"] != 1 {
			t.Fatalf("after a change in common/: exit %d, %s %v\n%s", code, h, recap[h], out)
		}
		if applied, gens := f.hostStatus(h); applied != c2 || fmt.Sprint(gens) != "[1 2]" {
			t.Errorf("%s after the change in common/: applied %q, generations %v; want %s and [1 2]", h, applied, gens, c2)
		}
	}

	f.write("hosts/h2/store.hcl", f.storeHCL("h2")+"environment \"broken\" {\n")
	c3 := f.commit("a broken h2")
	code, out, recap = f.playbook()
	if code == 0 || recap["h2"]["failed"] != 1 || recap["h1"]["failed"] != 0 || recap["h3"]["failed"] != 0 {
		t.Fatalf("broken h2: exit %d, recap %v; want h2 alone failed\n%s", code, recap, out)
	}
	if !strings.Contains(out, "fatal: [h2]") || !strings.Contains(out, "hosts/h2/store.hcl") || strings.Contains(out, "fatal: [h1]") || strings.Contains(out, "fatal: [h3]") {
		t.Errorf("the failure does not name h2 and its file alone:\n%s", out)
	}
	for h, want := range map[string]string{"h1": c3, "h3": c3} {
		if applied, gens := f.hostStatus(h); applied != want || fmt.Sprint(gens) != "[1 2]" {
			t.Errorf("%s beside the broken h2: applied %q, generations %v; want %s and [1 2]", h, applied, gens, want)
		}
	}
	// h2's store still records the last commit it applied.
	if got := f.recorded("h2"); got != c2 {
		t.Errorf("h2's store records %q, want %s", got, c2)
	}
	t.Logf("commits: %s (three hosts), %s (common/ changed), %s (h2 broken)", c1, c2, c3)
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
