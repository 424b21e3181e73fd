package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Explain says why a package dataset is kept, or that it is collectable, as `gc --explain` shows.
// It runs the whole planning, so it sees exactly what the next apply would.
func (e *Engine) Explain(ctx context.Context, cfg *spec.Config, dataset string, opt PlanOptions) (string, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return "", err
	}
	return e.explain(ctx, cfg, obs, layout.Dataset(dataset), opt)
}

// explain is Explain on an observation already made.
func (e *Engine) explain(ctx context.Context, cfg *spec.Config, obs *observation, dataset layout.Dataset, opt PlanOptions) (string, error) {
	d, err := e.diff(ctx, cfg, obs, opt, true)
	if err != nil {
		return "", err
	}
	in := d.in
	var pkg *store.Package
	for _, c := range in.s.index.All() {
		if c.Dataset == dataset {
			pkg = c
		}
	}
	if pkg == nil {
		if d, ok := obs.tree.Get(string(dataset)); ok {
			return fmt.Sprintf("%s is a %s in the tree, not a package (store/pkg/<name>/<X.Y.Z>/<rev>/<build-id>); GC only collects packages and the parents they leave empty", dataset, d.Type), nil
		}
		return "", fmt.Errorf("%s: no such package in %s", dataset, in.l.PkgRoot())
	}
	for _, st := range d.gc.steps {
		for _, n := range st.Op.(*GCStep).Packages {
			if n == dataset {
				return fmt.Sprintf("%s (%s) is collectable: unreferenced, not held, not cloned, created %s, older than grace_period %s; the next apply or gc destroys it", dataset, pkg.ID, pkg.Creation.UTC().Format(time.RFC3339), cfg.GC.GracePeriod), nil
			}
		}
	}
	if len(d.gc.unreadable) > 0 {
		return fmt.Sprintf("%s (%s) is kept: garbage collection is skipped, %s", dataset, pkg.ID, strings.Join(d.gc.unreadable, "; ")), nil
	}
	why := collectable(in, d.gcIn, pkg, d.gc.roots)
	if why == "" {
		why = fmt.Sprintf("%d packages are collectable, more than the deletion budget of %d (gc.max_deletes); none are collected until `axiom-reconcile gc --max-deletes %d`", d.gc.overBudget, in.budget, d.gc.overBudget)
	}
	if tags := obs.holds[pkg.Snapshot()]; len(tags) > 0 {
		why += fmt.Sprintf("; holds on %s: %s", pkg.Snapshot(), strings.Join(layout.Strings(tags), ", "))
	}
	return fmt.Sprintf("%s (%s) is kept: %s", dataset, pkg.ID, why), nil
}
