package zfstest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

func TestConformanceModel(t *testing.T) {
	RunSuite(t, func(t *testing.T) Target {
		m := NewModel("pool")
		m.MirrorUnder = t.TempDir()
		if err := m.Create(context.Background(), "pool/root", zfs.CreateOptions{Props: zfs.Props{"mountpoint": m.MirrorUnder + "/root"}}); err != nil {
			t.Fatal(err)
		}
		return Target{Client: m, Root: "pool/root"}
	})
}

// A saved model reads back with the same datasets, properties, holds, origins and mount state,
// and a mutation after loading continues its transaction numbers.
func TestModelSaveLoad(t *testing.T) {
	ctx := context.Background()
	m := NewModel("pool")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Create(ctx, "pool/a", zfs.CreateOptions{Props: zfs.Props{"axiom:x": "1", "mountpoint": "/mnt/a"}}))
	must(m.Snapshot(ctx, "pool/a@s"))
	must(m.Hold(ctx, "tag", "pool/a@s"))
	must(m.Clone(ctx, "pool/a@s", "pool/b", nil))
	must(m.Unmount("pool/b"))
	path := t.TempDir() + "/model.json"
	must(m.Save(path))
	got, err := LoadModel(path)
	must(err)
	want, _ := m.Observe(ctx, "pool")
	have, _ := got.Observe(ctx, "pool")
	if fmt.Sprint(want.Datasets) != fmt.Sprint(have.Datasets) {
		t.Fatalf("loaded model differs:\n%v\nwant\n%v", have.Datasets, want.Datasets)
	}
	if err := got.Release(ctx, "tag", "pool/a@s"); err != nil {
		t.Fatalf("the hold did not survive: %v", err)
	}
	must(got.Create(ctx, "pool/c", zfs.CreateOptions{}))
	c, _ := got.Observe(ctx, "pool/c")
	if c.Datasets[0].CreateTxg <= want.Datasets[len(want.Datasets)-1].CreateTxg {
		t.Fatalf("txg went back: %d", c.Datasets[0].CreateTxg)
	}
	if _, err := LoadModel(path + ".missing"); err == nil {
		t.Fatal("loading a missing file succeeded")
	}
	must(os.WriteFile(path, []byte("{"), 0o644))
	if _, err := LoadModel(path); err == nil {
		t.Fatal("loading garbage succeeded")
	}
}
