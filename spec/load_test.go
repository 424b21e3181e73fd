package spec

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// cmpConfig compares configs including ranges; version.Constraint is comparable.
var cmpConfig = []cmp.Option{
	cmpopts.IgnoreUnexported(Config{}),
	cmp.Comparer(func(a, b version.Constraint) bool { return a == b }),
}

// testdataEntries lists testdata/<dir>/*: each *.hcl file is a configuration of its own, each
// directory a multi-file configuration.
func testdataEntries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if de.IsDir() || strings.HasSuffix(de.Name(), ".hcl") {
			out = append(out, filepath.Join("testdata", dir, de.Name()))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no test cases in testdata/%s", dir)
	}
	return out
}

// loadEntry loads a testdata entry. A single file is loaded as the only file of its directory,
// so its ranges name it by its real path.
func loadEntry(t *testing.T, path string) (*Config, hcl.Diagnostics, map[string][]byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string][]byte{}
	var l Loader
	if fi.IsDir() {
		names, err := ListFiles(os.DirFS(path))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(path, n))
			if err != nil {
				t.Fatal(err)
			}
			srcs[filepath.Join(path, n)] = b
		}
		cfg, diags := l.Load(path)
		return cfg, diags, srcs
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srcs[path] = b
	cfg, diags := l.LoadFS(fstest.MapFS{filepath.Base(path): {Data: b}}, filepath.Dir(path))
	return cfg, diags, srcs
}

func TestLoadValid(t *testing.T) {
	for _, path := range testdataEntries(t, "valid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg, diags, _ := loadEntry(t, path)
			for _, d := range diags {
				t.Errorf("unexpected diagnostic: %s: %s: %s", location(*d.Subject), d.Summary, d.Detail)
			}
			if cfg == nil {
				t.Fatal("Load returned no config")
			}
			if !strings.HasPrefix(cfg.Digest(), "sha256:") || len(cfg.Digest()) != len("sha256:")+64 {
				t.Errorf("Digest() = %q", cfg.Digest())
			}
		})
	}
}

var markerRE = regexp.MustCompile(`#\s*ERROR:\s*([^#]*)`)

// TestLoadInvalid checks that the diagnostics fall exactly on the lines marked
// "# ERROR: <summary substring>", one diagnostic per marker, and nowhere else.
func TestLoadInvalid(t *testing.T) {
	for _, path := range testdataEntries(t, "invalid") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg, diags, srcs := loadEntry(t, path)
			if cfg != nil {
				t.Error("Load returned a config despite errors")
			}
			if !diags.HasErrors() {
				t.Fatal("no errors reported")
			}
			want := map[string][]string{}
			for file, src := range srcs {
				for i, line := range strings.Split(string(src), "\n") {
					for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
						key := fmt.Sprintf("%s:%d", file, i+1)
						want[key] = append(want[key], strings.TrimSpace(m[1]))
					}
				}
			}
			got := map[string][]string{}
			for _, d := range diags {
				if d.Subject == nil {
					t.Fatalf("diagnostic without subject: %s", d.Summary)
				}
				key := fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)
				got[key] = append(got[key], d.Summary)
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(markersMatch)); diff != "" {
				t.Errorf("diagnostics by line (-markers +got):\n%s", diff)
			}
		})
	}
}

// markersMatch pairs marker substrings with diagnostic summaries one to one. cmp calls it with
// its arguments either way round, so it matches in both directions.
func markersMatch(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	return pairUp(a, b) || pairUp(b, a)
}

func pairUp(markers, summaries []string) bool {
	used := make([]bool, len(summaries))
next:
	for _, m := range markers {
		for i, s := range summaries {
			if !used[i] && strings.Contains(s, m) {
				used[i] = true
				continue next
			}
		}
		return false
	}
	return true
}

func TestLoadMultiFile(t *testing.T) {
	cfg, diags := Load("testdata/valid/multi-file")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	abs, err := filepath.Abs("testdata/valid/multi-file")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dir != abs {
		t.Errorf("Dir = %q, want %q", cfg.Dir, abs)
	}
	wantFiles := []string{filepath.Join(abs, "environments.hcl"), filepath.Join(abs, "profiles.hcl"), filepath.Join(abs, "store.hcl")}
	if diff := cmp.Diff(wantFiles, cfg.Files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	s, ok := cfg.Source("samples")
	if !ok || s.Path != filepath.Join(filepath.Dir(abs), "packages") {
		t.Errorf("source samples = %+v, want path %s", s, filepath.Join(filepath.Dir(abs), "packages"))
	}
	var names []string
	for _, p := range cfg.Profiles {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"base", "shell"}) {
		t.Errorf("profiles = %q, want sorted [base shell]", names)
	}
	if p, _ := cfg.Profile("shell"); p.DeclRange.Filename != "testdata/valid/multi-file/profiles.hcl" {
		t.Errorf("profile shell declared in %q", p.DeclRange.Filename)
	}
	if _, ok := cfg.Profile("nope"); ok {
		t.Error("Profile(nope) found something")
	}
	if _, ok := cfg.Environment("nope"); ok {
		t.Error("Environment(nope) found something")
	}
}

