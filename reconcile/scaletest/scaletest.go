// Package scaletest builds the synthetic stores of the scale benchmarks (issue 13, goal 6): a
// source directory of N small packages, a configuration whose environments use all of them,
// and the store an apply of that configuration makes on the in-memory ZFS model, with a warm
// source scan cache. It is test support: only tests and benchmarks import it.
package scaletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Root is the store dataset of every synthetic store, in the model's pool "tank".
const Root = "tank/axiom"

// Store is a synthetic store: a configuration, its sources, and the model it was applied to.
type Store struct {
	N      int
	Dir    string // the configuration directory (store.hcl, main.hcl)
	Src    string // the source directory of the N packages
	Mirror string // the directory the model's mountpoints live under (Model.MirrorUnder)
	Cache  string // the source scan cache file, warm once Build returns
	Model  *zfstest.Model
}

// Name is the synthetic package i's name.
func Name(i int) string { return fmt.Sprintf("s%05d", i) }

// ProfileSize is the most packages a synthetic profile asks for: a store of n packages has
// ceil(n/ProfileSize) profiles, each with an environment. One profile of 10,000 packages cannot
// be locked: its lock file (about 113 bytes a package) would be over the 1 MiB every metadata
// file is limited to (pkgmeta.MaxSize).
const ProfileSize = 1000

// WriteSources writes n packages into dir: package i is Name(i) 1.0.0 with one small file of
// its own (so no two conflict in an environment) and, but for the first of each profile's
// block of ProfileSize, a dependency on the one halfway back to that first (a binary tree about
// 10 deep within the block), so each profile's resolution is its own packages.
func WriteSources(dir string, n int) error {
	for i := range n {
		name := Name(i)
		pkg := filepath.Join(dir, name+"-1.0.0")
		if err := os.MkdirAll(filepath.Join(pkg, "root", "share", name), 0o755); err != nil {
			return err
		}
		manifest := "name: " + name + "\nversion: 1.0.0\nrevision: 1\ndescription: synthetic package " + name + "\nlicense: MIT\n"
		files := map[string]string{
			"manifest.yaml": manifest,
			filepath.Join("root", "share", name, "README"): name + " is a synthetic package of the scale benchmarks\n",
		}
		if base := i - i%ProfileSize; i > base {
			files["deps.yaml"] = "dependencies:\n  - name: " + Name(base+(i-base-1)/2) + "\n    version: \"^1.0.0\"\n    constraint: caret\n"
		}
		for rel, content := range files {
			if err := os.WriteFile(filepath.Join(pkg, rel), []byte(content), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteConfig writes the configuration of a store of n packages into dir: the store at Root
// mounted at mountpoint, the source src, and for each block of ProfileSize packages a profile
// "pK" asking for them and an environment "eK" on it.
func WriteConfig(dir, src, mountpoint string, n int) error {
	store := fmt.Sprintf("store {\n  dataset    = %q\n  mountpoint = %q\n}\n\nsource \"synthetic\" {\n  path = %q\n}\n", Root, mountpoint, src)
	var b strings.Builder
	for i := range n {
		k := i / ProfileSize
		if i%ProfileSize == 0 {
			fmt.Fprintf(&b, "environment \"e%d\" {\n  profile = \"p%d\"\n}\n\nprofile \"p%d\" {\n", k, k, k)
		}
		fmt.Fprintf(&b, "  package %q { version = \"^1.0.0\" }\n", Name(i))
		if i%ProfileSize == ProfileSize-1 || i == n-1 {
			b.WriteString("}\n\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "store.hcl"), []byte(store), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(b.String()), 0o644)
}

// LoadConfig loads the store's configuration, as a command does on every run.
func (s *Store) LoadConfig() (*spec.Config, error) {
	cfg, diags := spec.Load(s.Dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("loading %s: %v", s.Dir, diags)
	}
	return cfg, nil
}

// Engine is a new engine on the store's model with its source scan cache file, as each run of
// the command line makes one.
func (s *Store) Engine() *reconcile.Engine {
	return &reconcile.Engine{ZFS: s.Model, Log: zerolog.Nop(), SourceCache: s.Cache,
		MountCheck: func(string) error { return nil }}
}

// TempDir is a new directory for a synthetic store, removed when the test ends: on the tmpfs
// /dev/shm where there is one, else the test's temporary directory. Building a store writes
// every package's files several times (source, import, the model's snapshot copies, the
// generation), and on a slow disk that alone is minutes at 10,000 packages; what is measured is
// the reconciler, not the disk.
func TempDir(tb testing.TB) string {
	tb.Helper()
	if d, err := os.MkdirTemp("/dev/shm", "axiom-scale-"); err == nil {
		tb.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return tb.TempDir()
}

// Build makes a store of n packages under dir (an empty directory): writes the sources and the
// configuration, applies it once on a new model (the state an apply makes, made the way an
// apply makes it), and plans once more so that the scan cache file holds every package. The
// plan after the apply must be empty.
func Build(ctx context.Context, dir string, n int) (*Store, error) {
	s := &Store{N: n, Dir: filepath.Join(dir, "config"), Src: filepath.Join(dir, "src"),
		Mirror: filepath.Join(dir, "mnt"), Cache: filepath.Join(dir, "cache", "source-scan.cache")}
	for _, d := range []string{s.Dir, s.Src, s.Mirror} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := WriteSources(s.Src, n); err != nil {
		return nil, err
	}
	written := time.Now()
	if err := WriteConfig(s.Dir, s.Src, filepath.Join(s.Mirror, "axiom"), n); err != nil {
		return nil, err
	}
	s.Model = zfstest.NewModel("tank")
	s.Model.MirrorUnder = s.Mirror
	cfg, err := s.LoadConfig()
	if err != nil {
		return nil, err
	}
	if _, _, err := s.Engine().Reconcile(ctx, cfg, reconcile.PlanOptions{}); err != nil {
		return nil, fmt.Errorf("applying %d packages: %w", n, err)
	}
	// The scan cache trusts no entry whose files are younger than its racy window (2 s, see
	// source.Cache): wait that out, or the warming plan would save nothing.
	if wait := time.Until(written.Add(2100 * time.Millisecond)); wait > 0 {
		time.Sleep(wait)
	}
	plan, err := s.Engine().Plan(ctx, cfg, reconcile.PlanOptions{})
	if err != nil {
		return nil, err
	}
	if !plan.Empty() {
		var b strings.Builder
		plan.WriteHuman(&b)
		return nil, fmt.Errorf("the plan after applying %d packages is not empty:\n%s", n, b.String())
	}
	return s, nil
}
