package reconcile

import (
	"slices"
	"strconv"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
)

// The rows of TestPlannerGolden, by area.

func plannerCases() []plannerCase {
	return slices.Concat(inTheWayCases(), removalCases(), lockCases(), generationCases(), holdCases(),
		gcCases(), gcBudgetCases(), gcOnlyCases())
}

// Unmanaged datasets where the plan would create or import something fail the plan, naming them.
func inTheWayCases() []plannerCase {
	base := profileHCL("base", "make")
	first := based("profile-base-applied", applied(base))
	return []plannerCase{
		{name: "in-the-way-profile", base: first, hcl: base + profileHCL("dev", "zlib"),
			edit: func(s *stateEdit) { s.create(testRoot + "/profiles/dev") }},
		// It inherits axiom:managed-by from env/, which the reconciler made: only local values count.
		{name: "in-the-way-environment", base: first, hcl: base + envHCL("dev", "base"),
			edit: func(s *stateEdit) { s.create(testRoot + "/env/dev") }},
		{name: "in-the-way-marked-by-someone-else", base: first, hcl: base + envHCL("dev", "base"),
			edit: func(s *stateEdit) { s.create(testRoot+"/env/dev", layout.PropManagedBy, "someone-else") }},
		{name: "in-the-way-temporary-container", base: first, edit: func(s *stateEdit) {
			s.destroy(testRoot + "/tmp")
			s.create(testRoot + "/tmp")
		}},
		// Where zlib would be imported, a dataset that is not a complete managed package.
		{name: "in-the-way-package", base: first, hcl: base + profileHCL("more", "zlib"), edit: func(s *stateEdit) {
			for _, sp := range s.obs.sources {
				if sp.Manifest.Name == "zlib" {
					s.create(string(s.obs.layout.Package(store.ID(sp))))
				}
			}
		}},
		// Every problem is reported at once.
		{name: "every-problem-listed", base: first, hcl: profileHCL("a", "make") + base + envHCL("b", "base"), edit: func(s *stateEdit) {
			s.create(testRoot + "/profiles/a")
			s.create(testRoot + "/env/b")
		}},
	}
}

// Undeclared profiles and environments are removed, within the deletion budget, unless
// prevent_destroy.
func removalCases() []plannerCase {
	profiles := profileHCL("p", "make") + profileHCL("q", "ncurses")
	pd := profileHCL("p", "make")
	all := profileHCL("a", "make") + profileHCL("b", "zlib") + profileHCL("c", "ncurses") + envHCL("a", "a") + envHCL("b", "b")
	gc := gcHCL("1h", 1)
	// Removing env b and profiles b and c is 3 removals.
	kept := profileHCL("a", "make") + envHCL("a", "a") + gc
	three := based("three-to-remove", appliedWith(PlanOptions{MaxDeletes: Budget(10)}, all+gc))
	budget := func(name string, n *int) plannerCase {
		return plannerCase{name: "deletion-budget-" + name, base: three, hcl: kept, opt: PlanOptions{MaxDeletes: n}}
	}
	prevent := based("prevent-destroy", applied(pd+envHCL("e", "p", "prevent_destroy = true")))
	return []plannerCase{
		{name: "remove-undeclared-environment", base: based("two-environments", applied(profiles+envHCL("e", "p")+envHCL("f", "q"))),
			hcl: profiles + envHCL("e", "p")},
		{name: "prevent-destroy-refused", base: prevent, hcl: pd},
		// The documented way out: declare it with prevent_destroy = false, apply, then remove it.
		{name: "prevent-destroy-cleared", base: prevent, hcl: pd + envHCL("e", "p", "prevent_destroy = false")},
		{name: "prevent-destroy-then-removed", base: based("prevent-destroy-cleared", applied(pd+envHCL("e", "p", "prevent_destroy = true")),
			applied(pd+envHCL("e", "p", "prevent_destroy = false"))), hcl: pd},
		// The zero options mean the configuration's budget.
		budget("configuration", nil),
		budget("option-below", Budget(2)),
		budget("option-zero", Budget(0)),
		budget("option-enough", Budget(3)),
		budget("option-more", Budget(100)),
	}
}