// TestLoadOrderIndependent decodes every multi-file configuration with its files in every order:
// the config, the diagnostics and their order must not change.
func TestLoadOrderIndependent(t *testing.T) {
	var dirs []string
	for _, set := range []string{"valid", "invalid"} {
		for _, p := range testdataEntries(t, set) {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				dirs = append(dirs, p)
			}
		}
	}
	if len(dirs) < 3 {
		t.Fatalf("only %d multi-file configurations to test", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fsys := os.DirFS(dir)
			names, err := ListFiles(fsys)
			if err != nil || len(names) < 2 {
				t.Fatalf("ListFiles = %q, %v; want several files", names, err)
			}
			var l Loader
			wantCfg, wantDiags := l.load([]dirFiles{{fsys: fsys, dir: dir, names: names}})
			for _, perm := range permutations(names) {
				cfg, diags := l.load([]dirFiles{{fsys: fsys, dir: dir, names: perm}})
				if diff := cmp.Diff(wantCfg, cfg, cmpConfig...); diff != "" {
					t.Errorf("order %q: config differs (-sorted +this order):\n%s", perm, diff)
				}
				if wantCfg != nil && cfg.Digest() != wantCfg.Digest() {
					t.Errorf("order %q: digest %s, want %s", perm, cfg.Digest(), wantCfg.Digest())
				}
				if diff := cmp.Diff(ToJSON(wantDiags), ToJSON(diags)); diff != "" {
					t.Errorf("order %q: diagnostics differ (-sorted +this order):\n%s", perm, diff)
				}
			}
		})
	}
}

func permutations(s []string) [][]string {
	if len(s) <= 1 {
		return [][]string{slices.Clone(s)}
	}
	var out [][]string
	for i := range s {
		rest := slices.Concat(s[:i], s[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]string{s[i]}, p...))
		}
	}
	return out
}

// TestDuplicateNamesBothPlaces checks that a duplicate points at the second declaration and
// names the first one's file and line.
func TestDuplicateNamesBothPlaces(t *testing.T) {
	_, diags := Load("testdata/invalid/duplicates")
	want := map[string]string{ // summary at b.hcl line -> first declaration it must mention
		"Duplicate source:1":      "testdata/invalid/duplicates/a.hcl:5:1",
		"Duplicate profile:5":     "testdata/invalid/duplicates/a.hcl:9:1",
		"Duplicate environment:9": "testdata/invalid/duplicates/a.hcl:13:1",
		"Duplicate package:16":    "testdata/invalid/duplicates/b.hcl:14:3",
		"Duplicate profile:19":    "testdata/invalid/duplicates/b.hcl:13:1",
	}
	for _, d := range diags {
		key := fmt.Sprintf("%s:%d", d.Summary, d.Subject.Start.Line)
		first, ok := want[key]
		if !ok {
			t.Errorf("unexpected diagnostic %s", key)
			continue
		}
		delete(want, key)
		if d.Subject.Filename != "testdata/invalid/duplicates/b.hcl" {
			t.Errorf("%s: subject in %s, want b.hcl", key, d.Subject.Filename)
		}
		if !strings.Contains(d.Detail, first) {
			t.Errorf("%s: detail %q does not mention %s", key, d.Detail, first)
		}
	}
	for key := range want {
		t.Errorf("missing diagnostic %s", key)
	}
}

func TestLoadDirectoryProblems(t *testing.T) {
	empty := t.TempDir()
	onlyOthers := t.TempDir()
	for _, name := range []string{"README.md", ".hidden.hcl", "main.hcl.bak"} {
		if err := os.WriteFile(filepath.Join(onlyOthers, name), []byte(`store { dataset = "zroot/axiom" }`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(onlyOthers, "sub.hcl"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, summary string
	}{
		{"missing", filepath.Join(empty, "nope"), "Cannot read configuration directory"},
		{"empty", empty, "No configuration files"},
		{"no hcl files", onlyOthers, "No configuration files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Load(tc.dir)
			if cfg != nil || len(diags) != 1 {
				t.Fatalf("Load = %v, %v; want nil and one diagnostic", cfg, diags)
			}
			d := diags[0]
			if d.Severity != hcl.DiagError || d.Summary != tc.summary {
				t.Errorf("diagnostic %v %q, want error %q", d.Severity, d.Summary, tc.summary)
			}
			if d.Subject == nil || d.Subject.Filename != tc.dir || d.Subject.Start.Line != 0 {
				t.Errorf("subject %+v, want the directory %s without a line", d.Subject, tc.dir)
			}
		})
	}
}

func TestListFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.hcl", "a.hcl", ".#a.hcl", "c.hcl~", "d.tf", "e.hcl.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.hcl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.hcl", filepath.Join(dir, "link.hcl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("dir.hcl", filepath.Join(dir, "dirlink.hcl")); err != nil {
		t.Fatal(err)
	}
	got, err := ListFiles(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.hcl", "b.hcl", "link.hcl"}; !slices.Equal(got, want) {
		t.Errorf("ListFiles = %q, want %q", got, want)
	}
	if _, err := ListDir(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope")) {
		t.Errorf("ListDir of a missing directory: error %v does not name it", err)
	}
}

