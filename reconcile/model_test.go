package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The planner's logic on the in-memory model: every example converges, and a second plan is
// empty. The same properties are proven on real OpenZFS by the realzfs tests.
func TestExamplesConvergeOnModel(t *testing.T) {
	for _, ex := range []string{"workstation", "buildhost", "fleet-host"} {
		t.Run(ex, func(t *testing.T) {
			e, m, mp := modelEngine(t)
			cfg := loadConfig(t, filepath.Join("..", "examples", ex), "tank/axiom", mp)
			plan, done, err := e.Reconcile(bg, cfg, PlanOptions{})
			if err != nil {
				if plan != nil {
					var b strings.Builder
					plan.WriteHuman(&b)
					t.Log(b.String())
				}
				t.Fatalf("apply: %v\n%s", err, m)
			}
			if done.Steps == 0 || done.ByKind[KindRealize] != len(cfg.Environments) {
				t.Fatalf("first apply did %+v", done)
			}
			again, err := e.Plan(bg, cfg, PlanOptions{})
			must(t, err)
			if !again.Empty() {
				var b strings.Builder
				again.WriteHuman(&b)
				t.Fatalf("plan after apply is not empty:\n%s", b.String())
			}
			for _, env := range cfg.Environments {
				dir := filepath.Join(mp, "env", env.Name)
				if cur, err := os.Readlink(filepath.Join(dir, "current")); err != nil || cur != "gen-1" {
					t.Fatalf("%s: current -> %q (%v)", env.Name, cur, err)
				}
				if _, err := os.Stat(filepath.Join(dir, "current", "bin")); err != nil {
					t.Fatalf("%s: no bin/ in the current generation: %v", env.Name, err)
				}
			}
		})
	}
}
