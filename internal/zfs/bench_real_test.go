//go:build realzfs

package zfs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// BenchmarkObserve times a full observation of a tree of 201 datasets (10 filesystems with 19
// snapshots each), as production reads it (one `zfs get` of the native columns and a known
// property list), side by side with a bare `zfs list -r -o name` of the same tree, and reports
// the ratio: what reading types, guids, txgs, creation, holds, clones and the properties with
// their sources costs over the cheapest listing there is.
func BenchmarkObserve(b *testing.B) {
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by", "axiom:kind", "axiom:package"))
	root := zfstest.NewRoot(b, c, zfstest.RealPool(b))
	for i := range 10 {
		if err := c.Create(ctx, fmt.Sprintf("%s/fs%d", root, i), zfs.CreateOptions{Props: zfs.Props{"axiom:managed-by": "bench", "canmount": "off"}}); err != nil {
			b.Fatal(err)
		}
	}
	for j := range 19 {
		var snaps []string
		for i := range 10 {
			snaps = append(snaps, fmt.Sprintf("%s/fs%d@s%d", root, i, j))
		}
		if err := c.Snapshot(ctx, snaps...); err != nil {
			b.Fatal(err)
		}
	}
	var observe, baseline time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if _, err := c.Observe(ctx, root); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := zfstest.BareList(ctx, root); err != nil {
			b.Fatal(err)
		}
		observe += t1.Sub(t0)
		baseline += time.Since(t1)
	}
	b.ReportMetric(float64(observe.Milliseconds())/float64(b.N), "observe-ms/op")
	b.ReportMetric(float64(baseline.Milliseconds())/float64(b.N), "zfs-list-ms/op")
	b.ReportMetric(float64(observe)/float64(baseline), "x-baseline")
}
