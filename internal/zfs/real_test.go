//go:build realzfs

package zfs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

func TestConformanceReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	caps, err := c.Capabilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real OpenZFS: %s (json %v, channel programs %v)", caps, caps.JSON, caps.ChannelPrograms)
	zfstest.RunSuite(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	})
}

// TestConformanceLegacyReal runs the suite without JSON output and without channel programs, as
// on OpenZFS before 2.3, so the -H text parser and the one-at-a-time GC path are proven on real
// output too.
func TestConformanceLegacyReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	zfs.LegacyForTest(c)
	zfstest.RunSuite(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	})
}

// TestObserveProcessCountReal proves observation costs the same number of zfs processes for a tree of
// 10 datasets as for one of 500.
func TestObserveProcessCountReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop())
	if _, err := c.Capabilities(ctx); err != nil {
		t.Fatal(err)
	}
	cost := func(root string) (int64, int) {
		before, _ := c.Stats()
		tree, err := c.Observe(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := c.Stats()
		return after - before, len(tree.Datasets)
	}
	// build makes root with fs filesystems and snaps snapshots of each: fs*(1+snaps)+1 datasets.
	build := func(fs, snaps int) string {
		root := zfstest.NewRoot(t, c, pool)
		for i := range fs {
			if err := c.Create(ctx, fmt.Sprintf("%s/fs%02d", root, i), zfs.CreateOptions{Props: zfs.Props{"axiom:managed-by": "test", "canmount": "off"}}); err != nil {
				t.Fatal(err)
			}
		}
		for j := range snaps { // ZFS takes one snapshot per filesystem per transaction
			var names []string
			for i := range fs {
				names = append(names, fmt.Sprintf("%s/fs%02d@s%02d", root, i, j))
			}
			if err := c.Snapshot(ctx, names...); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	smallProcs, small := cost(build(3, 2))   // 1 + 3 + 6 = 10
	largeProcs, large := cost(build(20, 24)) // 1 + 20 + 480 = 501
	if small != 10 {
		t.Fatalf("small tree has %d datasets, want 10", small)
	}
	if large < 500 {
		t.Fatalf("large tree has %d datasets, want about 500", large)
	}
	t.Logf("observe: %d datasets in %d processes, %d datasets in %d processes", small, smallProcs, large, largeProcs)
	if smallProcs != largeProcs || smallProcs != 2 {
		t.Fatalf("observe took %d processes for %d datasets and %d for %d; want 2 for both", smallProcs, small, largeProcs, large)
	}
}

// TestFilePoolReal makes and destroys a pool of its own with go-zfs, as tests and demos do.
func TestFilePoolReal(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "pool.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 128<<20); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("axfp%d", os.Getpid())
	if err := zfs.CreateFilePool(ctx, name, map[string]string{"ashift": "12"}, img); err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop())
	info, err := c.Pool(ctx, name+"/anything")
	if err != nil {
		zfs.DestroyPool(ctx, name)
		t.Fatal(err)
	}
	if info.Name != name || info.Health != "ONLINE" || info.Size == 0 || info.Free == 0 {
		t.Errorf("pool info %+v", info)
	}
	if err := zfs.CreateFilePool(ctx, name, nil, img); err == nil {
		t.Error("creating the pool twice succeeded")
	}
	if err := zfs.DestroyPool(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pool(ctx, name); !errors.Is(err, zfs.ErrNotExist) {
		t.Fatalf("a destroyed pool: %v, want ErrNotExist", err)
	}
}
