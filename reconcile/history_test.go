package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// TestHistoryAndDiffOnModel: two applies make gen-1 and gen-2; history reports both with their
// package counts, sizes and the revision recorded on a generation ("" where none is); diff
// reports the upgrade between them both ways.
func TestHistoryAndDiffOnModel(t *testing.T) {
	e, m, mp := modelEngine(t)
	dir := t.TempDir()
	hcl := `store {
  dataset = "tank/axiom"
}
source "s" {
  path = "` + filepath.Join(must2(filepath.Abs("../examples/packages"))) + `"
}
profile "p" {
  package "vim" { version = "VIM" }
}
environment "dev" {
  profile = "p"
  keep_generations = 3
}
`
	apply := func(vim string) {
		must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(strings.ReplaceAll(hcl, "VIM", vim)), 0o644))
		_, _, err := e.Reconcile(bg, loadConfig(t, dir, "tank/axiom", mp), PlanOptions{})
		must(t, err)
	}
	apply("~9.0")
	apply("~9.1")
	l := layout.Layout{Root: "tank/axiom", Mountpoint: mp}
	must(t, m.SetProps(bg, string(l.Generation("dev", 2)), zfs.Props{layout.PropRevision: "0123abcd"}))

	h, err := e.History(bg, l, "dev")
	must(t, err)
	if len(h.Generations) != 2 {
		t.Fatalf("history: %+v", h)
	}
	g1, g2 := h.Generations[0], h.Generations[1]
	if g1.Generation != 1 || g1.Current || g1.Packages != 2 || g1.Size <= 0 || g1.Revision != "" || !g1.Complete {
		t.Errorf("gen-1: %+v", g1)
	}
	if g2.Generation != 2 || !g2.Current || g2.Packages != 2 || g2.Revision != "0123abcd" {
		t.Errorf("gen-2: %+v", g2)
	}

	d, err := e.DiffGenerations(bg, l, "dev", 0, 0)
	must(t, err)
	if d.From != 1 || d.To != 2 || len(d.Changes) != 1 || d.Changes[0].Change != ChangeUpgraded || d.Changes[0].From != "9.0.2-1" || d.Changes[0].To != "9.1.0-1" {
		t.Errorf("diff: %+v", d)
	}
	if d.FromSize != g1.Size || d.ToSize != g2.Size {
		t.Errorf("diff sizes %d -> %d, history %d -> %d", d.FromSize, d.ToSize, g1.Size, g2.Size)
	}
	back, err := e.DiffGenerations(bg, l, "dev", 2, 1)
	must(t, err)
	if len(back.Changes) != 1 || back.Changes[0].Change != ChangeDowngraded {
		t.Errorf("diff back: %+v", back)
	}
	for _, tc := range []struct {
		env      string
		from, to int
		want     error
	}{{"nope", 0, 0, ErrNoEnvironment}, {"dev", 9, 0, ErrNoGeneration}, {"dev", 0, 9, ErrNoGeneration}, {"dev", 0, 1, ErrNoGeneration}} {
		if _, err := e.DiffGenerations(bg, l, tc.env, tc.from, tc.to); !errors.Is(err, tc.want) {
			t.Errorf("diff %s %d %d: %v, want %v", tc.env, tc.from, tc.to, err, tc.want)
		}
	}
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDiffLocks: every kind of change, sizes from the size function, unchanged packages left out.
func TestDiffLocks(t *testing.T) {
	v := func(s string) version.Version { return must2(version.Parse(s)) }
	e := func(name, ver string, rev uint32, build string) pkgmeta.LockEntry {
		return pkgmeta.LockEntry{Name: name, Version: v(ver), Revision: rev, BuildID: build}
	}
	a := &pkgmeta.Lock{Resolved: []pkgmeta.LockEntry{e("same", "1.0.0", 1, "b1"), e("gone", "1.0.0", 1, "b2"), e("up", "1.0.0", 1, "b3"), e("down", "2.0.0", 1, "b4"), e("rev", "1.0.0", 1, "b5"), e("rebuilt", "1.0.0", 1, "b6")}}
	b := &pkgmeta.Lock{Resolved: []pkgmeta.LockEntry{e("same", "1.0.0", 1, "b1"), e("new", "0.1.0", 1, "c1"), e("up", "1.1.0", 1, "c2"), e("down", "1.9.0", 1, "c3"), e("rev", "1.0.0", 2, "c4"), e("rebuilt", "1.0.0", 1, "c5")}}
	size := func(id layout.PackageID) int64 { return int64(len(id.BuildID)) * 10 }
	got, sa, sb := diffLocks(a, b, size)
	want := []PackageChange{
		{Name: "down", Change: ChangeDowngraded, From: "2.0.0-1", To: "1.9.0-1"},
		{Name: "gone", Change: ChangeRemoved, From: "1.0.0-1", SizeDelta: -20},
		{Name: "new", Change: ChangeAdded, To: "0.1.0-1", SizeDelta: 20},
		{Name: "rebuilt", Change: ChangeRebuilt, From: "1.0.0-1", To: "1.0.0-1"},
		{Name: "rev", Change: ChangeUpgraded, From: "1.0.0-1", To: "1.0.0-2"},
		{Name: "up", Change: ChangeUpgraded, From: "1.0.0-1", To: "1.1.0-1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diffLocks (-want +got):\n%s", diff)
	}
	if sa != 120 || sb != 120 {
		t.Errorf("sizes %d, %d", sa, sb)
	}
}
