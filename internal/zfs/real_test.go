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

// TestConformanceReal runs the suite as production does: JSON output, channel programs, and
// observation in one `zfs get` of a known property list.
func TestConformanceReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(zfstest.SuiteProps...))
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
// on OpenZFS before 2.3, and with the two-process observation of every user property, so the -H
// text parser, that observation and the one-at-a-time GC path are proven on real output too.
func TestConformanceLegacyReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	zfs.LegacyForTest(c)
	zfstest.RunSuite(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	})
}

// TestObserveProcessCountReal proves observation costs the same number of zfs processes for a
// tree of 10 datasets as for one of 501: one as production reads (a known property list), two
// when every user property is read.
func TestObserveProcessCountReal(t *testing.T) {
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop())
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
	small, large := build(3, 2), build(20, 24) // 1 + 3 + 6 = 10; 1 + 20 + 480 = 501
	for _, tc := range []struct {
		name  string
		c     *zfs.CLI
		procs int64
	}{
		{"known properties", zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by")), 1},
		{"every user property", zfs.NewCLI(zerolog.Nop()), 2},
	} {
		if _, err := tc.c.Observe(ctx, small); err != nil { // the first observation learns the output format
			t.Fatal(err)
		}
		cost := func(root string) (int64, int) {
			before, _ := tc.c.Stats()
			tree, err := tc.c.Observe(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := tc.c.Stats()
			if d, ok := tree.Get(root + "/fs01"); !ok || d.Props["axiom:managed-by"].Source != zfs.SourceLocal {
				t.Fatalf("%s: fs01 observed as %+v", tc.name, d)
			}
			return after - before, len(tree.Datasets)
		}
		smallProcs, n10 := cost(small)
		largeProcs, n501 := cost(large)
		t.Logf("%s: %d datasets in %d processes, %d datasets in %d processes", tc.name, n10, smallProcs, n501, largeProcs)
		if n10 != 10 || n501 != 501 {
			t.Fatalf("trees of %d and %d datasets, want 10 and 501", n10, n501)
		}
		if smallProcs != tc.procs || largeProcs != tc.procs {
			t.Fatalf("%s: %d and %d processes; want %d for both", tc.name, smallProcs, largeProcs, tc.procs)
		}
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
