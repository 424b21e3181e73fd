package store

import (
	"context"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// Only a package this reconciler made (a local axiom:managed-by) and committed (read-only with
// @installed) is usable: environments hold and read only those. Dropping either condition from
// Index.Usable fails this test.
func TestIndexUsable(t *testing.T) {
	ctx := context.Background()
	m := zfstest.NewModel("tank")
	l := layout.Layout{Root: "tank/axiom", Mountpoint: "/axiom"}
	managed := zfs.Props{layout.PropManagedBy: layout.ManagedBy}
	pkg := func(name string, props zfs.Props, readonly, installed bool) {
		t.Helper()
		ds := l.Package(layout.PackageID{Name: name, Version: version.MustParse("1.0.0"), Revision: 1, BuildID: "0123456789abcdef0123456789abcdef"})
		must(t, Ensure(ctx, m, parentChain(l, string(ds))...))
		p := zfs.Props{}
		for k, v := range props {
			p[k] = v
		}
		if readonly {
			p["readonly"] = "on"
		}
		must(t, m.Create(ctx, string(ds), zfs.CreateOptions{Props: p}))
		if installed {
			must(t, m.Snapshot(ctx, string(ds.Snapshot(layout.SnapInstalled))))
		}
	}
	must(t, m.Create(ctx, string(l.Root), zfs.CreateOptions{}))
	pkg("good", managed, true, true)
	pkg("unmanaged", nil, true, true)
	pkg("writable", managed, false, true)
	pkg("unsnapshotted", managed, true, false)
	pkg("foreign-value", zfs.Props{layout.PropManagedBy: "someone-else"}, true, true)

	tree, err := m.Observe(ctx, string(l.Root))
	must(t, err)
	ix := NewIndex(tree, l)
	if n := len(ix.All()); n != 5 {
		t.Fatalf("index lists %d packages, want all 5", n)
	}
	var usable []string
	for _, p := range ix.Usable() {
		usable = append(usable, p.ID.Name)
	}
	if len(usable) != 1 || usable[0] != "good" {
		t.Errorf("usable packages: %v, want only [good]", usable)
	}
}
