package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

const defaultResolveTimeout = 30 * time.Second

// GC roots are every lock that stays after the plan: each profile's under profiles/, managed or
// not (a declared profile's as the plan leaves it; the on-disk lock of any other, such as one the
// upstream axiom CLI made; none for a profile the plan removes), and the lock of every
// generation that stays (and of each generation the plan builds). `gc` runs no other step, so for
// it every lock on disk and every existing generation stays. A lock among those that cannot be
// read makes GC collect nothing, with a warning naming it: what it names is unknown.
//
// A package is collectable only if it is managed, complete, named by no root, held by nobody
// (the kernel check; the plan counts the holds its own prunes release), not the origin of a
// clone, and older than gc.grace_period by its ZFS creation time. When more are collectable than
// the deletion budget allows (after removals), plan and apply collect none and warn (so that the
// plan after a successful apply is empty); `gc` then fails, unless --max-deletes allows them.
func (p *planner) planGC() {
	roots, unreadable := p.gcRoots()
	if len(unreadable) > 0 {
		p.warn("garbage collection is skipped: %s; fix or remove it, and GC runs again", strings.Join(unreadable, "; "))
		return
	}
	now := p.plan.CreatedAt
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
	left := max(p.budget-p.removals, 0)
	if len(cands) > left {
		p.overBudget = len(cands)
		spent := ""
		if p.removals > 0 {
			spent = fmt.Sprintf(", %d of it spent on removals", p.removals)
		}
		switch {
		case !p.opt.GCOnly:
			p.warn("%d unreferenced packages are collectable, more than the deletion budget allows (gc.max_deletes = %d%s); none are collected. Collect them with `axiom-reconcile gc --max-deletes %d`, or raise gc.max_deletes", len(cands), p.budget, spent, len(cands))
		case !p.explaining:
			p.fail("gc would collect %d unreferenced packages, more than the deletion budget of %d (gc.max_deletes); nothing was collected. If that is intended, run again with --max-deletes %d", len(cands), p.budget, len(cands))
		}
		cands = nil
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

// gcRoots returns the packages some lock that stays names, and the locks that stay but cannot be
// read.
func (p *planner) gcRoots() (map[layout.PackageID]string, []string) {
	roots := map[layout.PackageID]string{}
	var unreadable []string
	add := func(lk *pkgmeta.Lock, why string) {
		for _, id := range lockIDs(lk) {
			if _, ok := roots[id]; !ok {
				roots[id] = why
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.locks)) {
		add(p.locks[name], "the lock of profile "+name)
	}
	for _, lk := range p.newLocks {
		add(lk, "a generation being realized")
	}
	for _, name := range slices.Sorted(maps.Keys(p.s.profiles)) {
		ps := p.s.profiles[name]
		_, declared := p.cfg.Profile(name)
		switch {
		case p.opt.GCOnly:
		case p.removed[ps.ds.Name]:
			continue // its lock goes with it
		case declared && ps.managed:
			continue // its lock is the plan's (p.locks)
		}
		if ps.lockErr != nil {
			unreadable = append(unreadable, fmt.Sprintf("the lock of profile %s (%s) cannot be read: %v", name, ps.ds.Name, ps.lockErr))
			continue
		}
		add(ps.lock, "the lock of profile "+name+" on disk")
	}
	gens := p.retained
	if p.opt.GCOnly {
		// Nothing else of the plan runs: every generation on disk stays.
		gens = nil
		for _, name := range slices.Sorted(maps.Keys(p.s.envs)) {
			gens = append(gens, p.s.envs[name].gens...)
		}
	}
	for _, g := range gens {
		if g.lockErr != nil {
			if !g.managed && errors.Is(g.lockErr, fs.ErrNotExist) {
				continue // not one of ours, and it names nothing
			}
			unreadable = append(unreadable, fmt.Sprintf("the lock of generation %s cannot be read: %v", g.ds.Name, g.lockErr))
			continue
		}
		add(g.lock, "generation "+g.ds.Name)
	}
	return roots, unreadable
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
	// A parent of a package this plan imports is not left empty.
	filled := map[string]bool{}
	for id := range p.imports {
		for d := path.Dir(p.l.Package(id)); d != p.l.PkgRoot() && layout.Under(d, p.l.PkgRoot()); d = path.Dir(d) {
			filled[d] = true
		}
	}
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
			if len(tree.Snapshots(d.Name)) > 0 || filled[d.Name] {
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
	p, err := e.runPlanner(ctx, cfg, obs, opt, true)
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
	roots, unreadable := p.gcRoots()
	if len(unreadable) > 0 {
		return fmt.Sprintf("%s (%s) is kept: garbage collection is skipped, %s", dataset, pkg.ID, strings.Join(unreadable, "; ")), nil
	}
	why := p.collectable(pkg, roots, p.plan.CreatedAt)
	if why == "" {
		why = fmt.Sprintf("%d packages are collectable, more than the deletion budget of %d (gc.max_deletes); none are collected until `axiom-reconcile gc --max-deletes %d`", p.overBudget, p.budget, p.overBudget)
	}
	if tags := obs.holds[pkg.Snapshot()]; len(tags) > 0 {
		why += fmt.Sprintf("; holds on %s: %s", pkg.Snapshot(), strings.Join(tags, ", "))
	}
	return fmt.Sprintf("%s (%s) is kept: %s", dataset, pkg.ID, why), nil
}
