//go:build realzfs

package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// CorpusEnv names the directory holding the converted real sets (small/, large/), which
// scripts/test-realzfs.sh fetches on the host (scripts/realpkgs/fetch.sh) and copies into the
// repository's .build/, the only place the test VM sees.
const CorpusEnv = "AXIOM_REALPKGS"

var bg = context.Background()

// corpus returns the converted packages of set, failing (never skipping) when they are missing.
func corpus(t testing.TB, set string) string {
	t.Helper()
	dir := os.Getenv(CorpusEnv)
	if dir == "" {
		t.Fatalf("%s is not set: the real-package tests need the converted Debian sets; run them with scripts/test-realzfs.sh (make test), which fetches them", CorpusEnv)
	}
	dir = filepath.Join(dir, set)
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		t.Fatalf("the real set %q is missing at %s (%v): scripts/test-realzfs.sh fetches it with scripts/realpkgs/fetch.sh %s", set, dir, err, set)
	}
	return dir
}

// realEngine gives a test an engine on real ZFS (built as the command builds it) and a fresh
// Axiom root below the test pool.
func realEngine(t testing.TB) (*reconcile.Engine, *zfs.CLI, string, string) {
	t.Helper()
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	root := zfstest.NewRoot(t, c, pool) + "/axiom"
	return &reconcile.Engine{ZFS: c, Log: zerolog.Nop()}, c, root, "/" + root
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
