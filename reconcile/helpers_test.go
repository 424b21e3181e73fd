package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// loadConfig loads a configuration directory and points its store at root, mounted at mp.
func loadConfig(t testing.TB, dir, root, mp string) *spec.Config {
	t.Helper()
	cfg, diags := spec.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("loading %s: %v", dir, diags)
	}
	cfg.Store.Dataset, cfg.Store.Mountpoint = root, mp
	return cfg
}

// modelEngine is an engine on the in-memory model whose mountpoints are directories in a temp
// dir. It is for the planner's logic; real-ZFS tests (realzfs tag) prove the rest.
func modelEngine(t testing.TB) (*Engine, *zfstest.Model, string) {
	t.Helper()
	m := zfstest.NewModel("tank")
	m.MirrorUnder = t.TempDir()
	e := &Engine{ZFS: m, Log: zerolog.Nop(), MountCheck: func(string) error { return nil }}
	return e, m, filepath.Join(m.MirrorUnder, "axiom")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// copyDir copies a configuration tree so a test can edit it.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	must(t, filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(dst, b, info.Mode().Perm())
	}))
}

var bg = context.Background()

// clock is a settable clock for grace periods.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var _ zfs.Client = (*zfstest.Model)(nil)

// planText renders a plan for failure messages.
func planText(p *Plan) string {
	var b strings.Builder
	p.WriteHuman(&b)
	return b.String()
}

// is reports whether step s's operation is a T.
func is[T Op](s Step) bool {
	_, ok := s.Op.(T)
	return ok
}
