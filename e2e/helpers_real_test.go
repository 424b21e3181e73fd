//go:build realzfs

package e2e

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// CorpusEnv names the directory holding the converted real sets as tar files (small.tar,
// large.tar), which scripts/test-realzfs.sh fetches on the host (scripts/realpkgs/fetch.sh) and
// packs into the repository's .build/, the only place the test VM sees.
const CorpusEnv = "AXIOM_REALPKGS"

var bg = context.Background()

// corpus unpacks the converted packages of set into a new filesystem tree/corpus-SET and returns
// its mountpoint, failing (never skipping) when the set is missing. Unpacking once beats reading
// the packages over the VM's 9p share: every plan stats every file of every source, and a 9p
// round trip under emulation costs milliseconds.
func corpus(t testing.TB, c *zfs.CLI, tree, set string) string {
	t.Helper()
	dir := os.Getenv(CorpusEnv)
	if dir == "" {
		t.Fatalf("%s is not set: the real-package tests need the converted Debian sets; run them with scripts/test-realzfs.sh (make test), which fetches them", CorpusEnv)
	}
	tarball := filepath.Join(dir, set+".tar")
	if _, err := os.Stat(tarball); err != nil {
		t.Fatalf("the real set %q is missing (%v): scripts/test-realzfs.sh makes it with scripts/realpkgs/fetch.sh %s", set, err, set)
	}
	ds := tree + "/corpus-" + set
	must(t, c.Create(bg, ds, zfs.CreateOptions{}))
	start := time.Now()
	if out, err := exec.Command("tar", "-xpf", tarball, "--numeric-owner", "-C", "/"+ds).CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", tarball, err, out)
	}
	t.Logf("unpacked the real set %s in %s", set, time.Since(start).Round(time.Millisecond))
	return "/" + ds
}

// realEngine gives a test an engine on real ZFS (built as the command builds it) and a fresh
// tree below the test pool (destroyed when the test ends), in which tree/axiom is the Axiom root.
func realEngine(t testing.TB) (e *reconcile.Engine, c *zfs.CLI, tree, root, mp string) {
	t.Helper()
	pool := zfstest.RealPool(t)
	c = zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	tree = zfstest.NewRoot(t, c, pool)
	root = tree + "/axiom"
	return &reconcile.Engine{ZFS: c, Log: zerolog.Nop()}, c, tree, root, "/" + root
}

// writeConfig writes main.hcl into dir (replacing what was there) and loads it.
func writeConfig(t testing.TB, dir, hcl string) *spec.Config {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hcl), 0o644))
	cfg, diags := spec.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("loading the configuration: %v\n%s", diags, hcl)
	}
	return cfg
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func planText(p *reconcile.Plan) string {
	if p == nil {
		return "(no plan)"
	}
	var b strings.Builder
	p.WriteHuman(&b)
	return b.String()
}

// setSize counts the regular files of the packages' root/ trees in a converted set (each
// hard-linked file once) and their bytes, as debian-to-axiom's summary does.
func setSize(t testing.TB, set string) (files int, bytes int64) {
	t.Helper()
	for _, dir := range packageDirs(t, set) {
		f, b := treeSize(t, filepath.Join(dir, "root"))
		files, bytes = files+f, bytes+b
	}
	return files, bytes
}

// treeSize counts the regular files (each hard-linked file once) and their bytes below dir.
func treeSize(t testing.TB, dir string) (files int, bytes int64) {
	t.Helper()
	seen := map[uint64]bool{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		files++
		bytes += fi.Size()
		return nil
	}))
	return files, bytes
}

// packageDirs lists the package directories of a converted set, by name.
func packageDirs(t testing.TB, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	must(t, err)
	out := map[string]string{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		name := e.Name()[:strings.LastIndexByte(e.Name(), '-')]
		out[name] = filepath.Join(dir, e.Name())
	}
	return out
}
