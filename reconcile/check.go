package reconcile

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The check stage, after diff: each generation the plan realizes is merged now, from its
// packages' files, so that a conflict fails the plan (listing every conflicting path) rather
// than the apply. It reads the file trees of those packages only, which observe does not: a pass
// that builds nothing reads none of them.

// realizeCheck is what checking the plan's realizes found: problems, notes, and the packages
// they need mounted.
type realizeCheck struct {
	findings
	mounts []Step
}

// plannedRealize is a generation the diff realizes: environment, number, packages in priority
// order.
type plannedRealize struct {
	env   *spec.Environment
	k     int
	order []layout.PackageID
}

// checkRealizes merges the packages of every generation the plan realizes.
func checkRealizes(in *diffInput, realizes []plannedRealize) realizeCheck {
	var c realizeCheck
	for _, r := range realizes {
		se := r.env
		deferred, mounts, err := checkMerge(in, se, r.order)
		c.mounts = append(c.mounts, mounts...)
		if err != nil {
			c.fail("environment %q (%s): %w", se.Name, posOf(se.DeclRange), err)
			continue
		}
		if len(deferred) > 0 {
			c.note("environment %s: %s not mounted, so file conflicts are checked when %s is realized rather than now", se.Name, strings.Join(deferred, ", "), layout.GenerationName(r.k))
		}
	}
	return c
}

// checkMerge merges an environment's packages. Packages not imported yet are read from their
// sources' listings. A store package that is not mounted gets a mount step; it is read from its
// source's listing if a source has it, and otherwise the check waits for the apply (deferred
// names those packages).
func checkMerge(in *diffInput, se *spec.Environment, order []layout.PackageID) (deferred []string, mounts []Step, err error) {
	inputs := make([]merge.Input, 0, len(order))
	sp, _ := in.cfg.Profile(se.Profile)
	allowed := allowedSetID(sp)
	for _, id := range order {
		mi := merge.Input{Name: id.Name, Label: id.String(), AllowSetID: slices.Contains(allowed, id.Name)}
		pkg, inStore := in.s.index.Get(id)
		inStore = inStore && pkg.Managed && pkg.Complete
		sp, inSource := in.sources[id]
		switch {
		case inStore && pkg.Installed != nil && unmounted(in.s, pkg):
			mounts = append(mounts, mountStep(in.l, pkg, se.Name))
			if !inSource {
				deferred = append(deferred, fmt.Sprintf("%s (%s)", pkg.Dataset, id))
				continue
			}
			mi.Entries = sourceEntries(sp.Files)
		case inStore:
			entries, err := storeEntries(filepath.Join(pkg.Path, "root"))
			if err != nil {
				return nil, mounts, fmt.Errorf("reading %s (%s): %w", id, pkg.Dataset, err)
			}
			mi.Entries = entries
		case inSource:
			mi.Entries = sourceEntries(sp.Files)
		default:
			return nil, mounts, fmt.Errorf("%s is neither in the store nor in a source", id)
		}
		inputs = append(inputs, mi)
	}
	if err := checkReserved(inputs); err != nil {
		return nil, mounts, err
	}
	if len(deferred) > 0 {
		return deferred, mounts, nil
	}
	_, err = merge.Merge(inputs, merge.Policy(se.ConflictPolicy))
	return nil, mounts, err
}

func unmounted(s *state, pkg *store.Package) bool {
	d, ok := s.obs.tree.Get(string(pkg.Dataset))
	return ok && d.Unmounted
}

// mountStep plans mounting a package that is not mounted (an interrupted GC unmounts its
// candidates; so can someone by hand): for a realize of environment env, or, with env "", for
// dependency resolution.
func mountStep(l layout.Layout, pkg *store.Package, env string) Step {
	reason := "not mounted, and environment " + env + " is realized from its files"
	if env == "" {
		reason = "not mounted, so dependency resolution cannot read it"
	}
	return Step{Action: Change, Group: storeGroup(l), Target: string(pkg.Dataset),
		Summary: "mount " + string(pkg.Dataset) + ", package " + pkg.ID.String(), Reason: reason, Op: &MountStep{Dataset: pkg.Dataset}}
}
