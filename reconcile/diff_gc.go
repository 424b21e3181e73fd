package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
)

// gcInputs are what the rest of the plan decided that GC depends on, as values.
type gcInputs struct {
	// locks are the declared profiles' locks after the plan; newLocks those of the generations it
	// realizes; retained the existing generations that stay.
	locks    map[string]*pkgmeta.Lock
	newLocks []*pkgmeta.Lock
	retained []*genState
	// released counts, per package snapshot, the holds the plan releases before GC runs.
	released map[layout.Snapshot]int
	// removed are the datasets of the profiles and environments the plan removes.
	removed map[layout.Dataset]bool
	// imported are the packages the plan imports (their parents are not left empty).
	imported map[layout.PackageID]bool
}

// gcDiff is what garbage collection wants.
type gcDiff struct {
	findings
	steps []Step
	// roots name the packages some lock that stays names (package -> which lock); unreadable
	// lists the locks that stay and cannot be read (then GC collects nothing).
	roots      map[layout.PackageID]string
	unreadable []string
	// overBudget is the number of collectable packages when they exceed the budget.
	overBudget int
}

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
// plan after a successful apply is empty); `gc` then fails, unless --max-deletes allows them
// (`gc --explain` reports instead: explaining).
func diffGC(in *diffInput, gi gcInputs, explaining bool) gcDiff {
	var d gcDiff
	d.roots, d.unreadable = gcRoots(in, gi)
	if len(d.unreadable) > 0 {
		d.warn("garbage collection is skipped: %s; fix or remove it, and GC runs again", strings.Join(d.unreadable, "; "))
		return d
	}
	var cands []*store.Package
	for _, pkg := range in.s.index.All() {
		if collectable(in, gi, pkg, d.roots) == "" {
			cands = append(cands, pkg)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].Creation.Equal(cands[j].Creation) {
			return cands[i].Creation.Before(cands[j].Creation)
		}
		return cands[i].ID.Less(cands[j].ID)
	})
	removals := len(gi.removed)
	if left := max(in.budget-removals, 0); len(cands) > left {
		d.overBudget = len(cands)
		spent := ""
		if removals > 0 {
			spent = fmt.Sprintf(", %d of it spent on removals", removals)
		}
		switch {
		case !in.opt.GCOnly:
			d.warn("%d unreferenced packages are collectable, more than the deletion budget allows (gc.max_deletes = %d%s); none are collected. Collect them with `axiom-reconcile gc --max-deletes %d`, or raise gc.max_deletes", len(cands), in.budget, spent, len(cands))
		case !explaining:
			d.fail("gc would collect %d unreferenced packages, more than the deletion budget of %d (gc.max_deletes); nothing was collected. If that is intended, run again with --max-deletes %d", len(cands), in.budget, len(cands))
		}
		cands = nil
	}
	d.step(in, gi, cands)
	return d
}

// step adds the GC step collecting cands and the parents they leave empty, if any.
func (d *gcDiff) step(in *diffInput, gi gcInputs, cands []*store.Package) {
	gone := map[layout.Dataset]bool{}
	var leaves []layout.Dataset
	var names []string
	for _, c := range cands {
		gone[c.Dataset] = true
		leaves = append(leaves, c.Dataset)
		names = append(names, c.ID.String())
	}
	parents := emptyParents(in, gi.imported, gone)
	if len(leaves) == 0 && len(parents) == 0 {
		return
	}
	var summary string
	switch {
	case len(leaves) == 0:
		summary = fmt.Sprintf("remove %s left empty", english.Count(len(parents), "parent dataset"))
	default:
		summary = fmt.Sprintf("collect %s: %s", english.Count(len(leaves), "package"), strings.Join(names, ", "))
		if len(parents) > 0 {
			summary += fmt.Sprintf(" (and %s left empty)", english.Count(len(parents), "parent dataset"))
		}
	}
	d.steps = append(d.steps, Step{Action: Remove, Group: "Garbage collection", Target: string(in.l.PkgRoot()),
		Summary: summary, Reason: fmt.Sprintf("unreferenced, older than grace_period %s", in.cfg.GC.GracePeriod), Source: posOf(in.cfg.GC.DeclRange),
		Op: &GCStep{Packages: leaves, Parents: parents}})
}

