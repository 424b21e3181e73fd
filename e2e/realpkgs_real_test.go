//go:build realzfs

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature/signtest"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// baseProfile asks for the small set's programs; util-linux may keep su's set-uid bit.
const baseProfile = `
profile "base" {
  package "bash"       {}
  package "coreutils"  {}
  package "git"        { version = "~2.39" }
  package "curl"       {}
  package "perl-base"  {}
  package "gzip"       {}
  package "tar"        {}
  package "openssl"    {}
  package "util-linux" { allow_setuid = true }
}
environment "base" {
  profile          = "base"
  keep_generations = 2
}
`

// cxxProfile is used only to be removed: libstdc++6 ('+' in its name) is in it alone.
const cxxProfile = `
profile "cxx" {
  package "libstdc++6" {}
}
environment "cxx" {
  profile = "cxx"
}
`

// TestRealPackagesReal applies the small real Debian set (scripts/realpkgs/sets/small.list) on
// real OpenZFS and walks it through its life: a cold apply, the generation's programs run, its
// absolute links read back as shipped, a package named with '+' imported and realized, an empty
// plan after apply, an upgrade of one package making a new generation, the removal of a profile
// and GC collecting what only it used, and a source with one refused package beside the good
// ones.
func TestRealPackagesReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	e, c, top, root, mp := realEngine(t)
	pkgs := corpus(t, c, top, "small")
	cfgDir, extra := t.TempDir(), t.TempDir()
	// extra holds only packages signed in this test: it trusts that key alone, and requires it.
	key, priv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	config := func(sources []string, profiles ...string) *spec.Config {
		t.Helper()
		var b strings.Builder
		fmt.Fprintf(&b, "store {\n  dataset    = %q\n  mountpoint = %q\n}\n", root, mp)
		for i, s := range sources {
			trust := ""
			if s == extra {
				trust = fmt.Sprintf("  trusted_key_data = [%q]\n  signatures = \"require\"\n", hex.EncodeToString(key.Key))
			}
			fmt.Fprintf(&b, "source \"s%d\" {\n  path = %q\n%s}\n", i, s, trust)
		}
		b.WriteString("gc {\n  grace_period = \"0s\"\n}\n")
		for _, p := range profiles {
			b.WriteString(p)
		}
		return writeConfig(t, cfgDir, b.String())
	}
	apply := func(what string, cfg *spec.Config, opt reconcile.PlanOptions) (*reconcile.Plan, *reconcile.Applied) {
		t.Helper()
		opt.MaxDeletes = nil // the configuration's budget
		plan, done, err := e.Reconcile(bg, cfg, opt)
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, planText(plan))
		}
		again, err := e.Plan(bg, cfg, reconcile.PlanOptions{})
		must(t, err)
		if !again.Empty() {
			t.Fatalf("%s: the plan after apply is not empty:\n%s", what, planText(again))
		}
		return plan, done
	}

	// Cold apply of the whole small set (both profiles use all of it between them).
	files, bytes := setSize(t, pkgs)
	n := len(packageDirs(t, pkgs))
	cfg := config([]string{pkgs, extra}, baseProfile, cxxProfile)
	start := time.Now()
	_, done := apply("cold apply", cfg, reconcile.PlanOptions{})
	t.Logf("cold apply of the small real set: %d packages, %d files, %d bytes: %d steps in %s",
		n, files, bytes, done.Steps, time.Since(start).Round(time.Millisecond))
	gen := filepath.Join(mp, "env", "base", "current")
	if cur, err := os.Readlink(gen); err != nil || cur != "gen-1" {
		t.Fatalf("base current: %q, %v", cur, err)
	}

	// The generation's programs run, with the generation's libraries.
	if out := runIn(t, gen, "bin/bash", "-c", "echo ok"); out != "ok\n" {
		t.Fatalf("bash -c 'echo ok' printed %q", out)
	}
	if out := runIn(t, gen, "usr/bin/git", "--version"); !strings.HasPrefix(out, "git version 2.39.5") {
		t.Fatalf("git --version printed %q", out)
	}
	// Absolute symlinks read back as shipped.
	for link, want := range map[string]string{
		"usr/lib/ssl/certs": "/etc/ssl/certs", "usr/lib/ssl/cert.pem": "/etc/ssl/certs/ca-certificates.crt",
		"etc/rmt": "/usr/sbin/rmt", "lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	} {
		if got, err := os.Readlink(filepath.Join(gen, link)); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", link, got, err, want)
		}
	}
	// su keeps its set-uid bit: the profile allows it for util-linux.
	if fi, err := os.Stat(filepath.Join(gen, "bin", "su")); err != nil || fi.Mode()&fs.ModeSetuid == 0 {
		t.Errorf("bin/su in the generation: %v, %v; want set-uid (allow_setuid)", fi.Mode(), err)
	}
	// Hard links inside one package stay one file in its dataset.
	gz := pkgDataset(t, c, root, "gzip", "1.12.0")
	if !sameFile(t, filepath.Join("/"+gz, "root", "bin", "gunzip"), filepath.Join("/"+gz, "root", "bin", "uncompress")) {
		t.Error("gzip: bin/gunzip and bin/uncompress are two files in the package dataset")
	}
	// libstdc++6: imported under its dataset name ('+' as ':'), realized in cxx.
	cxx := pkgDataset(t, c, root, "libstdc::6", "12.2.0")
	if _, err := os.Stat(filepath.Join(mp, "env", "cxx", "current", "usr", "lib", "x86_64-linux-gnu", "libstdc++.so.6")); err != nil {
		t.Fatalf("libstdc++6 is not realized in cxx: %v", err)
	}

	// An upgrade: gzip 1.12.1 appears in a source; --upgrade moves base to a new generation.
	bumped := filepath.Join(extra, "gzip-1.12.1")
	copyTree(t, packageDirs(t, pkgs)["gzip"], bumped)
	bumpVersion(t, filepath.Join(bumped, "manifest.yaml"), "1.12.0", "1.12.1")
	signtest.SignDir(t, bumped, priv, "e2e")
	cfg = config([]string{pkgs, extra}, baseProfile, cxxProfile)
	plan, _ := apply("upgrade", cfg, reconcile.PlanOptions{Upgrade: true})
	if text := planText(plan); !strings.Contains(text, "gzip 1.12.0-1 -> 1.12.1-1") {
		t.Errorf("the upgrade plan does not show gzip moving:\n%s", text)
	}
	// The signed real package was imported under require, its key recorded; the store, real
	// packages (hard links, set-uid, absolute links) and generations, verifies fast and deep.
	checkSignedAndVerified(t, e, c, cfg, pkgDataset(t, c, root, "gzip", "1.12.1"), key.ID)
	if cur, err := os.Readlink(gen); err != nil || cur != "gen-2" {
		t.Fatalf("after the upgrade base current is %q, %v; want gen-2", cur, err)
	}
	if out := runIn(t, gen, "bin/bash", "-c", "echo ok"); out != "ok\n" {
		t.Fatalf("after the upgrade bash printed %q", out)
	}

	// Removing cxx (profile and environment), then gc: what only it used goes, libstdc++6
	// included; what base uses stays.
	cfg = config([]string{pkgs, extra}, baseProfile)
	apply("cxx removed", cfg, reconcile.PlanOptions{})
	apply("gc", cfg, reconcile.PlanOptions{GCOnly: true})
	tree, err := c.Observe(bg, root)
	must(t, err)
	if _, ok := tree.Get(cxx); ok {
		t.Errorf("libstdc++6 (%s) survived the removal of the only profile using it and gc", cxx)
	}
	if _, ok := tree.Get(root + "/env/cxx"); ok {
		t.Error("env/cxx survived its removal")
	}
	for _, keep := range []string{gz, pkgDataset(t, c, root, "libc6", "2.36.0"), pkgDataset(t, c, root, "bash", "5.2.15")} {
		if _, ok := tree.Get(keep); !ok {
			t.Errorf("%s, which base uses, was collected", keep)
		}
	}

	// One refused package (a FIFO under root/) beside the good ones: base still applies, with a
	// warning naming it; a profile that needs it fails naming it.
	mixed := t.TempDir()
	for _, dir := range packageDirs(t, pkgs) {
		must(t, os.Symlink(dir, filepath.Join(mixed, filepath.Base(dir))))
	}
	bad := filepath.Join(mixed, "fifo-1.0.0")
	must(t, os.MkdirAll(filepath.Join(bad, "root", "run"), 0o755))
	must(t, os.WriteFile(filepath.Join(bad, "manifest.yaml"), []byte("name: fifo\nversion: 1.0.0\nrevision: 1\n"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(bad, "root", "run", "pipe"), 0o644))
	cfg = config([]string{mixed, extra}, baseProfile)
	plan, err = e.Plan(bg, cfg, reconcile.PlanOptions{})
	if err != nil || !plan.Empty() {
		t.Fatalf("with a refused package in the source, base: %v\n%s", err, planText(plan))
	}
	if w := strings.Join(plan.Warnings, "\n"); !strings.Contains(w, "fifo-1.0.0") {
		t.Errorf("no warning names the refused package: %q", plan.Warnings)
	}
	apply("a refused package beside the good ones", cfg, reconcile.PlanOptions{})
	cfg = config([]string{mixed, extra}, baseProfile, "profile \"pipes\" {\n  package \"fifo\" {}\n}\n")
	_, _, err = e.Reconcile(bg, cfg, reconcile.PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), "fifo") {
		t.Fatalf("a profile needing the refused package: %v; want an error naming fifo", err)
	}
	tree, err = c.Observe(bg, root)
	must(t, err)
	if _, ok := tree.Get(root + "/store/pkg/fifo"); ok {
		t.Error("something of the refused package was imported")
	}
	if cur, err := os.Readlink(gen); err != nil || cur != "gen-2" {
		t.Errorf("the failed profile moved base: current %q, %v", cur, err)
	}
}

