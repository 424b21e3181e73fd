package spec

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
)

// FuzzLoad decodes two arbitrary files as one configuration. Loading never panics; it returns a
// config exactly when there is no error; every diagnostic points into one of the files; the result
// does not depend on the order the files are read in; and a config it returns keeps its promises.
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, de fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".hcl") {
			return err
		}
		src, err := os.ReadFile(path)
		f.Add(src, []byte(nil))
		f.Add(src, []byte(`store { dataset = "zroot/axiom" }`))
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		fsys := fstest.MapFS{"a.hcl": {Data: a}, "b.hcl": {Data: b}}
		var l Loader
		cfg, diags := l.LoadFS(fsys, "/fuzz")
		if (cfg == nil) != diags.HasErrors() {
			t.Fatalf("config %v with errors = %v", cfg != nil, diags.HasErrors())
		}
		for _, d := range diags {
			if d.Subject == nil {
				t.Fatalf("diagnostic without a subject: %s: %s", d.Summary, d.Detail)
			}
			if name := d.Subject.Filename; name != "/fuzz/a.hcl" && name != "/fuzz/b.hcl" {
				t.Fatalf("diagnostic %q points at %q", d.Summary, name)
			}
		}
		if err := WriteDiagnostics(io.Discard, l.Files(), diags, TextOptions{Width: 40}); err != nil {
			t.Fatal(err)
		}

		rcfg, rdiags := l.load([]dirFiles{{fsys: fsys, dir: "/fuzz", names: []string{"b.hcl", "a.hcl"}}})
		if diff := cmp.Diff(cfg, rcfg, cmpConfig...); diff != "" {
			t.Fatalf("config depends on file order:\n%s", diff)
		}
		if diff := cmp.Diff(ToJSON(diags), ToJSON(rdiags)); diff != "" {
			t.Fatalf("diagnostics depend on file order:\n%s", diff)
		}
		if cfg != nil {
			checkInvariants(t, cfg)
		}
	})
}

// checkInvariants checks what Config promises its users.
func checkInvariants(t *testing.T, cfg *Config) {
	t.Helper()
	if cfg.Store.Dataset == "" || !strings.HasPrefix(cfg.Store.Mountpoint, "/") || cfg.Store.Mountpoint == "/" {
		t.Errorf("store %+v", cfg.Store)
	}
	// Every dataset name derived from a configured name fits ZFS's limit.
	l := layout.Layout{Root: layout.Dataset(cfg.Store.Dataset)}
	for _, p := range cfg.Profiles {
		if err := layout.CheckNames(l.ProfileNames(p.Name)); err != nil {
			t.Errorf("profile %q: %v", p.Name, err)
		}
		for _, k := range p.Packages {
			if err := layout.CheckNames(l.PackageNames(layout.MaxPackageID(k.Name))); err != nil {
				t.Errorf("package %q: %v", k.Name, err)
			}
		}
	}
	for _, e := range cfg.Environments {
		if err := layout.CheckNames(l.EnvNames(e.Name, layout.MaxGeneration)); err != nil {
			t.Errorf("environment %q: %v", e.Name, err)
		}
	}
	if !slices.IsSortedFunc(cfg.Profiles, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) }) ||
		!slices.IsSortedFunc(cfg.Environments, func(a, b Environment) int { return strings.Compare(a.Name, b.Name) }) ||
		!slices.IsSortedFunc(cfg.Sources, func(a, b Source) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("items not sorted by name")
	}
	for _, s := range cfg.Sources {
		if !filepath.IsAbs(s.Path) {
			t.Errorf("source %s path %q is not absolute", s.Name, s.Path)
		}
	}
	for _, e := range cfg.Environments {
		if _, ok := cfg.Profile(e.Profile); !ok {
			t.Errorf("environment %s uses undeclared profile %q", e.Name, e.Profile)
		}
		if e.KeepGenerations < 1 || !slices.Contains(ConflictPolicies(), e.ConflictPolicy) {
			t.Errorf("environment %+v", e)
		}
	}
	if cfg.GC.GracePeriod < 0 || cfg.GC.MaxDeletes < 0 {
		t.Errorf("gc %+v", cfg.GC)
	}
}
