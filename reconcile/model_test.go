package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
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

// A saved plan is refused once the ZFS state or the configuration moved, and applies when
// neither did. Logic only: it runs on the model (it ran on real ZFS before).
func TestStalePlanRefusedOnModel(t *testing.T) {
	e, c, mp := modelEngine(t)
	root := "tank/axiom"
	dir := t.TempDir()
	copyDir(t, filepath.Join("..", "examples"), dir)
	cfgDir := filepath.Join(dir, "workstation")
	cfg := loadConfig(t, cfgDir, root, mp)
	plan, err := e.Plan(bg, cfg, PlanOptions{})
	must(t, err)
	path := filepath.Join(t.TempDir(), "plan.json")
	must(t, plan.Save(path))

	// The state moves: the store's root appears meanwhile (another apply made it).
	must(t, c.Create(bg, root, zfs.CreateOptions{Props: zfs.Props{"mountpoint": mp, layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindContainer}}))
	saved, err := LoadPlan(path)
	must(t, err)
	_, err = e.ApplySaved(bg, cfg, saved)
	var stale *StalePlanError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "dataset "+root+" appeared") {
		t.Fatalf("stale plan: %v", err)
	}

	// The configuration moves.
	plan, err = e.Plan(bg, cfg, PlanOptions{})
	must(t, err)
	must(t, plan.Save(path))
	must(t, os.WriteFile(filepath.Join(cfgDir, "extra.hcl"), []byte("# a new file\n"), 0o644))
	cfg = loadConfig(t, cfgDir, root, mp)
	saved, err = LoadPlan(path)
	must(t, err)
	_, err = e.ApplySaved(bg, cfg, saved)
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "config extra.hcl appeared") {
		t.Fatalf("stale plan after a config change: %v", err)
	}

	// A fresh plan applies, and then there is nothing left to do.
	plan, err = e.Plan(bg, cfg, PlanOptions{})
	must(t, err)
	must(t, plan.Save(path))
	saved, err = LoadPlan(path)
	must(t, err)
	done, err := e.ApplySaved(bg, cfg, saved)
	must(t, err)
	if done.Steps != len(plan.Steps) {
		t.Fatalf("applied %d of %d steps", done.Steps, len(plan.Steps))
	}
	again, err := e.Plan(bg, cfg, PlanOptions{})
	must(t, err)
	if !again.Empty() {
		t.Fatalf("plan after applying a saved plan:\n%s", planText(again))
	}
}
