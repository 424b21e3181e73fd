package reconcile

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// The planner's rules as a table over observed states and golden plans. Each case starts from a
// state the apply made on the in-memory model (base: configurations applied in turn; what an
// apply really leaves, so no case hand-builds a lock or a digest), changes that State value by
// hand (edit: a dataset created or destroyed, a hold placed, a package appearing in a source:
// no model call), and feeds it to the pure stages (e.plan, e.explain) with the configuration
// hcl. Cases on the same base share its model, which they only read. The plan, its steps' payloads and the explanations asked for are compared with
// testdata/planner/<name>.golden; `go test -run TestPlannerGolden -update` rewrites them.
// What needs an apply to show stays on the model, in planner_model_test.go.
//
// Where each test of the former planner_test.go went (old test -> new cases):
//
//	TestPlanRefusesUnmanagedDatasetInTheWay -> in-the-way-{profile,environment,marked-by-someone-else,temporary-container,package}; TestFailedPlanAppliesNothing
//	TestPlanErrorListsEveryProblem          -> every-problem-listed
//	TestPlanRemovesUndeclaredEnvironment    -> remove-undeclared-environment; TestRemoveUndeclaredEnvironmentOnModel
//	TestPlanRefusesToRemovePreventDestroy   -> prevent-destroy-{refused,cleared,then-removed}
//	TestPlanDeletionBudget                  -> deletion-budget-{configuration,option-below,option-zero,option-enough,option-more}
//	TestPlanKeepsLockUntilUpgradeOrProfileChange -> lock-kept-{without-upgrade}, lock-upgraded, upgrade-nothing-newer
//	TestPlanReresolvesChangedProfile        -> profile-changed-reresolves, profile-package-dropped
//	TestPlanReresolvesUnavailableLock       -> lock-unavailable-reresolves
//	TestPlanRealizeDigestIncludesConflictPolicy -> policy-change-realizes, policy-back-activates-old
//	TestPlanKeepGenerations                 -> keep-generations-{prunes-oldest,activates-kept,prunes-current}
//	TestPlanRepairsHoldDrift                -> hold-drift-*; TestHoldDriftRepairedOnModel
//	TestPlanCleansTemporaryDatasets         -> clean-temporary-datasets; TestCleanTemporaryDatasetsOnModel
//	TestGCGracePeriodHoldsAndParents        -> gc-{within-grace,grace-ended,held,cloned}; TestGCOnModel
//	TestGCNeverDestroysClonedPackage        -> gc-clone-outside-store; TestGCClonedPackageOnModel
//	TestGCWholeNameGoes                     -> gc-whole-name
//	TestGCRemovesEmptyParents               -> gc-empty-parents
//	TestGCDeletionBudget                    -> gc-budget-{warns,option,gc-only-over,gc-only-option}
//	TestGCBudgetAfterRemovals               -> gc-budget-after-removals{,-option}
//	TestGCOnlyIgnoresRemovals               -> gc-only-ignores-removals{,-full-plan}
//	TestGCOnlyKeepsLocksOnDisk              -> gc-only-locks-on-disk{,-full-plan,-drift}
//	TestGCOnlyKeepsGenerations              -> gc-only-keeps-generations{,-full-plan}
//	TestExplainNonPackages                  -> explain-non-packages
//	TestConflictPolicies (errors)           -> conflict-{error,default-is-error}; the rest in TestConflictPolicies
//	TestRollbackOnModel, TestRollbackErrors, TestSavedPlan*, TestStatusOnModel,
//	TestApplyLogsEveryStep, TestConflictPolicies -> unchanged, in planner_model_test.go

// plannerCase is one row of TestPlannerGolden.
type plannerCase struct {
	name string
	// base is the state the case starts from.
	base *baseState
	// hcl is the main.hcl the plan is for; "" keeps the last one applied.
	hcl string
	// after moves the clock on after base.
	after time.Duration
	// edit changes the observed State.
	edit func(s *stateEdit)
	opt  PlanOptions
	// explain are packages (name/X.Y.Z/rev, or a dataset below the store's root) to explain.
	explain []string
}

// baseState is a state the model reaches: configurations applied in turn, the clock moved. The
// cases on one base share one model (they only read it), so each base is made once.
type baseState struct {
	name string
	// src, if set, makes the source directory (else a copy of some sample packages).
	src   func(t *testing.T) string
	steps []func(w *world)
}

// based names a base state.
func based(name string, steps ...func(*world)) *baseState {
	return &baseState{name: name, steps: steps}
}

// applied applies main.hcl = hcl.
func applied(hcl string) func(*world) { return appliedWith(defaults, hcl) }

func appliedWith(opt PlanOptions, hcl string) func(*world) {
	return func(w *world) {
		w.write("main.hcl", hcl)
		w.apply(opt)
	}
}

