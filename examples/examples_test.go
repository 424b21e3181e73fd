package examples_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The sample packages are read here with just enough of upstream's formats (axiom-model.md
// §2.1-2.3) to check the examples; strict decoding makes a misspelt key an error.

type manifest struct {
	Name        string   `yaml:"name"`
	Version     string   `yaml:"version"`
	Revision    int      `yaml:"revision"`
	Description string   `yaml:"description"`
	License     string   `yaml:"license"`
	Homepage    string   `yaml:"homepage"`
	Maintainer  string   `yaml:"maintainer"`
	Origin      string   `yaml:"origin"`
	Tags        []string `yaml:"tags"`
}

type depsFile struct {
	Dependencies []struct {
		Name       string `yaml:"name"`
		Version    string `yaml:"version"`
		Constraint string `yaml:"constraint"`
	} `yaml:"dependencies"`
}

type provenance struct {
	BuildTime  int64    `yaml:"build_time"`
	Builder    string   `yaml:"builder"`
	SourceURL  string   `yaml:"source_url"`
	Compiler   string   `yaml:"compiler"`
	BuildFlags []string `yaml:"build_flags"`
}

type dep struct {
	name string
	c    version.Constraint
}

type samplePkg struct {
	dir     string
	name    string
	version version.Version
	deps    []dep
	files   map[string][32]byte // path under root/ -> content hash
}

func (p *samplePkg) String() string { return p.name + "-" + p.version.String() }

func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// loadSamples reads every package directory under packages/, newest version first per name.
func loadSamples(t *testing.T) map[string][]*samplePkg {
	t.Helper()
	des, err := os.ReadDir("packages")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*samplePkg{}
	for _, de := range des {
		if !de.IsDir() {
			t.Errorf("packages/%s: only package directories belong here", de.Name())
			continue
		}
		dir := filepath.Join("packages", de.Name())
		var m manifest
		decodeStrict(t, filepath.Join(dir, "manifest.yaml"), &m)
		v, err := version.Parse(m.Version)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		if err := axiomname.Check(m.Name); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
		if want := m.Name + "-" + v.String(); de.Name() != want || m.Version != v.String() {
			t.Errorf("%s: manifest says %s %s; name the directory %s and write the version as X.Y.Z", dir, m.Name, m.Version, want)
		}
		if m.Revision < 1 || m.Description == "" || m.License == "" || strings.Contains(m.Description, "\n") {
			t.Errorf("%s: manifest needs a positive revision, a one-line description and a license: %+v", dir, m)
		}
		p := &samplePkg{dir: dir, name: m.Name, version: v, files: map[string][32]byte{}}
		var d depsFile
		decodeStrict(t, filepath.Join(dir, "deps.yaml"), &d)
		for _, e := range d.Dependencies {
			kind, err := version.ParseKind(e.Constraint)
			if err != nil {
				t.Errorf("%s: dependency %s: %v", dir, e.Name, err)
				continue
			}
			c, err := version.ParseConstraintKind(kind, e.Version)
			if err != nil {
				t.Errorf("%s: dependency %s: %v", dir, e.Name, err)
				continue
			}
			if c.String() != e.Version {
				// Upstream's writer emits the canonical form ("~6.4.0" with constraint tilde).
				t.Errorf("%s: dependency %s: write version %q as %q", dir, e.Name, e.Version, c.String())
			}
			p.deps = append(p.deps, dep{e.Name, c})
		}
		if _, err := os.Stat(filepath.Join(dir, "provenance.yaml")); err == nil {
			var pv provenance
			decodeStrict(t, filepath.Join(dir, "provenance.yaml"), &pv)
			if pv.BuildTime <= 0 || pv.Builder == "" {
				t.Errorf("%s: provenance needs build_time and builder", dir)
			}
		}
		root := filepath.Join(dir, "root")
		err = filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			if !de.Type().IsRegular() {
				return fmt.Errorf("%s: only regular files and directories, please", path)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			p.files[filepath.ToSlash(rel)] = sha256.Sum256(b)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		if len(p.files) == 0 {
			t.Errorf("%s: root/ has no files", dir)
		}
		out[p.name] = append(out[p.name], p)
	}
	for _, ps := range out {
		slices.SortFunc(ps, func(a, b *samplePkg) int { return b.version.Compare(a.version) })
	}
	return out
}

func TestSamplePackages(t *testing.T) {
	samples := loadSamples(t)
	if len(samples) < 10 {
		t.Errorf("%d sample package names, want at least 10", len(samples))
	}
	for _, ps := range samples {
		for _, p := range ps {
			// Every dependency can be met by some sample package.
			for _, d := range p.deps {
				if !slices.ContainsFunc(samples[d.name], func(q *samplePkg) bool { return d.c.Match(q.version) }) {
					t.Errorf("%s: no sample package satisfies dependency %s %s", p, d.name, d.c)
				}
			}
			// Tools are POSIX sh scripts that print their package's name and version.
			for rel := range p.files {
				if !strings.HasPrefix(rel, "bin/") && !strings.HasPrefix(rel, "libexec/") {
					continue
				}
				path := filepath.Join(p.dir, "root", rel)
				fi, err := os.Stat(path)
				if err != nil || fi.Mode().Perm()&0o111 == 0 {
					t.Errorf("%s: not executable (%v)", path, err)
				}
				out, err := exec.Command("sh", path).Output()
				if want := fmt.Sprintf("(%s %s,", p.name, p.version); err != nil || !strings.Contains(string(out), want) {
					t.Errorf("sh %s = %q, %v; want output containing %q", path, out, err, want)
				}
			}
		}
	}
}

// exampleDirs lists the example configurations: every directory here except packages/.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	des, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, de := range des {
		if de.IsDir() && de.Name() != "packages" {
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
		})
	}
}

