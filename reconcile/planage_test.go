package reconcile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A saved plan older than MaxPlanAge, or dated in the future, is refused as stale, whatever its
// digests say.
func TestSavedPlanAgeLimits(t *testing.T) {
	w := newWorld(t, "", "profile \"p\" {\n  package \"make\" {}\n}\n")
	for _, tc := range []struct {
		name string
		move func(p *Plan)
		want string
	}{
		{"too old", func(*Plan) { w.clk.t = w.clk.t.Add(MaxPlanAge + time.Hour) }, "more than 24h0m0s: plan again"},
		{"from the future", func(p *Plan) { p.CreatedAt = w.clk.t.Add(time.Hour) }, "in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := w.mustPlan(defaults)
			tc.move(p)
			_, err := w.e.ApplySaved(bg, w.cfg(), p)
			var se *StalePlanError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ApplySaved: %v, want a stale plan saying %q", err, tc.want)
			}
		})
	}
	// Within the limits it applies.
	p := w.mustPlan(defaults)
	w.clk.t = w.clk.t.Add(MaxPlanAge - time.Hour)
	if _, err := w.e.ApplySaved(bg, w.cfg(), p); err != nil {
		t.Fatalf("a plan %s old: %v", MaxPlanAge-time.Hour, err)
	}
}