// A lock stays until --upgrade or a profile change; one naming a package nowhere to be had is
// resolved again.
func lockCases() []plannerCase {
	p := profileHCL("p", "make ^4.4") + envHCL("e", "p")
	first := based("make-locked", applied(p))
	newer := func(s *stateEdit) { s.addVersion("make-4.4.1", "4.4.2") }
	conflicts := &baseState{name: "conflict-source", src: conflictSource}
	return []plannerCase{
		// A newer package the constraint admits appears: the lock is still valid, so it stays.
		{name: "lock-kept-without-upgrade", base: first, edit: newer},
		{name: "lock-upgraded", base: first, edit: newer, opt: PlanOptions{Upgrade: true}},
		{name: "upgrade-nothing-newer", base: first, opt: PlanOptions{Upgrade: true}},
		{name: "profile-changed-reresolves", base: first, edit: newer, hcl: profileHCL("p", "make ^4.4", "zlib") + envHCL("e", "p")},
		{name: "profile-package-dropped", base: based("make-zlib-locked", applied(profileHCL("p", "make ^4.4", "zlib")+envHCL("e", "p"))), hcl: p},
		// make 4.4.1 leaves the store and the source; a profile without environment has it
		// imported for its lock only.
		{name: "lock-unavailable-reresolves", base: based("lock-only", applied(profileHCL("p", "make ^4.4"))), edit: func(s *stateEdit) {
			newer(s)
			s.destroy(s.pkg("make/4.4.1/1"))
			s.removeSource("make-4.4.1")
		}},
		// An unchanged lock realizes nothing; a changed policy builds a new generation from the
		// same lock, and going back to the old one activates the generation built from it.
		{name: "policy-change-realizes", base: based("policy-error", applied(profileHCL("p", "make", "zlib")+envHCL("e", "p"))),
			hcl: profileHCL("p", "make", "zlib") + envHCL("e", "p", `conflict_policy = "priority"`)},
		{name: "policy-back-activates-old", base: based("policy-priority", applied(profileHCL("p", "make", "zlib")+envHCL("e", "p")),
			applied(profileHCL("p", "make", "zlib")+envHCL("e", "p", `conflict_policy = "priority"`))),
			hcl: profileHCL("p", "make", "zlib") + envHCL("e", "p")},
		{name: "conflict-error", base: conflicts, hcl: profileHCL("p", "a", "b") + envHCL("e", "p", `conflict_policy = "error"`)},
		{name: "conflict-default-is-error", base: conflicts, hcl: profileHCL("p", "b", "a") + envHCL("e", "p")},
	}
}

// keep_generations prunes the oldest generations, after the new one is active, and keeps the
// current one.
func generationCases() []plannerCase {
	set := func(keep int, pkgs ...string) string {
		return profileHCL("p", pkgs...) + envHCL("e", "p", "keep_generations = "+strconv.Itoa(keep))
	}
	three := []func(*world){applied(set(3, "make")), applied(set(3, "make", "zlib")), applied(set(3, "make", "ncurses"))}
	four := append(slices.Clone(three), applied(set(2, "make", "zlib", "ncurses")))
	back := append(slices.Clone(four), applied(set(1, "make", "ncurses")))
	return []plannerCase{
		{name: "keep-generations-prunes-oldest", base: based("three-generations", three...), hcl: set(2, "make", "zlib", "ncurses")},
		// Back on gen-3's profile: gen-3 becomes current and is kept although it is not the
		// newest; the newest (gen-4) is kept as the one generation to keep.
		{name: "keep-generations-activates-kept", base: based("four-generations", four...), hcl: set(1, "make", "ncurses")},
		// A new generation with keep_generations = 1 prunes everything else, current included.
		{name: "keep-generations-prunes-current", base: based("back-on-gen-3", back...), hcl: set(1, "zlib")},
		{name: "clean-temporary-datasets", base: based("one-environment", applied(profileHCL("p", "make")+envHCL("e", "p"))), edit: func(s *stateEdit) {
			ours := testRoot + "/tmp/gen-e-2-deadbeef"
			s.create(ours, layout.PropManagedBy, layout.ManagedBy, layout.PropKind, layout.KindGeneration)
			s.snapshot(ours + "@" + layout.SnapRealized)
			s.create(testRoot + "/tmp/someone-elses")
		}},
	}
}

