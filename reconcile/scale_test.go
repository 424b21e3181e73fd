package reconcile_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile/scaletest"
)

// noopPlan plans the synthetic store as one run of `plan` does (load the configuration, a new
// engine whose scan cache comes from its file) and returns the zfs processes it ran: the model's
// calls, each one process in the real client. It fails unless the plan is empty and changed
// nothing.
func noopPlan(tb testing.TB, s *scaletest.Store) int {
	tb.Helper()
	cfg, err := s.LoadConfig()
	if err != nil {
		tb.Fatal(err)
	}
	calls, reads := s.Model.Calls, s.Model.Reads
	plan, err := s.Engine().Plan(context.Background(), cfg, reconcile.PlanOptions{})
	if err != nil {
		tb.Fatalf("no-op plan of %d packages: %v", s.N, err)
	}
	if !plan.Empty() {
		tb.Fatalf("the plan of the applied %d packages is not empty: %d steps", s.N, len(plan.Steps))
	}
	if s.Model.Calls != calls {
		tb.Fatalf("a no-op plan made %d mutating zfs calls", s.Model.Calls-calls)
	}
	return s.Model.Reads - reads
}

// TestObservationProcessesConstant: a no-op plan runs as many zfs processes for a store of
// 1,000 packages as for one of 10 (counts, not times): the observation is a constant number of
// processes, never one per package or dataset.
func TestObservationProcessesConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store of 1,000 packages")
	}
	procs := map[int]int{}
	for _, n := range []int{10, 1000} {
		s, err := scaletest.Build(context.Background(), scaletest.TempDir(t), n)
		if err != nil {
			t.Fatal(err)
		}
		procs[n] = noopPlan(t, s)
	}
	if procs[10] != procs[1000] || procs[10] == 0 {
		t.Errorf("zfs processes of a no-op plan: %d for 10 packages, %d for 1,000; want the same", procs[10], procs[1000])
	}
}

// BenchmarkScale times a no-op plan of a synthetic store of N packages on the in-memory model
// (issue 13, goal 6): one environment using all N packages, applied once, the source scan cache
// warm in its file; each operation is what one run of `plan` does. It reports the zfs processes
// per plan (zfs-procs/op, constant in N) and the peak Go heap of one plan (peak-heap-MB,
// sampled; the peak RSS of a whole `plan` process is BenchmarkScalePeakRSS in
// cmd/axiom-reconcile). Each store is built once per size (the 10,000 one in about a minute).
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		var s *scaletest.Store
		dir := scaletest.TempDir(b)
		b.Run(fmt.Sprintf("pkgs=%d", n), func(b *testing.B) {
			if s == nil {
				var err error
				if s, err = scaletest.Build(context.Background(), dir, n); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
			}
			procs := 0
			for b.Loop() {
				procs += noopPlan(b, s)
			}
			b.StopTimer()
			b.ReportMetric(float64(procs)/float64(b.N), "zfs-procs/op")
			b.ReportMetric(peakHeap(func() { noopPlan(b, s) })/(1<<20), "peak-heap-MB")
		})
	}
}

// peakHeap runs fn and returns the most heap its objects took while it ran (bytes, sampled
// every millisecond after a collection), what it adds to the heap before it.
func peakHeap(fn func()) float64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base, peak := read(), uint64(0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	peak = max(peak, read())
	return float64(peak - min(peak, base))
}