// TestLoaderForgetsPreviousLoad guards against hclparse's cache: a file changed on disk between
// two loads must be read again.
func TestLoaderForgetsPreviousLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "main.hcl")
	var l Loader
	for _, ds := range []string{"zroot/one", "zroot/two"} {
		if err := os.WriteFile(path, []byte(`store { dataset = "`+ds+`" }`), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := l.Load(dir)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if cfg.Store.Dataset != ds {
			t.Errorf("dataset = %q, want %q", cfg.Store.Dataset, ds)
		}
		if f := l.Files()[path]; f == nil || !strings.Contains(string(f.Bytes), ds) {
			t.Errorf("Files() does not hold the current %s", path)
		}
	}
}

// unreadableFS fails to read one file, as a file without read permission would.
type unreadableFS struct {
	fstest.MapFS
	name string
}

func (u unreadableFS) Open(name string) (fs.File, error) {
	if name == u.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return u.MapFS.Open(name)
}

func (u unreadableFS) ReadFile(name string) ([]byte, error) {
	if name == u.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return u.MapFS.ReadFile(name)
}

// TestLoadUnreadableFile: a file that cannot be read is one error, and what it might declare is
// not reported missing.
func TestLoadUnreadableFile(t *testing.T) {
	fsys := unreadableFS{MapFS: fstest.MapFS{
		"a.hcl": {Data: []byte(`store { dataset = "zroot/axiom" }`)},
		"b.hcl": {Data: []byte("environment \"e\" {\n  profile = \"p\"\n}\n")},
	}, name: "a.hcl"}
	cfg, diags := new(Loader).LoadFS(fsys, "cfg")
	if cfg != nil || len(diags) != 1 {
		t.Fatalf("LoadFS = %v, %v; want nil and one diagnostic", cfg, diags)
	}
	d := diags[0]
	if d.Summary != "Cannot read configuration file" || d.Subject.Filename != "cfg/a.hcl" || d.Detail != "open cfg/a.hcl: permission denied" {
		t.Errorf("diagnostic %q at %q: %q", d.Summary, d.Subject.Filename, d.Detail)
	}
}

// Several directories merge as one configuration, as the files of one directory do: relative
// paths resolve against each file's own directory, a block declared twice across directories is
// an error naming both places, and a directory given twice is read once.
func TestLoadDirs(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("common/profiles.hcl", "source \"s\" {\n  path = \"./packages\"\n}\nprofile \"base\" {\n  package \"bash\" {}\n}\n")
	write("hosts/h1/store.hcl", "store {\n  dataset = \"tank/axiom\"\n}\nenvironment \"e\" {\n  profile = \"base\"\n}\n")
	write("hosts/h2/store.hcl", "store {\n  dataset = \"tank/axiom\"\n}\n")
	common, h1, h2 := filepath.Join(root, "common"), filepath.Join(root, "hosts/h1"), filepath.Join(root, "hosts/h2")

	cfg, diags := new(Loader).LoadDirs(common, h1, common)
	if diags.HasErrors() {
		t.Fatalf("common + h1: %v", diags)
	}
	if cfg.Dir != common || len(cfg.Dirs) != 2 || cfg.Dirs[1] != h1 || len(cfg.Files) != 2 {
		t.Errorf("Dir %s, Dirs %v, Files %v", cfg.Dir, cfg.Dirs, cfg.Files)
	}
	if cfg.Sources[0].Path != filepath.Join(common, "packages") || len(cfg.Environments) != 1 {
		t.Errorf("source path %s, environments %v", cfg.Sources[0].Path, cfg.Environments)
	}

	_, diags = new(Loader).LoadDirs(common, h1, h2)
	var dup *hcl.Diagnostic
	for _, d := range diags {
		if d.Summary == "Duplicate store block" {
			dup = d
		}
	}
	if dup == nil || !strings.Contains(dup.Detail, "hosts/h1/store.hcl") || !strings.Contains(dup.Subject.Filename, "hosts/h2/store.hcl") {
		t.Fatalf("two store blocks across directories: %v", diags)
	}
}
