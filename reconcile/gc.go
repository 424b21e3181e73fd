package reconcile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

const defaultResolveTimeout = 30 * time.Second

// GC roots are every declared profile's (new or kept) lock and the lock of every generation that
// stays. A package is collectable only if it is managed, complete, named by no root, held by
// nobody (the kernel check; the plan counts the holds its own prunes release), not the origin of
// a clone, and older than gc.grace_period by its ZFS creation time. Each pass collects at most
// the deletion budget left after removals, oldest first; the rest wait for the next pass.
func (p *planner) planGC() {
	roots := p.gcRoots()
	now := p.e.now()
	var cands []*store.Package
	for _, pkg := range p.s.index.All() {
		if p.collectable(pkg, roots, now) == "" {
			cands = append(cands, pkg)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].Creation.Equal(cands[j].Creation) {
			return cands[i].Creation.Before(cands[j].Creation)
		}
		return cands[i].ID.Less(cands[j].ID)
	})
	left := p.budget - p.removals
	if left < 0 {
		left = 0
	}
	if len(cands) > left {
		p.plan.Notes = append(p.plan.Notes, fmt.Sprintf("%d more unreferenced packages are collectable; the deletion budget (gc.max_deletes = %d, or --max-deletes) leaves them for a later pass", len(cands)-left, p.budget))
		cands = cands[:left]
	}
	gone := map[string]bool{}
	var leaves []string
	var names []string
	for _, c := range cands {
		gone[c.Dataset] = true
		leaves = append(leaves, c.Dataset)
		names = append(names, c.ID.String())
	}
	parents := p.emptyParents(gone)
	if len(leaves) == 0 && len(parents) == 0 {
		return
	}
	var summary string
	switch {
	case len(leaves) == 0:
		summary = fmt.Sprintf("remove %s left empty", plural(len(parents), "parent dataset"))
	default:
		summary = fmt.Sprintf("collect %s: %s", plural(len(leaves), "package"), strings.Join(names, ", "))
		if len(parents) > 0 {
			summary += fmt.Sprintf(" (and %s left empty)", plural(len(parents), "parent dataset"))
		}
	}
	p.gcSteps = append(p.gcSteps, Step{Kind: KindGC, Action: Remove, Group: "Garbage collection", Target: p.l.PkgRoot(),
		Summary: summary, Reason: fmt.Sprintf("unreferenced, older than grace_period %s", p.cfg.GC.GracePeriod), Source: posOf(p.cfg.GC.DeclRange),
		GC: &GCStep{Packages: leaves, Parents: parents}})
}

// gcRoots returns the packages some lock that stays names.
func (p *planner) gcRoots() map[layout.PackageID]string {
	roots := map[layout.PackageID]string{}
	for name, lk := range p.locks {
		for _, id := range lockIDs(lk) {
			roots[id] = "the lock of profile " + name
		}
	}
	for _, lk := range p.newLocks {
		for _, id := range lockIDs(lk) {
			if _, ok := roots[id]; !ok {
				roots[id] = "a generation being realized"
			}
		}
	}
	gens := p.retained
	if p.opt.GCOnly {
		// Nothing else of the plan runs: what is on disk now stays a root.
		gens = nil
		for _, es := range p.s.envs {
			gens = append(gens, es.gens...)
		}
		for name, ps := range p.s.profiles {
			for _, id := range lockIDs(ps.lock) {
				if _, ok := roots[id]; !ok {
					roots[id] = "the lock of profile " + name + " on disk"
				}
			}
		}
	}
	for _, g := range gens {
		for _, id := range lockIDs(g.lock) {
			if _, ok := roots[id]; !ok {
				roots[id] = "generation " + g.ds.Name
			}
		}
	}
	return roots
}

