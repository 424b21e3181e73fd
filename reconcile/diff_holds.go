package reconcile

import (
	"maps"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// holdsDiff is the repair of holds that drifted.
type holdsDiff struct {
	findings
	steps []Step
	// released counts, per package snapshot, the leaked holds the plan releases.
	released map[layout.Snapshot]int
}

// diffHolds compares the holds every generation that stays (retained) should have on its
// packages with the hold tags observe read, on the packages whose hold count differs and on
// those a new generation will hold (realizing: a tag an interrupted pass left there would make
// its hold fail), to place what is missing and release what an interrupted pass leaked (tags of
// generations that do not exist). Tags that are not axiom-env:<env>:<K> belong to someone else
// and are never touched. A generation whose lock is unreadable has its own tag left alone
// wherever it is (it exists, so its tag is live); it blocks nothing else. A generation that
// stays and names a package that is gone is an error; one the plan prunes or removes is not
// checked.
//
// Profiles hold the packages their locks name too (diffProfiles keeps those tags); here they
// count only in how many holds a snapshot should have, and a profile tag is released only when
// its profile is neither declared nor in the store.
func diffHolds(in *diffInput, retained []*genState, realizing map[layout.Tag][]layout.Snapshot, locks map[string]*pkgmeta.Lock) holdsDiff {
	d := holdsDiff{released: map[layout.Snapshot]int{}}
	expected := map[layout.Snapshot]map[layout.Tag]bool{} // snapshot -> tags
	live := map[layout.Tag]bool{}                         // tags of existing generations
	for _, es := range in.s.envs {
		for _, g := range es.gens {
			live[layout.HoldTag(es.name, g.k)] = true
		}
	}
	for _, g := range retained {
		if g.lock == nil {
			continue
		}
		tag := layout.HoldTag(g.env, g.k)
		for _, id := range lockIDs(g.lock) {
			snap := in.l.Installed(id)
			if expected[snap] == nil {
				expected[snap] = map[layout.Tag]bool{}
			}
			expected[snap][tag] = true
		}
	}
	for _, snap := range slices.Sorted(maps.Keys(expected)) {
		if _, ok := in.s.obs.tree.Get(string(snap)); !ok {
			users := layout.Strings(slices.Sorted(maps.Keys(expected[snap])))
			id, _ := in.l.PackageAt(snap.Dataset())
			d.fail("a generation that stays uses package %s, but %s does not exist (holds expected: %s)", id, snap, strings.Join(users, ", "))
		}
	}
	st := &HoldsStep{Hold: map[layout.Tag][]layout.Snapshot{}, Release: map[layout.Tag][]layout.Snapshot{}}
	profileHolds := map[layout.Snapshot]int{} // snapshot -> how many profile locks name it
	for _, lk := range locks {
		for _, id := range lockIDs(lk) {
			profileHolds[in.l.Installed(id)]++
		}
	}
	for _, snap := range holdsToCheck(in, expected, profileHolds, realizing) {
		have := map[layout.Tag]bool{}
		for _, tag := range in.s.obs.holds[snap] {
			have[tag] = true
			if _, _, ours := layout.ParseHoldTag(tag); ours && !expected[snap][tag] && !live[tag] {
				st.Release[tag] = append(st.Release[tag], snap)
			}
			if p, ours := layout.ParseProfileHoldTag(tag); ours && !profileExists(in, p) {
				st.Release[tag] = append(st.Release[tag], snap)
			}
		}
		for tag := range expected[snap] {
			if !have[tag] {
				st.Hold[tag] = append(st.Hold[tag], snap)
			}
		}
	}
	d.step(in, st)
	return d
}

// profileExists reports whether profile p is declared or has a dataset: its hold tags are then
// the profile's own business (diffProfiles, or its removal), never stray.
func profileExists(in *diffInput, p string) bool {
	_, declared := in.cfg.Profile(p)
	return declared || in.s.profiles[p] != nil
}

// holdsToCheck lists, sorted, the package snapshots whose tags the plan compares: those whose
// hold count differs from what the generations that stay expect, and those a new generation will
// hold that carry holds already.
func holdsToCheck(in *diffInput, expected map[layout.Snapshot]map[layout.Tag]bool, profileHolds map[layout.Snapshot]int, realizing map[layout.Tag][]layout.Snapshot) []layout.Snapshot {
	checking := map[layout.Snapshot]bool{}
	for _, pkg := range in.s.index.All() {
		if s := pkg.Installed; s != nil && int(s.UserRefs) != len(expected[pkg.Snapshot()])+profileHolds[pkg.Snapshot()] {
			checking[pkg.Snapshot()] = true
		}
	}
	for _, snaps := range realizing {
		for _, snap := range snaps {
			if d, ok := in.s.obs.tree.Get(string(snap)); ok && d.UserRefs > 0 {
				checking[snap] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(checking))
}

// step adds the holds step st, if it does anything.
func (d *holdsDiff) step(in *diffInput, st *HoldsStep) {
	if len(st.Hold) == 0 && len(st.Release) == 0 {
		return
	}
	var parts []string
	if n := countTags(st.Hold); n > 0 {
		parts = append(parts, "place "+english.Count(n, "hold")+" a generation is missing")
	}
	if n := countTags(st.Release); n > 0 {
		parts = append(parts, "release "+english.Count(n, "hold")+" of generations or profiles that do not exist")
		for _, snaps := range st.Release {
			for _, s := range snaps {
				d.released[s]++
			}
		}
	}
	d.steps = append(d.steps, Step{Action: Change, Group: storeGroup(in.l), Target: string(in.l.PkgRoot()),
		Summary: strings.Join(parts, "; "), Reason: "holds drifted (an interrupted pass, or someone ran zfs hold/release)", Op: st})
}