// wait moves the clock on.
func wait(d time.Duration) func(*world) { return func(w *world) { w.clk.t = w.clk.t.Add(d) } }

// stateEdit changes an observation as ZFS commands or a new source package would have, without
// running any.
type stateEdit struct {
	t   *testing.T
	w   *world
	obs *observation
}

// pkg is the dataset of the one store package name/X.Y.Z/rev.
func (s *stateEdit) pkg(nameVersionRev string) string {
	s.t.Helper()
	var found []string
	for _, d := range s.obs.tree.Datasets {
		if id, ok := s.obs.layout.PackageAt(layout.Dataset(d.Name)); ok && d.Type == zfs.Filesystem && strings.HasPrefix(id.Path(), nameVersionRev+"/") {
			found = append(found, d.Name)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("want one package dataset of %s, found %v", nameVersionRev, found)
	}
	return found[0]
}

func (s *stateEdit) installed(nameVersionRev string) string {
	return string(layout.Dataset(s.pkg(nameVersionRev)).Snapshot(layout.SnapInstalled))
}

func (s *stateEdit) set(ds []zfs.Dataset) { s.obs.tree = zfs.NewTree(ds) }

func (s *stateEdit) get(name string) *zfs.Dataset {
	s.t.Helper()
	d, ok := s.obs.tree.Get(name)
	if !ok {
		s.t.Fatalf("no dataset %s", name)
	}
	return d
}

// create adds a filesystem (and its missing parents) as `zfs create -p` does: mounted below its
// parent, inheriting its parent's user properties, with props (name, value, ...) set locally.
func (s *stateEdit) create(name string, props ...string) {
	s.t.Helper()
	parent := filepath.Dir(name)
	if _, ok := s.obs.tree.Get(parent); !ok {
		s.create(parent)
	}
	p := s.get(parent)
	d := zfs.Dataset{Name: name, Type: zfs.Filesystem, Creation: s.w.clk.t, Mountpoint: p.Mountpoint + "/" + filepath.Base(name),
		GUID: uint64(len(s.obs.tree.Datasets) + 1000), Props: map[string]zfs.Prop{}}
	for k, v := range p.Props {
		if strings.Contains(k, ":") {
			from := v.From
			if v.Source == zfs.SourceLocal {
				from = parent
			}
			d.Props[k] = zfs.Prop{Value: v.Value, Source: zfs.SourceInherited, From: from}
		}
	}
	for i := 0; i+1 < len(props); i += 2 {
		d.Props[props[i]] = zfs.Prop{Value: props[i+1], Source: zfs.SourceLocal}
	}
	s.set(append(slices.Clone(s.obs.tree.Datasets), d))
}

func (s *stateEdit) snapshot(name string) {
	s.set(append(slices.Clone(s.obs.tree.Datasets), zfs.Dataset{Name: name, Type: zfs.Snapshot, Creation: s.w.clk.t}))
}

// destroy removes a dataset with everything below it and its snapshots.
func (s *stateEdit) destroy(name string) {
	s.t.Helper()
	s.get(name)
	s.set(slices.DeleteFunc(slices.Clone(s.obs.tree.Datasets), func(d zfs.Dataset) bool {
		return layout.Under(layout.Snapshot(d.Name).Dataset(), layout.Dataset(name))
	}))
	for snap := range s.obs.holds {
		if layout.Under(snap.Dataset(), layout.Dataset(name)) {
			delete(s.obs.holds, snap)
		}
	}
}

func (s *stateEdit) hold(snap string, tag layout.Tag) {
	s.get(snap).UserRefs++
	s.obs.holds[layout.Snapshot(snap)] = append(s.obs.holds[layout.Snapshot(snap)], tag)
}

func (s *stateEdit) release(snap string, tag layout.Tag) {
	s.t.Helper()
	tags := s.obs.holds[layout.Snapshot(snap)]
	i := slices.Index(tags, tag)
	if i < 0 {
		s.t.Fatalf("%s has no hold %s", snap, tag)
	}
	s.get(snap).UserRefs--
	if s.obs.holds[layout.Snapshot(snap)] = slices.Delete(slices.Clone(tags), i, i+1); len(s.obs.holds[layout.Snapshot(snap)]) == 0 {
		delete(s.obs.holds, layout.Snapshot(snap))
	}
}

// clone clones snap as name; the clone is in the observation only if it is in the store's tree.
func (s *stateEdit) clone(snap, name string) {
	d := s.get(snap)
	d.Clones = append(d.Clones, name)
	if layout.Under(layout.Dataset(name), s.obs.layout.Root) {
		s.create(name)
		s.get(name).Origin = snap
	}
}

// addVersion adds to the sources a copy of package nameVersion (name-X.Y.Z) under a new version,
// as a new release in the source directory would be read.
func (s *stateEdit) addVersion(nameVersion, newVersion string) {
	s.t.Helper()
	name, old, _ := strings.Cut(nameVersion, "-")
	i := slices.IndexFunc(s.obs.sources, func(p *source.Package) bool {
		return p.Manifest.Name == name && p.Manifest.Version.String() == old
	})
	if i < 0 {
		s.t.Fatalf("no source package %s", nameVersion)
	}
	v, err := version.Parse(newVersion)
	must(s.t, err)
	p := *s.obs.sources[i]
	p.Manifest.Version = v
	p.Origin = filepath.Join(filepath.Dir(p.Origin), name+"-"+newVersion)
	p.BuildID = source.BuildID(p.Manifest, p.Deps, p.Files)
	s.obs.sources = append(slices.Clone(s.obs.sources), &p)
}

// removeSource takes package nameVersion (name-X.Y.Z) out of the sources.
func (s *stateEdit) removeSource(nameVersion string) {
	name, old, _ := strings.Cut(nameVersion, "-")
	s.obs.sources = slices.DeleteFunc(slices.Clone(s.obs.sources), func(p *source.Package) bool {
		return p.Manifest.Name == name && p.Manifest.Version.String() == old
	})
}

// plannerOutput is what a golden file holds: the plan as shown (or the error), what it records
// of its options, each step's kind, target and payload, and the explanations, with the test's directories replaced.
func plannerOutput(s *stateEdit, plan *Plan, err error, explains []string) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		if w := Warnings(nil, err); len(w) > 0 {
			fmt.Fprintf(&b, "warnings:\n  %s\n", strings.Join(w, "\n  "))
		}
	} else {
		b.WriteString(humanPlan(plan))
		fmt.Fprintf(&b, "\nrecorded: max deletes %d, upgrade %v\n", plan.MaxDeletes, plan.Upgrade)
		if len(plan.Steps) > 0 {
			b.WriteString("steps:\n")
		}
		for _, st := range plan.Steps {
			op, jerr := json.Marshal(st.Op)
			must(s.t, jerr)
			fmt.Fprintf(&b, "  %s %s %s\n", st.Kind(), st.Target, op)
		}
	}
	for _, e := range explains {
		fmt.Fprintf(&b, "\nexplain %s\n", e)
	}
	out := b.String()
	for _, r := range [][2]string{{s.w.mp, "<mp>"}, {s.w.src, "<src>"}, {s.w.dir, "<config>"}} {
		out = strings.ReplaceAll(out, r[0], r[1])
	}
	return out
}

