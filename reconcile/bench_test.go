package reconcile

import (
	"path/filepath"
	"testing"
)

// BenchmarkNoopPlanModel plans the applied buildhost example on the in-memory model: the
// reconciler's own cost of a no-op pass (loading, scanning the sources, resolving, diffing),
// without ZFS. BenchmarkNoopPlan (realzfs) measures the same on real ZFS beside a bare
// `zfs list`.
func BenchmarkNoopPlanModel(b *testing.B) {
	e, _, mp := modelEngine(b)
	cfg := loadConfig(b, filepath.Join("..", "examples", "buildhost"), "tank/axiom", mp)
	if _, _, err := e.Reconcile(bg, cfg, defaults); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if plan, err := e.Plan(bg, cfg, defaults); err != nil || !plan.Empty() {
			b.Fatalf("no-op plan: %v", err)
		}
	}
}