// gcRoots returns the packages some lock that stays names, and the locks that stay but cannot be
// read.
func gcRoots(in *diffInput, gi gcInputs) (map[layout.PackageID]string, []string) {
	roots := map[layout.PackageID]string{}
	var unreadable []string
	add := func(lk *pkgmeta.Lock, why string) {
		for _, id := range lockIDs(lk) {
			if _, ok := roots[id]; !ok {
				roots[id] = why
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(gi.locks)) {
		add(gi.locks[name], "the lock of profile "+name)
	}
	for _, lk := range gi.newLocks {
		add(lk, "a generation being realized")
	}
	for _, name := range slices.Sorted(maps.Keys(in.s.profiles)) {
		ps := in.s.profiles[name]
		_, declared := in.cfg.Profile(name)
		switch {
		case in.opt.GCOnly:
		case gi.removed[layout.Dataset(ps.ds.Name)]:
			continue // its lock goes with it
		case declared && ps.managed:
			continue // its lock is the plan's (gi.locks)
		}
		if ps.lockErr != nil {
			unreadable = append(unreadable, fmt.Sprintf("the lock of profile %s (%s) cannot be read: %v", name, ps.ds.Name, ps.lockErr))
			continue
		}
		add(ps.lock, "the lock of profile "+name+" on disk")
	}
	for _, g := range gcGenerations(in, gi) {
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

// gcGenerations are the generations whose locks are roots: those that stay, or for `gc`, which
// runs nothing else, every generation on disk.
func gcGenerations(in *diffInput, gi gcInputs) []*genState {
	if !in.opt.GCOnly {
		return gi.retained
	}
	var gens []*genState
	for _, name := range slices.Sorted(maps.Keys(in.s.envs)) {
		gens = append(gens, in.s.envs[name].gens...)
	}
	return gens
}

// collectable returns "" if pkg can be collected now, else why not.
func collectable(in *diffInput, gi gcInputs, pkg *store.Package, roots map[layout.PackageID]string) string {
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
	released := gi.released[snap]
	if in.opt.GCOnly {
		released = 0
	}
	if held := int(pkg.Installed.UserRefs) - released; held > 0 {
		return fmt.Sprintf("%s has %s", snap, english.Count(held, "user hold"))
	}
	if clones := pkg.Installed.Clones; len(clones) > 0 {
		return fmt.Sprintf("%s is the origin of %s", snap, clones[0])
	}
	for _, d := range in.s.obs.tree.Children(string(pkg.Dataset)) {
		return "it has a child dataset " + d.Name
	}
	if until := pkg.Creation.Add(in.cfg.GC.GracePeriod); in.now.Before(until) {
		return fmt.Sprintf("it is within the grace period until %s (created %s)", until.UTC().Format(time.RFC3339), pkg.Creation.UTC().Format(time.RFC3339))
	}
	return ""
}

// emptyParents lists the managed name/X.Y.Z/rev containers that have no children once the
// datasets in gone are destroyed, deepest first.
func emptyParents(in *diffInput, imported map[layout.PackageID]bool, gone map[layout.Dataset]bool) []layout.Dataset {
	tree, l := in.s.obs.tree, in.l
	// A parent of a package this plan imports is not left empty.
	filled := map[layout.Dataset]bool{}
	for id := range imported {
		for d := l.Package(id).Parent(); d != l.PkgRoot() && layout.Under(d, l.PkgRoot()); d = d.Parent() {
			filled[d] = true
		}
	}
	var out []layout.Dataset
	// Walk depth 3 (rev), 2 (version), 1 (name) below store/pkg.
	for depth := 3; depth >= 1; depth-- {
		for i := range tree.Datasets {
			d := &tree.Datasets[i]
			rel, ok := strings.CutPrefix(d.Name, string(l.PkgRoot())+"/")
			if !ok || !filesystem(d) || strings.Count(rel, "/") != depth-1 || !managed(d) {
				continue
			}
			if kind, _ := d.Local(layout.PropKind); kind != layout.KindContainer {
				continue
			}
			name := layout.Dataset(d.Name)
			if len(tree.Snapshots(d.Name)) > 0 || filled[name] {
				continue
			}
			empty := true
			for _, c := range tree.Children(d.Name) {
				if !gone[layout.Dataset(c.Name)] {
					empty = false
					break
				}
			}
			if empty {
				gone[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}
