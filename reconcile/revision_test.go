package reconcile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// prop reads a local property of a dataset on the model ("" when unset).
func prop(t *testing.T, m *zfstest.Model, ds, name string) string {
	t.Helper()
	tree, err := m.Observe(bg, ds)
	must(t, err)
	d, ok := tree.Get(ds)
	if !ok {
		t.Fatalf("%s does not exist", ds)
	}
	v, _ := d.Local(name)
	return v
}

// The revision a pass is given is in its plan, on every generation it builds and, with the time,
// on the store dataset; a converged pass of the same revision writes nothing; a converged pass
// of another revision records only that; a rollback records none; without a revision nothing
// is recorded.
func TestRevisionRecorded(t *testing.T) {
	e, m, mp := modelEngine(t)
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.Now = clk.now
	root := "tank/axiom"
	cfg := loadConfig(t, filepath.Join("..", "examples", "workstation"), root, mp)

	plan, _, err := e.Reconcile(bg, cfg, PlanOptions{Revision: "aaa"})
	must(t, err)
	if plan.Revision != "aaa" || !strings.HasSuffix(planText(plan), "Configuration revision: aaa\n") {
		t.Fatalf("plan revision %q, text:\n%s", plan.Revision, planText(plan))
	}
	if got := prop(t, m, root, layout.PropRevision); got != "aaa" {
		t.Errorf("store revision %q, want aaa", got)
	}
	if got := prop(t, m, root, layout.PropAppliedAt); got != "2026-03-01T12:00:00Z" {
		t.Errorf("store applied-at %q", got)
	}
	for _, env := range cfg.Environments {
		if got := prop(t, m, string(layout.Layout{Root: layout.Dataset(root)}.Generation(env.Name, 1)), layout.PropRevision); got != "aaa" {
			t.Errorf("%s gen-1 revision %q, want aaa", env.Name, got)
		}
	}

	clk.t = clk.t.Add(time.Hour)
	calls := m.Calls
	again, done, err := e.Reconcile(bg, cfg, PlanOptions{Revision: "aaa"})
	must(t, err)
	if plan.AppliedRevision != "" || again.AppliedRevision != "aaa" {
		t.Errorf("plans' applied revision: %q before the first apply, %q after, want none and aaa", plan.AppliedRevision, again.AppliedRevision)
	}
	if done.Steps != 0 || m.Calls != calls || prop(t, m, root, layout.PropAppliedAt) != "2026-03-01T12:00:00Z" {
		t.Errorf("converged pass of the same revision: %d steps, %d changes to the model", done.Steps, m.Calls-calls)
	}

	_, done, err = e.Reconcile(bg, cfg, PlanOptions{Revision: "bbb-dirty"})
	must(t, err)
	if done.Steps != 0 || prop(t, m, root, layout.PropRevision) != "bbb-dirty" || prop(t, m, root, layout.PropAppliedAt) != "2026-03-01T13:00:00Z" {
		t.Errorf("converged pass of a new revision: %d steps, store revision %q at %q", done.Steps,
			prop(t, m, root, layout.PropRevision), prop(t, m, root, layout.PropAppliedAt))
	}
	if got := prop(t, m, string(layout.Layout{Root: layout.Dataset(root)}.Generation(cfg.Environments[0].Name, 1)), layout.PropRevision); got != "aaa" {
		t.Errorf("a generation's revision is the one it was built from: %q", got)
	}

	_, _, err = e.Reconcile(bg, cfg, PlanOptions{})
	must(t, err)
	if got := prop(t, m, root, layout.PropRevision); got != "bbb-dirty" {
		t.Errorf("a pass without a revision changed the recorded one to %q", got)
	}

	st, err := e.Status(bg, cfg)
	must(t, err)
	st.Revision = "ccc"
	var b strings.Builder
	st.WriteHuman(&b)
	if st.Applied != "bbb-dirty" || st.AppliedAt != "2026-03-01T13:00:00Z" ||
		!strings.Contains(b.String(), "\nApplied revision: bbb-dirty at 2026-03-01T13:00:00Z\nConfiguration revision: ccc\n") {
		t.Errorf("status: applied %q at %q; text:\n%s", st.Applied, st.AppliedAt, b.String())
	}
}

// A saved plan keeps its revision, and applying it records that revision.
func TestSavedPlanRevision(t *testing.T) {
	e, m, mp := modelEngine(t)
	cfg := loadConfig(t, filepath.Join("..", "examples", "workstation"), "tank/axiom", mp)
	plan, err := e.Plan(bg, cfg, PlanOptions{Revision: "cafe"})
	must(t, err)
	path := filepath.Join(t.TempDir(), "plan.json")
	must(t, plan.Save(path))
	saved, err := LoadPlan(path)
	must(t, err)
	if saved.Revision != "cafe" {
		t.Fatalf("saved plan revision %q", saved.Revision)
	}
	_, err = e.ApplySaved(bg, cfg, saved)
	must(t, err)
	if got := prop(t, m, "tank/axiom", layout.PropRevision); got != "cafe" {
		t.Errorf("store revision after applying the saved plan: %q", got)
	}
}