// runIn runs the program at rel inside the generation gen with the generation's own libraries
// and returns its standard output. It is started through the generation's dynamic loader, not
// the guest's: ld.so and libc must come from one glibc build, and the guest image and the corpus
// are cached separately, so the guest's glibc may be another update than the set's.
func runIn(t *testing.T, gen, rel string, args ...string) string {
	t.Helper()
	libs := gen + "/usr/lib/x86_64-linux-gnu:" + gen + "/lib/x86_64-linux-gnu"
	cmd := exec.Command(filepath.Join(gen, "lib", "x86_64-linux-gnu", "ld-linux-x86-64.so.2"),
		append([]string{"--library-path", libs, filepath.Join(gen, rel)}, args...)...)
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+libs, "GIT_EXEC_PATH="+gen+"/usr/lib/git-core")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", rel, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// pkgDataset returns the one package dataset of comp (its dataset name component) at version.
func pkgDataset(t *testing.T, c *zfs.CLI, root, comp, version string) string {
	t.Helper()
	base := root + "/store/pkg/" + comp + "/" + version
	tree, err := c.Observe(bg, base)
	if err != nil {
		t.Fatalf("%s: %v", base, err)
	}
	var out []string
	for _, d := range tree.Datasets {
		if d.Type == zfs.Filesystem && strings.Count(strings.TrimPrefix(d.Name, base+"/"), "/") == 1 {
			out = append(out, d.Name)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%s: want one package dataset, found %v", base, out)
	}
	return out[0]
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Lstat(a)
	must(t, err)
	fb, err := os.Lstat(b)
	must(t, err)
	return os.SameFile(fa, fb)
}

// copyTree copies a package directory as cp -a does (links, modes, owners kept).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", from, to, err, out)
	}
}

// bumpVersion rewrites a manifest's version line.
func bumpVersion(t *testing.T, manifest, from, to string) {
	t.Helper()
	b, err := os.ReadFile(manifest)
	must(t, err)
	old := "\nversion: " + from + "\n"
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", manifest, old)
	}
	must(t, os.WriteFile(manifest, []byte(strings.Replace(string(b), old, "\nversion: "+to+"\n", 1)), 0o644))
}
