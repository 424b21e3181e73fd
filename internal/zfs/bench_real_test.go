//go:build realzfs

package zfs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

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

// BenchmarkGC times collecting N unused packages (filesystems with an @installed snapshot and
// the guard property set locally) with DestroyUnused, the batched channel programs GC runs,
// beside a loop of one `zfs destroy -r` per package over an identical copy, and reports the
// ratio and the zfs processes DestroyUnused ran. Each iteration's two copies are received from
// one stream of a template made once (zfs create per package is the slow part of the setup).
func BenchmarkGC(b *testing.B) {
	for _, n := range []int{100, 500} {
		b.Run(fmt.Sprintf("pkgs=%d", n), func(b *testing.B) { benchGC(b, n) })
	}
}

func benchGC(b *testing.B, n int) {
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by"))
	root := zfstest.NewRoot(b, c, zfstest.RealPool(b))
	run := func(name string, args ...string) {
		b.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	stream := gcTemplate(b, c, root, n, run)
	guard := zfs.Guard{Prop: "axiom:managed-by", Value: "bench"}
	copyOf := func(name string) []string {
		b.Helper()
		ds := root + "/" + name
		run("sh", "-c", "zfs receive -u "+ds+" < "+stream)
		names := make([]string, n)
		for i := range n {
			names[i] = fmt.Sprintf("%s/p%04d", ds, i)
		}
		run("zfs", append([]string{"set", guard.Prop + "=" + guard.Value}, names...)...) // local, as GC requires
		return names
	}
	var ours, baseline time.Duration
	var procs int64
	for i := 0; b.Loop(); i++ {
		names := copyOf(fmt.Sprintf("ours-%d", i))
		p0, _ := c.Stats()
		t0 := time.Now()
		rep, err := c.DestroyUnused(ctx, names, guard)
		ours += time.Since(t0)
		p1, _ := c.Stats()
		procs += p1 - p0
		if err != nil || len(rep.Destroyed) != n {
			b.Fatalf("DestroyUnused destroyed %d of %d (skipped %v): %v", len(rep.Destroyed), n, rep.Skipped, err)
		}
		names = copyOf(fmt.Sprintf("loop-%d", i))
		t1 := time.Now()
		for _, name := range names {
			if err := c.Destroy(ctx, name, zfs.DestroyOptions{Recursive: true}); err != nil {
				b.Fatal(err)
			}
		}
		baseline += time.Since(t1)
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ours-ms/op")
	b.ReportMetric(float64(baseline.Milliseconds())/float64(b.N), "destroy-loop-ms/op")
	b.ReportMetric(float64(ours)/float64(baseline), "x-baseline")
	b.ReportMetric(float64(procs)/float64(b.N), "zfs-procs/op")
}

// gcTemplate returns a replication stream of n filesystems, each with an @installed snapshot:
// made once (n `zfs create`, four at a time) and kept in the repository's .build/bench, so
// that later runs receive it instead of creating n filesystems again.
func gcTemplate(b *testing.B, c *zfs.CLI, root string, n int, run func(string, ...string)) string {
	b.Helper()
	ctx := context.Background()
	dir := filepath.Join("..", "..", ".build", "bench")
	stream := filepath.Join(dir, fmt.Sprintf("gc-template-%d.zstream", n))
	if _, err := os.Stat(stream); err == nil {
		return stream
	}
	tmpl := root + "/template"
	if err := c.Create(ctx, tmpl, zfs.CreateOptions{Props: zfs.Props{"canmount": "off"}}); err != nil {
		b.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error { return c.Create(ctx, fmt.Sprintf("%s/p%04d", tmpl, i), zfs.CreateOptions{}) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	run("zfs", "snapshot", "-r", tmpl+"@installed")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	run("sh", "-c", "zfs send -R "+tmpl+"@installed > "+stream+".tmp && mv "+stream+".tmp "+stream)
	return stream
}
