package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestDirsFlag(t *testing.T) {
	var d dirsFlag
	if !slices.Equal(d.list(), []string{"."}) || d.given() || d.String() != "" {
		t.Fatalf("unset: list %v, given %v, String %q", d.list(), d.given(), d.String())
	}
	for _, s := range []string{"common", "hosts/h1"} {
		if err := d.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(d.list(), []string{"common", "hosts/h1"}) || d.args() != "-c common -c hosts/h1" {
		t.Errorf("after two -c: list %v, args %q", d.list(), d.args())
	}
	if err := d.Set(""); err == nil {
		t.Error("an empty -c was accepted")
	}
}

// The configuration a daemon pass and a command read through a switched `current` comes from
// the one tree current named: the directories are resolved before loading, so the
// configuration's directories (and its revision, read from them) are that tree's.
func TestLoadReadsThroughCurrentFromOneTree(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"common", "hosts/h1"} {
		if err := os.MkdirAll(filepath.Join(root, "rev-a", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, s string) {
		if err := os.WriteFile(filepath.Join(root, "rev-a", rel), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("common/p.hcl", "profile \"p\" {\n  package \"bash\" {}\n}\n")
	write("hosts/h1/s.hcl", "store {\n  dataset = \"tank/h1\"\n}\n")
	if err := os.Symlink("rev-a", filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(root, "current", "common"), filepath.Join(root, "current", "hosts", "h1")}
	want := []string{filepath.Join(real, "rev-a", "common"), filepath.Join(real, "rev-a", "hosts", "h1")}

	st, _, err := loadForWatch(t.Context(), &globals{log: zerolog.Nop()})(dirs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.cfg.Dirs, want) || st.revision != "none" {
		t.Errorf("daemon load: dirs %v revision %q, want %v and none", st.cfg.Dirs, st.revision, want)
	}
	var stderr bytes.Buffer
	cfg, err := loadConfig(&env{stdout: &bytes.Buffer{}, stderr: &stderr}, dirs)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !slices.Equal(cfg.Dirs, want) || !strings.HasSuffix(cfg.Dir, "rev-a/common") {
		t.Errorf("command load: dirs %v, want %v", cfg.Dirs, want)
	}
}
