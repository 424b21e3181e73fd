package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// modelStore is an Axiom tree on the in-memory model whose mountpoints are real directories.
func modelStore(t *testing.T) (*zfstest.Model, *Importer) {
	t.Helper()
	m := zfstest.NewModel("tank")
	m.MirrorUnder = t.TempDir()
	l := layout.Layout{Root: "tank/axiom", Mountpoint: filepath.Join(m.MirrorUnder, "axiom")}
	must(t, m.Create(context.Background(), l.Root, zfs.CreateOptions{Props: zfs.Props{"mountpoint": l.Mountpoint}}))
	return m, &Importer{ZFS: m, Layout: l, Log: zerolog.Nop(), MountCheck: func(string) error { return nil }}
}

func TestImportModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "bash", "5.2.21", map[string]string{"bin/bash": "#!/bin/sh\necho bash\n"})
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	if !res.Imported || res.Dataset != im.Layout.Package(ID(pkg)) {
		t.Fatalf("result %+v", res)
	}
	tree, err := m.Observe(ctx, im.Layout.Root)
	must(t, err)
	ix := NewIndex(tree, im.Layout)
	p, ok := ix.Get(ID(pkg))
	if !ok || !p.Complete || !p.Managed {
		t.Fatalf("index: %+v (found %v)\n%s", p, ok, m)
	}
	if b, err := os.ReadFile(filepath.Join(p.Path, "root/bin/bash")); err != nil || !strings.Contains(string(b), "echo bash") {
		t.Fatalf("package file: %q %v", b, err)
	}
	var meta MetaCache
	md, err := meta.Read(p)
	must(t, err)
	if md.Manifest.Name != "bash" {
		t.Fatalf("manifest %+v", md.Manifest)
	}
	for _, d := range tree.Under(im.Layout.Tmp()) {
		if d.Name != im.Layout.Tmp() {
			t.Fatalf("temporary dataset left: %s", d.Name)
		}
	}
	for _, parent := range parentChain(im.Layout, p.Dataset) {
		d, _ := tree.Get(parent)
		if v, _ := d.Local(layout.PropManagedBy); v != layout.ManagedBy {
			t.Fatalf("parent %s is not marked managed", parent)
		}
	}

	calls := m.Calls
	res, err = im.Import(ctx, pkg, nil)
	must(t, err)
	if res.Imported || m.Calls != calls {
		t.Fatalf("re-import changed something: %+v, %d mutating calls", res, m.Calls-calls)
	}
}

func TestImportConcurrentModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "z"})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = im.Import(ctx, pkg, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	tree, err := m.Observe(ctx, im.Layout.Root)
	must(t, err)
	if n := len(NewIndex(tree, im.Layout).All()); n != 1 {
		t.Fatalf("%d copies of the package", n)
	}
	if n := len(tree.Under(im.Layout.Tmp())); n > 1 {
		t.Fatalf("temporary datasets left:\n%s", m)
	}
}

// The same package as a directory and as a .tar.gz with a top-level folder is one package: one
// build-id, so the second import changes nothing.
func TestImportArchiveModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hello\n"}
	arc, dir := writeArchivePackage(t, "hello", "1.0.0", files), writePackage(t, "hello", "1.0.0", files)
	if ID(arc) != ID(dir) {
		t.Fatalf("archive %s and directory %s differ", ID(arc), ID(dir))
	}
	res, err := im.Import(ctx, arc, nil)
	must(t, err)
	if !res.Imported {
		t.Fatal("the archive was not imported")
	}
	calls := m.Calls
	if res, err := im.Import(ctx, dir, nil); err != nil || res.Imported || m.Calls != calls {
		t.Fatalf("importing the directory after the archive: %+v %v, %d calls", res, err, m.Calls-calls)
	}
}