// collectable returns "" if pkg can be collected now, else why not.
func (p *planner) collectable(pkg *store.Package, roots map[layout.PackageID]string, now time.Time) string {
	switch {
	case !pkg.Managed:
		return "it is not managed by axiom-reconcile"
	case !pkg.Complete:
		return "it is not a complete package (not read-only with @installed)"
	}
	if why, ok := roots[pkg.ID]; ok {
		return "it is referenced by " + why
	}
	snap := pkg.Snapshot()
	released := p.released[snap]
	if p.opt.GCOnly {
		released = 0
	}
	if held := int(pkg.Installed.UserRefs) - released; held > 0 {
		return fmt.Sprintf("%s has %s", snap, plural(held, "user hold"))
	}
	if clones := pkg.Installed.Clones; len(clones) > 0 {
		return fmt.Sprintf("%s is the origin of %s", snap, clones[0])
	}
	for _, d := range p.s.obs.tree.Children(pkg.Dataset) {
		return "it has a child dataset " + d.Name
	}
	if until := pkg.Creation.Add(p.cfg.GC.GracePeriod); now.Before(until) {
		return fmt.Sprintf("it is within the grace period until %s (created %s)", until.UTC().Format(time.RFC3339), pkg.Creation.UTC().Format(time.RFC3339))
	}
	return ""
}

// emptyParents lists the managed name/X.Y.Z/rev containers that have no children once the
// datasets in gone are destroyed, deepest first.
func (p *planner) emptyParents(gone map[string]bool) []string {
	tree := p.s.obs.tree
	var out []string
	// Walk depth 3 (rev), 2 (version), 1 (name) below store/pkg.
	for depth := 3; depth >= 1; depth-- {
		for i := range tree.Datasets {
			d := &tree.Datasets[i]
			rel, ok := strings.CutPrefix(d.Name, p.l.PkgRoot()+"/")
			if !ok || d.Type != zfs.Filesystem || strings.Count(rel, "/") != depth-1 || !managed(d) {
				continue
			}
			if kind, _ := d.Local(layout.PropKind); kind != layout.KindContainer {
				continue
			}
			if len(tree.Snapshots(d.Name)) > 0 {
				continue
			}
			empty := true
			for _, c := range tree.Children(d.Name) {
				if !gone[c.Name] {
					empty = false
					break
				}
			}
			if empty {
				gone[d.Name] = true
				out = append(out, d.Name)
			}
		}
	}
	return out
}

// Explain says why a package dataset is kept, or that it is collectable, as `gc --explain` shows.
// It runs the whole planning, so it sees exactly what the next apply would.
func (e *Engine) Explain(ctx context.Context, cfg *spec.Config, dataset string, opt PlanOptions) (string, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return "", err
	}
	p, err := e.runPlanner(ctx, cfg, obs, opt)
	if err != nil {
		return "", err
	}
	var pkg *store.Package
	for _, c := range p.s.index.All() {
		if c.Dataset == dataset {
			pkg = c
		}
	}
	if pkg == nil {
		if d, ok := obs.tree.Get(dataset); ok {
			return fmt.Sprintf("%s is a %s in the tree, not a package (store/pkg/<name>/<X.Y.Z>/<rev>/<build-id>); GC only collects packages and the parents they leave empty", dataset, d.Type), nil
		}
		return "", fmt.Errorf("%s: no such package in %s", dataset, p.l.PkgRoot())
	}
	for _, st := range p.gcSteps {
		for _, n := range st.GC.Packages {
			if n == dataset {
				return fmt.Sprintf("%s (%s) is collectable: unreferenced, not held, not cloned, created %s, older than grace_period %s; the next apply or gc destroys it", dataset, pkg.ID, pkg.Creation.UTC().Format(time.RFC3339), cfg.GC.GracePeriod), nil
			}
		}
	}
	why := p.collectable(pkg, p.gcRoots(), e.now())
	if why == "" {
		why = "the deletion budget is spent on older packages this pass"
	}
	if pkg.Installed != nil && pkg.Installed.UserRefs > 0 {
		if tags, err := e.ZFS.Holds(ctx, pkg.Snapshot()); err == nil {
			why += fmt.Sprintf("; holds on %s: %s", pkg.Snapshot(), strings.Join(tags[pkg.Snapshot()], ", "))
		}
	}
	return fmt.Sprintf("%s (%s) is kept: %s", dataset, pkg.ID, why), nil
}