// TestExamplesInstallable resolves every environment of every example against the sample
// packages, newest version first, and checks that every constraint holds and that no two
// packages of an environment ship a path with different content unless the environment's
// conflict policy says which wins.
func TestExamplesInstallable(t *testing.T) {
	samples := loadSamples(t)
	wantSource, err := filepath.Abs("packages")
	if err != nil {
		t.Fatal(err)
	}
	prioritized := 0
	for _, dir := range exampleDirs(t) {
		cfg, diags := spec.Load(dir)
		if diags.HasErrors() {
			t.Errorf("%s: invalid (see TestExamplesValidAndFormatted)", dir)
			continue
		}
		if src, ok := cfg.Source("samples"); !ok || src.Path != wantSource || len(cfg.Sources) != 1 {
			t.Errorf("%s: want exactly source \"samples\" at %s, got %+v", dir, wantSource, cfg.Sources)
		}
		for _, env := range cfg.Environments {
			profile, _ := cfg.Profile(env.Profile)
			selected, err := resolve(samples, profile.Packages)
			if err != nil {
				t.Errorf("%s: environment %s: %v", dir, env.Name, err)
				continue
			}
			var names []string
			for _, p := range selected {
				names = append(names, p.String())
			}
			slices.Sort(names)
			t.Logf("%s: environment %s: %s", dir, env.Name, strings.Join(names, " "))
			for _, c := range conflicts(selected) {
				if env.ConflictPolicy == spec.ConflictPriority {
					prioritized++
					continue
				}
				t.Errorf("%s: environment %s (conflict_policy %q): %s", dir, env.Name, env.ConflictPolicy, c)
			}
		}
	}
	if prioritized == 0 {
		t.Error("no example demonstrates conflict_policy \"priority\" with an actual conflict")
	}
}

// resolve picks, for every package the profile requests and every dependency of what it picks,
// the newest sample version that satisfies every constraint on that name, until nothing changes.
func resolve(samples map[string][]*samplePkg, requests []spec.Package) (map[string]*samplePkg, error) {
	selected := map[string]*samplePkg{}
	for range 20 {
		type from struct {
			c  version.Constraint
			by string
		}
		cons := map[string][]from{}
		for _, r := range requests {
			cons[r.Name] = append(cons[r.Name], from{r.Constraint, "the profile"})
		}
		for _, p := range selected {
			for _, d := range p.deps {
				cons[d.name] = append(cons[d.name], from{d.c, p.String()})
			}
		}
		next := map[string]*samplePkg{}
		for name, fs := range cons {
			i := slices.IndexFunc(samples[name], func(p *samplePkg) bool {
				return !slices.ContainsFunc(fs, func(f from) bool { return !f.c.Match(p.version) })
			})
			if i < 0 {
				var why []string
				for _, f := range fs {
					why = append(why, fmt.Sprintf("%s (from %s)", f.c, f.by))
				}
				return nil, fmt.Errorf("no sample %s satisfies %s", name, strings.Join(why, " and "))
			}
			next[name] = samples[name][i]
		}
		if len(next) == len(selected) && !slices.ContainsFunc(mapsKeys(next), func(n string) bool { return next[n] != selected[n] }) {
			return next, nil
		}
		selected = next
	}
	return nil, fmt.Errorf("resolution does not settle")
}

func mapsKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// conflicts lists the paths that two selected packages ship with different content.
func conflicts(selected map[string]*samplePkg) []string {
	var out []string
	owner := map[string]*samplePkg{}
	for _, name := range mapsKeys(selected) {
		p := selected[name]
		for _, rel := range mapsKeys(p.files) {
			if q, ok := owner[rel]; ok && q.files[rel] != p.files[rel] {
				out = append(out, fmt.Sprintf("%s and %s both ship %s", q, p, rel))
			}
			owner[rel] = p
		}
	}
	return out
}