// Holds that drifted are repaired: ours placed again, leaked ones of generations that do not
// exist released, anyone else's left alone.
func holdCases() []plannerCase {
	first := based("held", applied(profileHCL("p", "make")+envHCL("e", "p")+profileHCL("q", "zlib")))
	drift := func(name string, f func(s *stateEdit, snap string)) plannerCase {
		return plannerCase{name: "hold-drift-" + name, base: first, edit: func(s *stateEdit) { f(s, s.installed("make/4.4.1/1")) }}
	}
	return []plannerCase{
		drift("released-by-someone", func(s *stateEdit, snap string) { s.release(snap, "axiom-env:e:1") }),
		drift("leaked-by-missing-generation", func(s *stateEdit, snap string) { s.hold(snap, "axiom-env:ghost:7") }),
		drift("all-at-once", func(s *stateEdit, snap string) {
			s.release(snap, "axiom-env:e:1")
			s.hold(snap, "axiom-env:e:2")
			s.hold(snap, "backup")
		}),
		drift("foreign-tag", func(s *stateEdit, snap string) { s.hold(snap, "backup") }),
		drift("foreign-tag-like-ours", func(s *stateEdit, snap string) { s.hold(snap, "axiom-env:e:latest") }),
		// zlib is in the store for profile q's lock only.
		drift("foreign-tag-unused-package", func(s *stateEdit, _ string) { s.hold(s.installed("zlib/1.3.1/1"), "backup") }),
	}
}

// gcBase has profile p (environment e, keep_generations = 1) on bash ~5.1, then, 10 minutes
// later, on bash ~5.2: bash 5.1.16 and readline 8.1.2 are then unreferenced; ncurses stays in
// use, and bash and readline keep a newer version.
func gcBase(maxDeletes int) []func(*world) {
	return []func(*world){
		applied(profileHCL("p", "bash ~5.1") + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", maxDeletes)),
		wait(10 * time.Minute),
		applied(profileHCL("p", "bash ~5.2") + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", maxDeletes)),
	}
}

// GC collects what nothing references, holds or clones once its grace period is over, with the
// parents it leaves empty.
func gcCases() []plannerCase {
	const ended = 50 * time.Minute // from 12:10 to 13:00: bash 5.1 was created at 12:00, 1h grace
	whole := based("zlib-dropped",
		applied(profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100)),
		applied(profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100)))
	bash := based("bash-upgraded", gcBase(100)...)
	return []plannerCase{
		{name: "gc-within-grace", base: bash, explain: []string{"bash/5.1.16/1", "bash/5.2.21/1"}},
		// Exactly at the end of the grace period it is collectable; the version and revision
		// containers go with their last package; bash/ and readline/ stay, holding the newer
		// versions.
		{name: "gc-grace-ended", base: bash, after: ended, explain: []string{"bash/5.1.16/1"}},
		// A hold by anyone keeps it, past the grace period too.
		{name: "gc-held", base: bash, after: ended + 30*24*time.Hour, explain: []string{"bash/5.1.16/1"},
			edit: func(s *stateEdit) { s.hold(s.installed("bash/5.1.16/1"), "backup") }},
		// So does a clone of its snapshot.
		{name: "gc-cloned", base: bash, after: ended, explain: []string{"bash/5.1.16/1"},
			edit: func(s *stateEdit) { s.clone(s.installed("bash/5.1.16/1"), testRoot+"/scratch") }},
		// Anywhere in the pool: observation reads each snapshot's clones.
		{name: "gc-clone-outside-store", base: bash, after: 2 * time.Hour, explain: []string{"bash/5.1.16/1"},
			edit: func(s *stateEdit) { s.clone(s.installed("bash/5.1.16/1"), "tank/scratch") }},
		{name: "gc-whole-name", base: whole, after: 2 * time.Hour},
		// A parent container nothing is left in (a package destroyed by hand) is removed on its own.
		{name: "gc-empty-parents", base: based("profile-q-removed",
			applied(profileHCL("p", "make")+profileHCL("q", "zlib")+gcHCL("1h", 100)),
			applied(profileHCL("p", "make")+gcHCL("1h", 100))), // removes q; zlib is in its grace period
			edit: func(s *stateEdit) { s.destroy(s.pkg("zlib/1.3.1/1")) }},
		{name: "explain-non-packages", base: based("profile-p-applied", applied(profileHCL("p", "make"))),
			explain: []string{testRoot + "/store/pkg/make", testRoot + "/store/pkg/nothing"}},
	}
}

