package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

func TestLoadAllSettings(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/all-settings.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cfg, diags := new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: src}}, "/etc/axiom")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := version.MustParseConstraint
	want := &Config{
		Dir:   "/etc/axiom",
		Dirs:  []string{"/etc/axiom"},
		Files: []string{"/etc/axiom/main.hcl"},
		Store: Store{Dataset: "tank/sys/axiom", Mountpoint: "/opt/axiom"},
		Sources: []Source{
			{Name: "local", Path: "/etc/axiom/packages"},
			{Name: "mirror", Path: "/srv/axiom/packages"},
		},
		Profiles: []Profile{{
			Name:        "development",
			Description: "Development tools",
			Packages: []Package{ // declaration order, not sorted
				{Name: "bash", Constraint: c("^5.0.0")},
				{Name: "git", Constraint: c(">=2.40.0")},
				{Name: "vim", Constraint: version.AnyVersion},
				{Name: "gcc", Constraint: c("~13.2.0")},
				{Name: "python", Constraint: c(">=3.11.0,<3.13.0")},
				{Name: "zlib", Constraint: c("1.3.1")},
				{Name: "make", Constraint: version.AnyVersion},
			},
		}},
		Environments: []Environment{
			{Name: "dev", Profile: "development", ConflictPolicy: ConflictPriority, KeepGenerations: 5, PreventDestroy: true},
			{Name: "scratch", Profile: "development", ConflictPolicy: ConflictKeepBoth, KeepGenerations: 3},
		},
		GC: GC{GracePeriod: 7 * 24 * time.Hour, MaxDeletes: 0},
	}
	if diff := cmp.Diff(want, cfg, append(cmpConfig, cmpopts.IgnoreTypes(hcl.Range{}))...); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}

	// Ranges point at what they name: file:line:column of the value or block header.
	rng := func(r hcl.Range) string {
		return fmt.Sprintf("%s:%d:%d-%d:%d", r.Filename, r.Start.Line, r.Start.Column, r.End.Line, r.End.Column)
	}
	p, _ := cfg.Profile("development")
	bash, _ := p.Package("bash")
	vim, _ := p.Package("vim")
	dev, _ := cfg.Environment("dev")
	scratch, _ := cfg.Environment("scratch")
	local, _ := cfg.Source("local")
	for _, tc := range []struct {
		name string
		got  hcl.Range
		want string
	}{
		{"store", cfg.Store.DeclRange, "/etc/axiom/main.hcl:1:1-1:6"},
		{"store dataset", cfg.Store.DatasetRange, "/etc/axiom/main.hcl:2:16-2:32"},
		{"store mountpoint", cfg.Store.MountpointRange, "/etc/axiom/main.hcl:3:16-3:28"},
		{"source", local.DeclRange, "/etc/axiom/main.hcl:6:1-6:15"},
		{"source path", local.PathRange, "/etc/axiom/main.hcl:7:10-7:22"},
		{"profile", p.DeclRange, "/etc/axiom/main.hcl:14:1-14:22"},
		{"package", bash.DeclRange, "/etc/axiom/main.hcl:16:3-16:17"},
		{"package constraint", bash.ConstraintRange, "/etc/axiom/main.hcl:16:30-16:38"},
		{"package without version", vim.ConstraintRange, "/etc/axiom/main.hcl:18:3-18:16"},
		{"environment", dev.DeclRange, "/etc/axiom/main.hcl:25:1-25:18"},
		{"environment profile", dev.ProfileRange, "/etc/axiom/main.hcl:26:22-26:35"},
		{"conflict policy", dev.ConflictPolicyRange, "/etc/axiom/main.hcl:27:22-27:32"},
		{"second conflict policy", scratch.ConflictPolicyRange, "/etc/axiom/main.hcl:34:21-34:32"},
		{"source name", local.NameRange, "/etc/axiom/main.hcl:6:8-6:15"},
		{"profile name", p.NameRange, "/etc/axiom/main.hcl:14:9-14:22"},
		{"profile description", p.DescriptionRange, "/etc/axiom/main.hcl:15:17-15:36"},
		{"package name", bash.NameRange, "/etc/axiom/main.hcl:16:11-16:17"},
		{"environment name", dev.NameRange, "/etc/axiom/main.hcl:25:13-25:18"},
		{"keep_generations", dev.KeepGenerationsRange, "/etc/axiom/main.hcl:28:22-28:23"},
		{"keep_generations not set", scratch.KeepGenerationsRange, "/etc/axiom/main.hcl:32:1-32:22"},
		{"prevent_destroy", dev.PreventDestroyRange, "/etc/axiom/main.hcl:29:22-29:26"},
		{"prevent_destroy not set", scratch.PreventDestroyRange, "/etc/axiom/main.hcl:32:1-32:22"},
		{"gc grace_period", cfg.GC.GracePeriodRange, "/etc/axiom/main.hcl:38:18-38:22"},
		{"gc", cfg.GC.DeclRange, "/etc/axiom/main.hcl:37:1-37:3"},
		{"gc max_deletes", cfg.GC.MaxDeletesRange, "/etc/axiom/main.hcl:39:18-39:19"},
	} {
		if got := rng(tc.got); got != tc.want {
			t.Errorf("%s range = %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := cfg.SourceFiles()["/etc/axiom/main.hcl"]; got == nil || string(got.Bytes) != string(src) {
		t.Error("SourceFiles() does not hold the file read")
	}
}

func TestLoadDefaults(t *testing.T) {
	src := `
store { dataset = "zroot/axiom" }
profile "p" {}
environment "e" { profile = "p" }
`
	cfg, diags := new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "/cfg")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	e, _ := cfg.Environment("e")
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"mountpoint", cfg.Store.Mountpoint, "/axiom"},
		{"mountpoint range", cfg.Store.MountpointRange, cfg.Store.DeclRange},
		{"grace period", cfg.GC.GracePeriod, 24 * time.Hour},
		{"max deletes", cfg.GC.MaxDeletes, 100},
		{"gc range", cfg.GC.DeclRange, hcl.Range{}},
		{"conflict policy", e.ConflictPolicy, ConflictError},
		{"conflict policy range", e.ConflictPolicyRange, e.DeclRange},
		{"keep generations range", e.KeepGenerationsRange, e.DeclRange},
		{"prevent destroy range", e.PreventDestroyRange, e.DeclRange},
		{"description range", cfg.Profiles[0].DescriptionRange, cfg.Profiles[0].DeclRange},
		{"keep generations", e.KeepGenerations, 3},
		{"prevent destroy", e.PreventDestroy, false},
		{"sources", len(cfg.Sources), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestDigest(t *testing.T) {
	base := fstest.MapFS{
		"a.hcl": {Data: []byte("store { dataset = \"zroot/axiom\" }\n")},
		"b.hcl": {Data: []byte(`profile "p" {}`)},
	}
	digestOf := func(fsys fstest.MapFS, dir string) string {
		t.Helper()
		cfg, diags := new(Loader).LoadFS(fsys, dir)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return cfg.Digest()
	}
	d := digestOf(base, "/one")
	if got := digestOf(base, "/elsewhere"); got != d {
		t.Errorf("digest depends on the directory: %s vs %s", got, d)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"content":   {"a.hcl": base["a.hcl"], "b.hcl": {Data: []byte(`profile "q" {}`)}},
		"file name": {"a.hcl": base["a.hcl"], "c.hcl": base["b.hcl"]},
		// The same bytes in the same order, split differently between the files.
		"split": {"a.hcl": {Data: []byte("store { dataset = \"zroot/axiom\" }\nprofile \"p\" {}")}, "b.hcl": {Data: nil}},
	} {
		if got := digestOf(fsys, "/one"); got == d {
			t.Errorf("digest unchanged when the %s changes", name)
		}
	}
}

func TestConfigRange(t *testing.T) {
	cfg, diags := Load("testdata/valid/multi-file")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests := []struct {
		kind BlockKind
		name string
		want string // file:line, "" when not found
	}{
		{BlockStore, "", "store.hcl:1"},
		{BlockSource, "samples", "store.hcl:5"},
		{BlockProfile, "base", "profiles.hcl:6"},
		{BlockPackage, "base/curl", "profiles.hcl:9"},
		{BlockEnvironment, "base", "environments.hcl:5"},
		{BlockGC, "", ""}, // not declared
		{BlockProfile, "nope", ""},
		{BlockPackage, "base/nope", ""},
		{BlockPackage, "nope", ""},
		{BlockKind("bogus"), "base", ""},
	}
	for _, tt := range tests {
		r, ok := cfg.Range(tt.kind, tt.name)
		got := ""
		if ok {
			got = fmt.Sprintf("%s:%d", filepath.Base(r.Filename), r.Start.Line)
		}
		if got != tt.want {
			t.Errorf("Range(%s, %q) = %q, want %q", tt.kind, tt.name, got, tt.want)
		}
	}
}

// allow_setuid is per package, off unless set, and points its range at the value.
func TestLoadAllowSetID(t *testing.T) {
	src := `store {
  dataset = "tank/axiom"
}
profile "base" {
  package "util-linux" {
    allow_setuid = true
  }
  package "passwd" {
    allow_setuid = false
  }
  package "bash" {}
}
`
	cfg, diags := new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "/etc/axiom")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := map[string]bool{}
	for _, p := range cfg.Profiles[0].Packages {
		got[p.Name] = p.AllowSetID
	}
	if want := map[string]bool{"util-linux": true, "passwd": false, "bash": false}; !cmp.Equal(got, want) {
		t.Errorf("AllowSetID: got %v, want %v", got, want)
	}
	r := cfg.Profiles[0].Packages[0].AllowSetIDRange
	if r.Start.Line != 6 || r.Start.Column != 20 {
		t.Errorf("AllowSetIDRange starts at %d:%d, want 6:20", r.Start.Line, r.Start.Column)
	}
}
