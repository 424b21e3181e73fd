package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// That the examples resolve, merge without unexpected conflicts and converge is proven with the
// real resolver and merge by reconcile's TestExamplesConvergeOnModel (and on real ZFS by
// TestExamplesReal); here, the files themselves.

// TestSamplePackages reads the sample packages with the real source scanner (upstream's package
// directory format, every safety rule): each is valid, in a directory named NAME-X.Y.Z, with a
// one-line description and a license, and its tools run and print their name and version.
func TestSamplePackages(t *testing.T) {
	pkgs, err := source.Scan(context.Background(), []string{"packages"}, archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range pkgs {
		m := p.Manifest
		names[m.Name] = true
		if want := m.Name + "-" + m.Version.String(); filepath.Base(p.Origin) != want {
			t.Errorf("%s: manifest says %s %s; name the directory %s", p.Origin, m.Name, m.Version, want)
		}
		if m.Revision < 1 || m.Description == "" || m.License == "" || strings.Contains(m.Description, "\n") {
			t.Errorf("%s: the manifest needs a positive revision, a one-line description and a license", p.Origin)
		}
		for _, f := range p.Files {
			if f.Type != source.Regular || !(strings.HasPrefix(f.Path, "bin/") || strings.HasPrefix(f.Path, "libexec/")) {
				continue
			}
			path := filepath.Join(p.Origin, "root", f.Path)
			if f.Mode&0o111 == 0 {
				t.Errorf("%s is not executable", path)
			}
			out, err := exec.Command("sh", path).Output()
			if want := fmt.Sprintf("(%s %s,", m.Name, m.Version); err != nil || !strings.Contains(string(out), want) {
				t.Errorf("sh %s = %q, %v; want output containing %q", path, out, err, want)
			}
		}
	}
	if len(names) < 10 {
		t.Errorf("%d sample package names, want at least 10", len(names))
	}
}

// exampleDirs lists the example configurations: every directory here except packages/ and
// fleet/, a repository of several directories that make one configuration per host only when
// merged (see fleet/README.md), which a single-directory load cannot read.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	des, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, de := range des {
		if de.IsDir() && de.Name() != "packages" && de.Name() != "fleet" {
			dirs = append(dirs, de.Name())
		}
	}
	if len(dirs) < 3 {
		t.Fatalf("only %d example directories", len(dirs))
	}
	return dirs
}

// TestExamplesValidAndFormatted is what `validate` and `fmt --check` say about each example.
func TestExamplesValidAndFormatted(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		t.Run(dir, func(t *testing.T) {
			cfg, diags := spec.Load(dir)
			for _, d := range diags {
				t.Errorf("%s: %s: %s", d.Subject, d.Summary, d.Detail)
			}
			if cfg == nil {
				t.FailNow()
			}
			for _, f := range cfg.Files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out, diags := spec.Format(src, f)
				if diags.HasErrors() || !bytes.Equal(out, src) {
					t.Errorf("%s is not formatted: run axiom-reconcile fmt -c examples/%s", f, dir)
				}
			}
			if len(cfg.Environments) == 0 {
				t.Error("an example without environments shows little")
			}
			want, _ := filepath.Abs("packages")
			if len(cfg.Sources) != 1 || cfg.Sources[0].Path != want {
				t.Errorf("sources %+v: the examples install the sample packages in %s", cfg.Sources, want)
			}
		})
	}
}

// TestFleetHostsValid: each host of the fleet repository is the merge of common/, its role and
// its own directory (fleet/README.md), and each such merge is a valid configuration with the
// environments the README lists.
func TestFleetHostsValid(t *testing.T) {
	for host, want := range map[string]struct {
		role string
		envs int
	}{"dev1": {"devbox", 4}, "dev2": {"devbox", 5}, "build1": {"builder", 4}} {
		t.Run(host, func(t *testing.T) {
			cfg, diags := new(spec.Loader).LoadDirs("fleet/common", "fleet/roles/"+want.role, "fleet/hosts/"+host)
			for _, d := range diags {
				t.Errorf("%s: %s: %s", d.Subject, d.Summary, d.Detail)
			}
			if cfg == nil {
				t.FailNow()
			}
			if len(cfg.Environments) != want.envs || len(cfg.Dirs) != 3 {
				t.Errorf("%d environments from %d directories, want %d from 3", len(cfg.Environments), len(cfg.Dirs), want.envs)
			}
		})
	}
}

// TestFleetFormatted checks that every file of the fleet repository is as fmt writes it.
func TestFleetFormatted(t *testing.T) {
	files, err := filepath.Glob("fleet/*/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("fleet/*/*/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	if len(files) < 6 {
		t.Fatalf("only %d files in fleet/", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, diags := spec.Format(src, f)
		if diags.HasErrors() || !bytes.Equal(out, src) {
			t.Errorf("%s is not formatted: run axiom-reconcile fmt -c examples/%s", f, filepath.Dir(f))
		}
	}
}
