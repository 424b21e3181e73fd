package reconcile

import (
	"fmt"
	"maps"
	"slices"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
)

// removalsDiff is what removing the profiles and environments no longer declared wants.
type removalsDiff struct {
	findings
	steps []Step
	// retained are the generations of environments that cannot be removed: they stay.
	retained []*genState
	// released counts, per package snapshot, the holds the removals release.
	released map[layout.Snapshot]int
	// removed are the datasets of the profiles and environments the plan removes.
	removed map[layout.Dataset]bool
}

// diffRemovals plans removing every managed profile and environment the configuration no longer
// declares, within the deletion budget.
func diffRemovals(in *diffInput) removalsDiff {
	d := removalsDiff{released: map[layout.Snapshot]int{}, removed: map[layout.Dataset]bool{}}
	for _, name := range slices.Sorted(maps.Keys(in.s.envs)) {
		if _, declared := in.cfg.Environment(name); !declared && in.s.envs[name].managed {
			d.removeEnv(in, in.s.envs[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.s.profiles)) {
		ps := in.s.profiles[name]
		if _, declared := in.cfg.Profile(name); declared || !ps.managed {
			continue
		}
		ds := layout.Dataset(ps.ds.Name)
		if what := notOurs(in.s.obs.tree, ds, nil); len(what) > 0 {
			d.cannotDestroy(fmt.Sprintf("profile %q is no longer declared, but %s cannot be removed", name, ds), "move that away or destroy it yourself, or declare the profile again", what)
			continue
		}
		d.removed[ds] = true
		tag := layout.ProfileHoldTag(name)
		_, release := profileHolds(in, tag, nil)
		for _, snap := range release {
			d.released[snap]++
		}
		st := &RemoveProfileStep{Dataset: ds}
		if len(release) > 0 {
			st.Release = map[layout.Tag][]layout.Snapshot{tag: release}
		}
		d.steps = append(d.steps, Step{Action: Remove, Group: "Profile " + name, Target: ps.ds.Name,
			Summary: "remove " + ps.ds.Name, Reason: "no longer declared", Op: st})
	}
	if n := len(d.removed); n > in.budget {
		d.fail("the plan would remove %d profiles and environments that are no longer declared, more than the deletion budget of %d (gc.max_deletes); if that is intended, run again with --max-deletes %d", n, in.budget, n)
	}
	return d
}

// removeEnv plans removing an undeclared environment, then releasing its generations' holds.
func (d *removalsDiff) removeEnv(in *diffInput, es *envState) {
	keep := func() {
		for _, g := range es.gens {
			if g.managed && g.complete {
				d.retained = append(d.retained, g)
			}
		}
	}
	if es.preventDestroy {
		d.fail("environment %q is no longer declared, but it was declared with prevent_destroy = true; declare it again with prevent_destroy = false and apply before removing it", es.name)
		keep()
		return
	}
	ds := layout.Dataset(es.ds.Name)
	if what := notOurs(in.s.obs.tree, ds, nil); len(what) > 0 {
		d.cannotDestroy(fmt.Sprintf("environment %q is no longer declared, but %s cannot be removed", es.name, es.ds.Name), "move that away or destroy it yourself, or declare the environment again", what)
		keep()
		return
	}
	st := &RemoveEnvStep{Dataset: ds, Release: map[layout.Tag][]layout.Snapshot{}}
	for _, g := range es.gens {
		tag := layout.HoldTag(es.name, g.k)
		for _, snap := range heldSnapshots(in, g) {
			st.Release[tag] = append(st.Release[tag], snap)
			d.released[snap]++
		}
	}
	d.removed[ds] = true
	d.steps = append(d.steps, Step{Action: Remove, Group: "Environment " + es.name, Target: es.ds.Name,
		Summary: fmt.Sprintf("remove %s (%s)", es.ds.Name, english.Count(len(es.gens), "generation")), Reason: "no longer declared", Op: st})
}