func TestPlannerGolden(t *testing.T) {
	var bases []*baseState
	byBase := map[*baseState][]plannerCase{}
	for _, tc := range plannerCases() {
		if byBase[tc.base] == nil {
			bases = append(bases, tc.base)
		}
		byBase[tc.base] = append(byBase[tc.base], tc)
	}
	for _, b := range bases {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			src := ""
			if b.src != nil {
				src = b.src(t)
			}
			w := newWorld(t, src, "")
			for _, step := range b.steps {
				step(w)
			}
			hcl, err := os.ReadFile(filepath.Join(w.dir, "main.hcl"))
			must(t, err)
			at := w.clk.t
			for _, tc := range byBase[b] {
				t.Run(tc.name, func(t *testing.T) {
					w.t = t
					w.clk.t = at.Add(tc.after)
					w.write("main.hcl", cmp.Or(tc.hcl, string(hcl)))
					golden(t, filepath.Join("planner", tc.name+".golden"), planFromState(t, w, tc))
				})
			}
		})
	}
}

// planFromState observes the world's model, edits the observation as the case says and plans
// from it (and explains), with no zfs command.
func planFromState(t *testing.T, w *world, tc plannerCase) string {
	cfg := w.cfg()
	obs, err := w.e.observe(bg, cfg)
	must(t, err)
	s := &stateEdit{t: t, w: w, obs: obs}
	if tc.edit != nil {
		tc.edit(s)
	}
	calls := w.m.Calls
	plan, perr := w.e.plan(bg, cfg, obs, tc.opt)
	var explains []string
	for _, e := range tc.explain {
		ds := e
		if !strings.HasPrefix(e, testRoot+"/") {
			ds = s.pkg(e)
		}
		why, err := w.e.explain(bg, cfg, obs, layout.Dataset(ds), tc.opt)
		if err != nil {
			why = "error: " + err.Error()
		}
		explains = append(explains, e+" ("+ds+"):\n  "+why)
	}
	if w.m.Calls != calls {
		t.Errorf("planning from an observation ran %d zfs commands", w.m.Calls-calls)
	}
	return plannerOutput(s, plan, perr, explains)
}
