//go:build realzfs

package reconcile

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// BenchmarkNoopPlan times planning an applied example (the largest, buildhost) side by side with
// a bare `zfs list -r -o name` of the same tree, and reports the ratio. BenchmarkNoopApply does
// the same for a whole no-op apply (observe, plan, apply nothing).
func BenchmarkNoopPlan(b *testing.B)  { benchNoop(b, false) }
func BenchmarkNoopApply(b *testing.B) { benchNoop(b, true) }

// benchNoop times a no-op pass as a command runs it: a new engine each time (a new process),
// with the source scan cache kept in a file between them, as the command line does.
func benchNoop(b *testing.B, apply bool) {
	first, c, root, mp := realEngine(b)
	cache := filepath.Join(b.TempDir(), "source-scan.cache")
	first.SourceCache = cache
	cfg := loadConfig(b, filepath.Join("..", "examples", "buildhost"), root, mp)
	if _, _, err := first.Reconcile(bg, cfg, PlanOptions{}); err != nil {
		b.Fatal(err)
	}
	time.Sleep(2 * time.Second) // past the racy window of the sources just copied: see source.Cache
	if _, err := first.Plan(bg, cfg, PlanOptions{}); err != nil {
		b.Fatal(err)
	}
	var ours, baseline time.Duration
	p0, m0 := c.Stats()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		e := &Engine{ZFS: c, Log: zerolog.Nop(), SourceCache: cache}
		if apply {
			if _, done, err := e.Reconcile(bg, cfg, PlanOptions{}); err != nil || done.Steps != 0 {
				b.Fatalf("no-op apply: %v, %+v", err, done)
			}
		} else if plan, err := e.Plan(bg, cfg, PlanOptions{}); err != nil || !plan.Empty() {
			b.Fatalf("no-op plan: %v", err)
		}
		t1 := time.Now()
		if err := zfstest.BareList(bg, root); err != nil {
			b.Fatal(err)
		}
		ours += t1.Sub(t0)
		baseline += time.Since(t1)
	}
	p1, m1 := c.Stats()
	b.ReportMetric(float64(p1-p0)/float64(b.N), "zfs-procs/op")
	b.ReportMetric(float64(m1-m0)/float64(b.N), "mutating/op")
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ours-ms/op")
	b.ReportMetric(float64(baseline.Milliseconds())/float64(b.N), "zfs-list-ms/op")
	b.ReportMetric(float64(ours)/float64(baseline), "x-baseline")
}