// More collectable packages than the deletion budget: plan collects none and warns, naming the
// count, the budget and the fix; `gc` fails, unless --max-deletes allows them. Removals spend
// the budget first.
func gcBudgetCases() []plannerCase {
	keep1 := func(pkgs ...string) string {
		return profileHCL("p", pkgs...) + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", 1)
	}
	over := based("two-collectable",
		applied(keep1("make", "zlib")), // zlib created at 12:00
		wait(10*time.Minute),
		applied(keep1("make", "ncurses")), // ncurses created at 12:10
		applied(keep1("make")),
		wait(3*time.Hour))
	removals := based("budget-one", applied(profileHCL("p", "make")+profileHCL("q", "zlib")+gcHCL("1h", 1)), wait(2*time.Hour))
	after := profileHCL("p", "make") + gcHCL("1h", 1)
	return []plannerCase{
		{name: "gc-budget-warns", base: over, explain: []string{"ncurses/6.4.0/1"}},
		{name: "gc-budget-option", base: over, opt: PlanOptions{MaxDeletes: Budget(2)}},
		{name: "gc-budget-gc-only-over", base: over, opt: PlanOptions{GCOnly: true}, explain: []string{"zlib/1.3.1/1"}},
		{name: "gc-budget-gc-only-option", base: over, opt: PlanOptions{GCOnly: true, MaxDeletes: Budget(2)}},
		{name: "gc-budget-after-removals", base: removals, hcl: after},
		{name: "gc-budget-after-removals-option", base: removals, hcl: after, opt: PlanOptions{MaxDeletes: Budget(2)}},
	}
}

// `gc` plans no removals and runs nothing else: the locks on disk and every generation are
// roots, and removals neither cost it budget nor fail it.
func gcOnlyCases() []plannerCase {
	gcOnly := PlanOptions{GCOnly: true}
	others := profileHCL("q", "ncurses") + profileHCL("r", "ncurses")
	ignores := based("zlib-unreferenced",
		applied(profileHCL("p", "make", "zlib")+others+gcHCL("1h", 1)),
		applied(profileHCL("p", "make")+others+gcHCL("1h", 1)), // zlib is unreferenced now, within the grace period
		wait(2*time.Hour))
	main := profileHCL("p", "make") + envHCL("e", "p") + gcHCL("1h", 100)
	locks := based("profile-tools", applied(main+profileHCL("tools", "zlib")))
	gens := based("two-generations",
		applied(profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 2")+gcHCL("1h", 100)),
		applied(profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 2")+gcHCL("1h", 100)))
	gens1 := profileHCL("p", "make") + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", 100)
	return []plannerCase{
		// q and r: 2 removals, budget 1.
		{name: "gc-only-ignores-removals", base: ignores, hcl: profileHCL("p", "make") + gcHCL("1h", 1), opt: gcOnly},
		{name: "gc-only-ignores-removals-full-plan", base: ignores, hcl: profileHCL("p", "make") + gcHCL("1h", 1)},
		// Profile tools is no longer declared, not removed yet: a full plan removes it, and with it
		// the last reference to zlib; `gc` keeps its lock on disk as a root.
		{name: "gc-only-locks-on-disk", base: locks, hcl: main, after: 2 * time.Hour, opt: gcOnly, explain: []string{"zlib/1.3.1/1"}},
		{name: "gc-only-locks-on-disk-full-plan", base: locks, hcl: main, after: 2 * time.Hour},
		// GC-only plans have no other kinds of steps, whatever else drifted.
		{name: "gc-only-locks-on-disk-drift", base: locks, hcl: main + profileHCL("new", "ncurses"), after: 2 * time.Hour, opt: gcOnly,
			edit: func(s *stateEdit) { s.create(testRoot+"/tmp/pkg-x-1", layout.PropManagedBy, layout.ManagedBy) }},
		// The configuration now keeps one generation; gen-1 (with zlib) is still on disk.
		{name: "gc-only-keeps-generations", base: gens, hcl: gens1, after: 2 * time.Hour, opt: gcOnly, explain: []string{"zlib/1.3.1/1"}},
		// The full plan prunes gen-1 and collects zlib in the same pass (the prune releases its hold).
		{name: "gc-only-keeps-generations-full-plan", base: gens, hcl: gens1, after: 2 * time.Hour},
	}
}
