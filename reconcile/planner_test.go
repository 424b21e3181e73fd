package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The planner's rules, on the in-memory model. Configurations are small (mostly sample packages
// without dependencies: make, zlib, ncurses) and sources hold only the few packages the tests
// use, so that each test takes a fraction of a second.

var defaults = PlanOptions{} // the zero value: the configuration's own budget

// world is a configuration directory and an engine on the in-memory model, with a settable
// clock shared by the engine and the model (so creation times and grace periods agree).
type world struct {
	t   testing.TB
	e   *Engine
	m   *zfstest.Model
	mp  string // where the store's root is mounted (a temp dir)
	dir string // the configuration directory
	src string // the source directory the configuration names
	clk *clock
}

const testRoot = "tank/axiom"

// examplePackages is the absolute path of the sample packages.
func examplePackages(t testing.TB) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "examples", "packages"))
	must(t, err)
	return p
}

// samplePackages copies the sample packages the tests use (fewer packages to scan make every
// plan faster) into a source directory of the test's own.
func samplePackages(t testing.TB) string {
	t.Helper()
	src := t.TempDir()
	for _, p := range []string{"make-4.4.1", "zlib-1.3.1", "ncurses-6.4.0", "bash-5.1.16", "bash-5.2.21", "readline-8.1.2", "readline-8.2.1"} {
		copyDir(t, filepath.Join(examplePackages(t), p), filepath.Join(src, p))
	}
	return src
}

// newWorld writes store.hcl (the store and one source, src, or a copy of some sample packages
// when src is "") and main.hcl (config) into a fresh configuration directory.
func newWorld(t testing.TB, src, config string) *world {
	t.Helper()
	e, m, mp := modelEngine(t)
	clk := &clock{t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.Now, m.Clock = clk.now, clk.now
	if src == "" {
		src = samplePackages(t)
	}
	w := &world{t: t, e: e, m: m, mp: mp, dir: t.TempDir(), src: src, clk: clk}
	w.write("store.hcl", fmt.Sprintf("store {\n  dataset = %q\n}\n\nsource \"s\" {\n  path = %q\n}\n", testRoot, src))
	w.write("main.hcl", config)
	return w
}

// write replaces a file of the configuration.
func (w *world) write(name, content string) {
	w.t.Helper()
	must(w.t, os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o644))
}

func (w *world) cfg() *spec.Config {
	w.t.Helper()
	return loadConfig(w.t, w.dir, testRoot, w.mp)
}

func (w *world) plan(opt PlanOptions) (*Plan, error) {
	w.t.Helper()
	return w.e.Plan(bg, w.cfg(), opt)
}

func (w *world) mustPlan(opt PlanOptions) *Plan {
	w.t.Helper()
	p, err := w.plan(opt)
	if err != nil {
		w.t.Fatalf("plan: %v", err)
	}
	return p
}

// apply applies and checks that the next plan is empty (DESIGN.md §5: after any successful
// apply, plan reports no changes).
func (w *world) apply(opt PlanOptions) *Plan {
	w.t.Helper()
	plan, _, err := w.e.Reconcile(bg, w.cfg(), opt)
	if err != nil {
		if plan != nil {
			w.t.Logf("plan:\n%s", humanPlan(plan))
		}
		w.t.Fatalf("apply: %v\n%s", err, w.m)
	}
	opt.Upgrade = false
	if again := w.mustPlan(opt); !again.Empty() {
		w.t.Fatalf("plan after apply is not empty:\n%s", humanPlan(again))
	}
	return plan
}

// exists reports whether a dataset or snapshot exists on the model.
func (w *world) exists(name string) bool {
	w.t.Helper()
	tree, err := w.m.Observe(bg, "tank")
	must(w.t, err)
	_, ok := tree.Get(name)
	return ok
}

// holds returns the hold tags on a snapshot.
func (w *world) holds(snap string) []string {
	w.t.Helper()
	h, err := w.m.Holds(bg, snap)
	must(w.t, err)
	return h[snap]
}

// pkgDataset finds the one store dataset of a package version (name/X.Y.Z/rev/<build>).
func (w *world) pkgDataset(nameVersionRev string) string {
	w.t.Helper()
	tree, err := w.m.Observe(bg, testRoot)
	must(w.t, err)
	prefix := testRoot + "/store/pkg/" + nameVersionRev + "/"
	var found []string
	for _, d := range tree.Datasets {
		if rest, ok := strings.CutPrefix(d.Name, prefix); ok && d.Type == zfs.Filesystem && !strings.Contains(rest, "/") {
			found = append(found, d.Name)
		}
	}
	if len(found) != 1 {
		w.t.Fatalf("want one package dataset below %s, found %v", prefix, found)
	}
	return found[0]
}

func humanPlan(p *Plan) string {
	var b strings.Builder
	p.WriteHuman(&b)
	return b.String()
}

// stepsOf returns the plan's steps of one kind.
func stepsOf(p *Plan, k Kind) []Step {
	var out []Step
	for _, s := range p.Steps {
		if s.Kind() == k {
			out = append(out, s)
		}
	}
	return out
}

// kinds lists the plan's step kinds in order.
func kinds(p *Plan) []Kind {
	var out []Kind
	for _, s := range p.Steps {
		out = append(out, s.Kind())
	}
	return out
}

// envHCL declares environment name on profile, with extra attributes.
func envHCL(name, profile string, extra ...string) string {
	s := "environment \"" + name + "\" {\n  profile = \"" + profile + "\"\n"
	for _, e := range extra {
		s += "  " + e + "\n"
	}
	return s + "}\n"
}

// profileHCL declares a profile of packages given as `name` or `name constraint`.
func profileHCL(name string, pkgs ...string) string {
	s := "profile \"" + name + "\" {\n"
	for _, p := range pkgs {
		n, c, ok := strings.Cut(p, " ")
		if ok {
			s += "  package \"" + n + "\" { version = \"" + c + "\" }\n"
		} else {
			s += "  package \"" + n + "\" {}\n"
		}
	}
	return s + "}\n"
}

func gcHCL(grace string, maxDeletes int) string {
	return "gc {\n  grace_period = \"" + grace + "\"\n  max_deletes = " + strconv.Itoa(maxDeletes) + "\n}\n"
}

func wantPlanError(t *testing.T, err error, contains ...string) *PlanError {
	t.Helper()
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *PlanError, got %T: %v", err, err)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Fatalf("the plan error does not mention %q:\n%v", c, err)
		}
	}
	return pe
}

func TestPlanRefusesUnmanagedDatasetInTheWay(t *testing.T) {
	base := profileHCL("base", "make")
	for _, tc := range []struct {
		name string
		// config replaces main.hcl after a first apply of base; plant creates what is in the way
		// and returns its name.
		config string
		plant  func(w *world) string
		want   []string
	}{
		{
			name:   "profile",
			config: base + profileHCL("dev", "zlib"),
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/profiles/dev", zfs.CreateOptions{}))
				return testRoot + "/profiles/dev"
			},
			want: []string{`profile "dev"`, "not managed by axiom-reconcile", "main.hcl:"},
		},
		{
			name:   "environment",
			config: base + envHCL("dev", "base"),
			plant: func(w *world) string {
				// It inherits axiom:managed-by from env/, which the reconciler made: only local
				// values count.
				must(w.t, w.m.Create(bg, testRoot+"/env/dev", zfs.CreateOptions{}))
				return testRoot + "/env/dev"
			},
			want: []string{`environment "dev"`, "not managed by axiom-reconcile"},
		},
		{
			name:   "marked by someone else",
			config: base + envHCL("dev", "base"),
			plant: func(w *world) string {
				must(w.t, w.m.Create(bg, testRoot+"/env/dev", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: "someone-else"}}))
				return testRoot + "/env/dev"
			},
			want: []string{`environment "dev"`, "not managed by axiom-reconcile"},
		},
		{
			name:   "temporary container",
			config: base,
			plant: func(w *world) string {
				must(w.t, w.m.Destroy(bg, testRoot+"/tmp", zfs.DestroyOptions{}))
				must(w.t, w.m.Create(bg, testRoot+"/tmp", zfs.CreateOptions{}))
				return testRoot + "/tmp"
			},
			want: []string{"not managed by axiom-reconcile", "work in progress"},
		},
		{
			name:   "package",
			config: base + profileHCL("more", "zlib"),
			plant: func(w *world) string {
				// Where zlib would be imported, a dataset that is not a complete managed package.
				p := w.mustPlan(defaults)
				imports := stepsOf(p, KindImport)
				if len(imports) != 1 {
					w.t.Fatalf("want one import, plan:\n%s", humanPlan(p))
				}
				must(w.t, w.m.Create(bg, imports[0].Target, zfs.CreateOptions{Parents: true}))
				return imports[0].Target
			},
			want: []string{"is not a complete package managed by axiom-reconcile", "cannot be imported"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", base)
			w.apply(defaults)
			w.write("main.hcl", tc.config)
			ds := tc.plant(w)

			_, err := w.plan(defaults)
			wantPlanError(t, err, append(tc.want, ds)...)

			calls := w.m.Calls
			plan, done, err := w.e.Reconcile(bg, w.cfg(), defaults)
			wantPlanError(t, err, ds)
			if plan != nil || done != nil || w.m.Calls != calls {
				t.Fatalf("apply of a failed plan did something: plan %v, done %v, %d zfs calls", plan != nil, done, w.m.Calls-calls)
			}
			if !w.exists(ds) {
				t.Fatalf("%s is gone", ds)
			}
		})
	}
}

// Every problem is reported at once.
func TestPlanErrorListsEveryProblem(t *testing.T) {
	w := newWorld(t, "", profileHCL("base", "make"))
	w.apply(defaults)
	must(t, w.m.Create(bg, testRoot+"/profiles/a", zfs.CreateOptions{}))
	must(t, w.m.Create(bg, testRoot+"/env/b", zfs.CreateOptions{}))
	w.write("main.hcl", profileHCL("a", "make")+profileHCL("base", "make")+envHCL("b", "base"))
	_, err := w.plan(defaults)
	pe := wantPlanError(t, err, "2 problems:", testRoot+"/profiles/a", testRoot+"/env/b")
	if len(pe.Errs) != 2 {
		t.Fatalf("want 2 errors, got %d: %v", len(pe.Errs), pe.Errs)
	}
}

func TestPlanRemovesUndeclaredEnvironment(t *testing.T) {
	profiles := profileHCL("p", "make") + profileHCL("q", "ncurses")
	w := newWorld(t, "", profiles+envHCL("e", "p")+envHCL("f", "q"))
	w.apply(defaults)
	ncurses := w.pkgDataset("ncurses/6.4.0/1") + "@installed"
	if !slices.Equal(w.holds(ncurses), []string{"axiom-env:f:1", "axiom-profile:q"}) {
		t.Fatalf("ncurses holds after apply: %v", w.holds(ncurses))
	}

	w.write("main.hcl", profiles+envHCL("e", "p"))
	plan := w.mustPlan(defaults)
	if !slices.Equal(kinds(plan), []Kind{KindRemoveEnv}) {
		t.Fatalf("want one remove-environment step:\n%s", humanPlan(plan))
	}
	st := plan.Steps[0]
	if st.Action != Remove || st.Target != testRoot+"/env/f" || st.Op.(*RemoveEnvStep).Dataset != testRoot+"/env/f" {
		t.Fatalf("remove step: %+v", st)
	}
	if got := st.Op.(*RemoveEnvStep).Release["axiom-env:f:1"]; !slices.Equal(got, []string{ncurses}) {
		t.Fatalf("the removal releases %v, want the holds of gen-1 on %s", st.Op.(*RemoveEnvStep).Release, ncurses)
	}
	w.apply(defaults)
	if w.exists(testRoot + "/env/f") {
		t.Fatal("env/f survived its removal")
	}
	if _, err := os.Stat(filepath.Join(w.mp, "env", "f")); !os.IsNotExist(err) {
		t.Fatalf("env/f's directory is still there: %v", err)
	}
	if h := w.holds(ncurses); !slices.Equal(h, []string{"axiom-profile:q"}) {
		t.Fatalf("ncurses holds after its only environment went: %v; want its profile's only", h)
	}
	if !w.exists(testRoot + "/env/e/gen-1") {
		t.Fatal("the declared environment went too")
	}
}

func TestPlanRefusesToRemovePreventDestroy(t *testing.T) {
	profiles := profileHCL("p", "make")
	w := newWorld(t, "", profiles+envHCL("e", "p", "prevent_destroy = true"))
	w.apply(defaults)

	w.write("main.hcl", profiles)
	_, err := w.plan(defaults)
	wantPlanError(t, err, `environment "e"`, "prevent_destroy")
	if !w.exists(testRoot + "/env/e/gen-1") {
		t.Fatal("the environment went")
	}

	// The documented way out: declare it with prevent_destroy = false, apply, then remove it.
	w.write("main.hcl", profiles+envHCL("e", "p", "prevent_destroy = false"))
	plan := w.apply(defaults)
	props := stepsOf(plan, KindSetProps)
	if len(props) != 1 || props[0].Op.(*PropsStep).Set[layout.PropPreventDestroy] != "off" {
		t.Fatalf("want a set-props step clearing prevent-destroy:\n%s", humanPlan(plan))
	}
	w.write("main.hcl", profiles)
	plan = w.apply(defaults)
	if !slices.Equal(kinds(plan), []Kind{KindRemoveEnv}) || w.exists(testRoot+"/env/e") {
		t.Fatalf("the environment was not removed:\n%s", humanPlan(plan))
	}
}

func TestPlanDeletionBudget(t *testing.T) {
	all := profileHCL("a", "make") + profileHCL("b", "zlib") + profileHCL("c", "ncurses") + envHCL("a", "a") + envHCL("b", "b")
	gc := gcHCL("1h", 1)
	// Removing env b and profiles b and c is 3 removals.
	kept := profileHCL("a", "make") + envHCL("a", "a") + gc
	for _, tc := range []struct {
		name       string
		maxDeletes int
		err        string
	}{
		{"zero options: configuration's budget", -1, "the plan would remove 3 profiles and environments that are no longer declared, more than the deletion budget of 1 (gc.max_deletes); if that is intended, run again with --max-deletes 3"},
		{"option below", 2, "deletion budget of 2"},
		{"option zero", 0, "deletion budget of 0"},
		{"option enough", 3, ""},
		{"option more", 100, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", all+gc)
			w.apply(PlanOptions{MaxDeletes: Budget(10)})
			w.write("main.hcl", kept)
			var opt PlanOptions // -1: the zero value, which must mean the configuration's budget
			if tc.maxDeletes >= 0 {
				opt.MaxDeletes = Budget(tc.maxDeletes)
			}
			plan, err := w.plan(opt)
			if tc.err != "" {
				wantPlanError(t, err, tc.err, "--max-deletes")
				return
			}
			must(t, err)
			if got := kinds(plan); !slices.Equal(got, []Kind{KindRemoveEnv, KindRemoveProfile, KindRemoveProfile}) {
				t.Fatalf("steps %v:\n%s", got, humanPlan(plan))
			}
			if plan.MaxDeletes != tc.maxDeletes {
				t.Fatalf("the plan records budget %d, want %d", plan.MaxDeletes, tc.maxDeletes)
			}
		})
	}
}

// addVersion adds a copy of package dir `from` under a new version to a source directory.
func addVersion(t testing.TB, src, from, newVersion string) {
	t.Helper()
	name, oldVersion, _ := strings.Cut(from, "-")
	to := filepath.Join(src, name+"-"+newVersion)
	copyDir(t, filepath.Join(src, from), to)
	mf := filepath.Join(to, "manifest.yaml")
	b, err := os.ReadFile(mf)
	must(t, err)
	s := strings.Replace(string(b), "version: "+oldVersion, "version: "+newVersion, 1)
	if s == string(b) {
		t.Fatalf("%s has no version: %s", mf, oldVersion)
	}
	must(t, os.WriteFile(mf, []byte(s), 0o644))
	// Different content too, as a new release would have.
	must(t, os.WriteFile(filepath.Join(to, "root", "bin", name), []byte("#!/bin/sh\necho "+name+" "+newVersion+"\n"), 0o755))
}

func TestPlanKeepsLockUntilUpgradeOrProfileChange(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make ^4.4")+envHCL("e", "p"))
	src := w.src
	w.apply(defaults)
	lockPath := filepath.Join(w.mp, "profiles", "p", layout.LockFile)
	lock1, err := os.ReadFile(lockPath)
	must(t, err)
	if !strings.Contains(string(lock1), "4.4.1") {
		t.Fatalf("lock:\n%s", lock1)
	}

	// A newer package the constraint admits appears: the lock is still valid, so it stays.
	addVersion(t, src, "make-4.4.1", "4.4.2")
	if plan := w.mustPlan(defaults); !plan.Empty() {
		t.Fatalf("a new package in a source changed the plan without --upgrade:\n%s", humanPlan(plan))
	}

	// --upgrade re-resolves and shows the change.
	up := w.mustPlan(PlanOptions{Upgrade: true})
	locks := stepsOf(up, KindLock)
	if len(locks) != 1 {
		t.Fatalf("want one lock step with --upgrade:\n%s", humanPlan(up))
	}
	if l := locks[0]; l.Action != Change || l.Summary != "lock make 4.4.1-1 -> 4.4.2-1" || l.Reason != "--upgrade found newer packages" {
		t.Fatalf("lock step: %s %q (%s)", l.Action, l.Summary, l.Reason)
	}
	if !up.Upgrade {
		t.Fatal("the plan does not record --upgrade")
	}
	if imp := stepsOf(up, KindImport); len(imp) != 1 || !strings.Contains(imp[0].Op.(*ImportStep).Package, "make/4.4.2/1/") {
		t.Fatalf("want the import of make 4.4.2:\n%s", humanPlan(up))
	}
	if r := stepsOf(up, KindRealize); len(r) != 1 || r[0].Op.(*RealizeStep).Generation != 2 {
		t.Fatalf("want gen-2 realized:\n%s", humanPlan(up))
	}
	w.apply(PlanOptions{Upgrade: true})
	lock2, err := os.ReadFile(lockPath)
	must(t, err)
	if !strings.Contains(string(lock2), `version: "4.4.2"`) {
		t.Fatalf("the upgraded lock:\n%s", lock2)
	}
	// Nothing newer: --upgrade changes nothing.
	if plan := w.mustPlan(PlanOptions{Upgrade: true}); !plan.Empty() {
		t.Fatalf("--upgrade with nothing newer:\n%s", humanPlan(plan))
	}
}

func TestPlanReresolvesChangedProfile(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make ^4.4")+envHCL("e", "p"))
	src := w.src
	w.apply(defaults)
	addVersion(t, src, "make-4.4.1", "4.4.2")

	w.write("main.hcl", profileHCL("p", "make ^4.4", "zlib")+envHCL("e", "p"))
	plan := w.mustPlan(defaults)
	locks := stepsOf(plan, KindLock)
	if len(locks) != 1 {
		t.Fatalf("want one lock step:\n%s", humanPlan(plan))
	}
	if l := locks[0]; l.Reason != "profile changed since the lock was resolved" || l.Summary != "lock make 4.4.1-1 -> 4.4.2-1, zlib 1.3.1-1" {
		t.Fatalf("lock step: %q (%s)", l.Summary, l.Reason)
	}
	if wp := stepsOf(plan, KindWriteProfile); len(wp) != 1 || wp[0].Action != Change || wp[0].Reason != "profile changed" {
		t.Fatalf("want profile.yaml rewritten:\n%s", humanPlan(plan))
	}

	// Dropping a package shows it removed.
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make ^4.4")+envHCL("e", "p"))
	plan = w.mustPlan(defaults)
	if l := stepsOf(plan, KindLock); len(l) != 1 || l[0].Summary != "lock make 4.4.2-1, zlib removed" {
		t.Fatalf("want zlib removed from the lock:\n%s", humanPlan(plan))
	}
}

// A lock that names a package neither the store nor a source has is resolved again.
func TestPlanReresolvesUnavailableLock(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make ^4.4"))
	src := w.src
	w.apply(defaults) // a profile without environment: make is imported for the lock only
	addVersion(t, src, "make-4.4.1", "4.4.2")
	// make 4.4.1 leaves the store and the source.
	// (Someone releases the profile's hold to do that.)
	must(t, w.m.Release(bg, "axiom-profile:p", w.pkgDataset("make/4.4.1/1")+"@installed"))
	must(t, w.m.Destroy(bg, w.pkgDataset("make/4.4.1/1"), zfs.DestroyOptions{Recursive: true}))
	must(t, os.RemoveAll(filepath.Join(src, "make-4.4.1")))
	plan := w.mustPlan(defaults)
	l := stepsOf(plan, KindLock)
	if len(l) != 1 || !strings.HasPrefix(l[0].Reason, "locked package make 4.4.1-1") || l[0].Summary != "lock make 4.4.1-1 -> 4.4.2-1" {
		t.Fatalf("want the lock re-resolved:\n%s", humanPlan(plan))
	}
}

func TestPlanRealizeDigestIncludesConflictPolicy(t *testing.T) {
	profiles := profileHCL("p", "make", "zlib")
	w := newWorld(t, "", profiles+envHCL("e", "p"))
	first := w.apply(defaults)
	r1 := stepsOf(first, KindRealize)[0].Op.(*RealizeStep)

	// An unchanged lock realizes nothing: w.apply checked the next plan is empty. A changed
	// policy builds a new generation from the same lock.
	w.write("main.hcl", profiles+envHCL("e", "p", `conflict_policy = "priority"`))
	plan := w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindRealize, KindActivate}) {
		t.Fatalf("steps %v:\n%s", got, humanPlan(plan))
	}
	r2 := plan.Steps[0].Op.(*RealizeStep)
	if r2.Generation != 2 || r2.Policy != "priority" || r2.LockDigest != r1.LockDigest || r2.RealizeDigest == r1.RealizeDigest {
		t.Fatalf("realize gen-%d policy %q; lock digests %s/%s, realize digests %s/%s", r2.Generation, r2.Policy, r1.LockDigest, r2.LockDigest, r1.RealizeDigest, r2.RealizeDigest)
	}
	if a := plan.Steps[1]; a.Op.(*ActivateStep).Generation != 2 || a.Action != Change || a.Reason != "current is gen-1" {
		t.Fatalf("activate: %+v", a)
	}
	w.apply(defaults)

	// Back to the old policy: gen-1 was built from exactly that, so it is activated again.
	w.write("main.hcl", profiles+envHCL("e", "p"))
	plan = w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindActivate}) || plan.Steps[0].Op.(*ActivateStep).Generation != 1 {
		t.Fatalf("want gen-1 activated again:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
	if cur, _ := os.Readlink(filepath.Join(w.mp, "env", "e", "current")); cur != "gen-1" {
		t.Fatalf("current -> %s", cur)
	}
}

func TestPlanKeepGenerations(t *testing.T) {
	w := newWorld(t, "", "")
	set := func(keep int, pkgs ...string) {
		w.write("main.hcl", profileHCL("p", pkgs...)+envHCL("e", "p", "keep_generations = "+strconv.Itoa(keep)))
	}
	gens := func() []string {
		t.Helper()
		tree, err := w.m.Observe(bg, testRoot+"/env/e")
		must(t, err)
		var out []string
		for _, d := range tree.Children(testRoot + "/env/e") {
			out = append(out, filepath.Base(d.Name))
		}
		return out
	}
	prunes := func(p *Plan) []int {
		var out []int
		for _, s := range stepsOf(p, KindPrune) {
			out = append(out, s.Op.(*PruneStep).Generation)
		}
		return out
	}

	for _, pkgs := range [][]string{{"make"}, {"make", "zlib"}, {"make", "ncurses"}} {
		set(3, pkgs...)
		if p := w.apply(defaults); len(prunes(p)) != 0 {
			t.Fatalf("pruned within keep_generations:\n%s", humanPlan(p))
		}
	}
	if g := gens(); !slices.Equal(g, []string{"gen-1", "gen-2", "gen-3"}) {
		t.Fatalf("generations %v", g)
	}
	zlib := w.pkgDataset("zlib/1.3.1/1") + "@installed"

	// keep_generations = 2 with a new gen-4: the two oldest go, oldest first.
	set(2, "make", "zlib", "ncurses")
	plan := w.mustPlan(defaults)
	if got := prunes(plan); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("pruned %v, want [1 2]:\n%s", got, humanPlan(plan))
	}
	p2 := stepsOf(plan, KindPrune)[1]
	if p2.Op.(*PruneStep).Tag != "axiom-env:e:2" || p2.Reason != "keep_generations = 2" || !slices.Contains(p2.Op.(*PruneStep).Snapshots, zlib) || p2.Action != Remove {
		t.Fatalf("prune of gen-2: %+v", p2)
	}
	// Prunes come after the new generation is active.
	if i, j := slices.Index(kinds(plan), KindActivate), slices.Index(kinds(plan), KindPrune); i < 0 || i > j {
		t.Fatalf("prune before activate: %v", kinds(plan))
	}
	w.apply(defaults)
	if g := gens(); !slices.Equal(g, []string{"gen-3", "gen-4"}) {
		t.Fatalf("generations %v", g)
	}
	if h := w.holds(zlib); !slices.Equal(h, []string{"axiom-env:e:4", "axiom-profile:p"}) {
		t.Fatalf("zlib holds after pruning gen-2: %v", h)
	}

	// keep_generations = 1 back on gen-3's profile: gen-3 becomes current and is kept although
	// it is not the newest; the newest (gen-4) is kept as the one generation to keep.
	set(1, "make", "ncurses")
	plan = w.mustPlan(defaults)
	if act := stepsOf(plan, KindActivate); len(act) != 1 || act[0].Op.(*ActivateStep).Generation != 3 || len(stepsOf(plan, KindRealize)) != 0 || len(prunes(plan)) != 0 {
		t.Fatalf("want gen-3 activated, nothing realized or pruned:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
	if g := gens(); !slices.Equal(g, []string{"gen-3", "gen-4"}) {
		t.Fatalf("generations %v", g)
	}

	// A new generation with keep_generations = 1 prunes everything else, current included.
	set(1, "zlib")
	plan = w.mustPlan(defaults)
	if got := prunes(plan); !slices.Equal(got, []int{3, 4}) {
		t.Fatalf("pruned %v, want [3 4]:\n%s", got, humanPlan(plan))
	}
	w.apply(defaults)
	if g := gens(); !slices.Equal(g, []string{"gen-5"}) {
		t.Fatalf("generations %v", g)
	}
}

func TestPlanRepairsHoldDrift(t *testing.T) {
	const config = "profile \"p\" {\n  package \"make\" {}\n}\n" + "environment \"e\" {\n  profile = \"p\"\n}\n"
	for _, tc := range []struct {
		name  string
		drift func(w *world, snap string)
		// hold and release are the holds step's maps; nil: no holds step at all.
		hold, release map[string][]string
		// after lists the tags the snapshot has after the apply.
		after []string
	}{
		{
			name:  "released by someone",
			drift: func(w *world, snap string) { must(w.t, w.m.Release(bg, "axiom-env:e:1", snap)) },
			hold:  map[string][]string{"axiom-env:e:1": {"SNAP"}},
			after: []string{"axiom-env:e:1", "axiom-profile:p"},
		},
		{
			name:    "leaked by a generation that does not exist",
			drift:   func(w *world, snap string) { must(w.t, w.m.Hold(bg, "axiom-env:ghost:7", snap)) },
			release: map[string][]string{"axiom-env:ghost:7": {"SNAP"}},
			after:   []string{"axiom-env:e:1", "axiom-profile:p"},
		},
		{
			name: "all at once",
			drift: func(w *world, snap string) {
				must(w.t, w.m.Release(bg, "axiom-env:e:1", snap))
				must(w.t, w.m.Hold(bg, "axiom-env:e:2", snap))
				must(w.t, w.m.Hold(bg, "backup", snap))
			},
			hold:    map[string][]string{"axiom-env:e:1": {"SNAP"}},
			release: map[string][]string{"axiom-env:e:2": {"SNAP"}},
			after:   []string{"axiom-env:e:1", "axiom-profile:p", "backup"},
		},
		{
			name:  "foreign tag",
			drift: func(w *world, snap string) { must(w.t, w.m.Hold(bg, "backup", snap)) },
			after: []string{"axiom-env:e:1", "axiom-profile:p", "backup"},
		},
		{
			name:  "foreign tag that looks like ours",
			drift: func(w *world, snap string) { must(w.t, w.m.Hold(bg, "axiom-env:e:latest", snap)) },
			after: []string{"axiom-env:e:1", "axiom-env:e:latest", "axiom-profile:p"},
		},
		{
			name: "foreign tag on a package no generation uses",
			drift: func(w *world, _ string) {
				// zlib is in the store for profile q's lock only.
				must(w.t, w.m.Hold(bg, "backup", w.pkgDataset("zlib/1.3.1/1")+"@installed"))
			},
			after: []string{"axiom-env:e:1", "axiom-profile:p"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", config+profileHCL("q", "zlib"))
			w.apply(defaults)
			snap := w.pkgDataset("make/4.4.1/1") + "@installed"
			tc.drift(w, snap)
			fix := func(m map[string][]string) map[string][]string {
				out := map[string][]string{}
				for k, v := range m {
					for _, s := range v {
						out[k] = append(out[k], strings.ReplaceAll(s, "SNAP", snap))
					}
				}
				return out
			}
			plan := w.mustPlan(defaults)
			if tc.hold == nil && tc.release == nil {
				if !plan.Empty() {
					t.Fatalf("want no changes:\n%s", humanPlan(plan))
				}
			} else {
				if got := kinds(plan); !slices.Equal(got, []Kind{KindHolds}) {
					t.Fatalf("want one holds step:\n%s", humanPlan(plan))
				}
				st := plan.Steps[0].Op.(*HoldsStep)
				if !equalHolds(st.Hold, fix(tc.hold)) || !equalHolds(st.Release, fix(tc.release)) {
					t.Fatalf("holds step: hold %v release %v; want hold %v release %v", st.Hold, st.Release, fix(tc.hold), fix(tc.release))
				}
			}
			w.apply(defaults)
			if got := w.holds(snap); !slices.Equal(got, tc.after) {
				t.Fatalf("holds after apply: %v, want %v", got, tc.after)
			}
		})
	}
}

func equalHolds(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(slices.Sorted(slices.Values(v)), slices.Sorted(slices.Values(b[k]))) {
			return false
		}
	}
	return true
}

func TestPlanCleansTemporaryDatasets(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	ours := testRoot + "/tmp/gen-e-2-deadbeef"
	theirs := testRoot + "/tmp/someone-elses"
	must(t, w.m.Create(bg, ours, zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindGeneration}}))
	must(t, w.m.Snapshot(bg, ours+"@realized"))
	must(t, w.m.Create(bg, theirs, zfs.CreateOptions{}))

	plan := w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindCleanTemp}) {
		t.Fatalf("want one clean-temp step:\n%s", humanPlan(plan))
	}
	if st := plan.Steps[0]; !slices.Equal(st.Op.(*CleanTempStep).Temps, []string{ours}) || st.Action != Remove {
		t.Fatalf("clean-temp step: %+v", st)
	}
	note := theirs + " is not managed by axiom-reconcile; it is left alone"
	if !slices.Contains(plan.Notes, note) {
		t.Fatalf("want the note %q, notes %q", note, plan.Notes)
	}
	w.apply(defaults)
	if w.exists(ours) || w.exists(ours+"@realized") {
		t.Fatal("the temporary dataset survived")
	}
	if !w.exists(theirs) {
		t.Fatal("an unmanaged dataset in tmp was destroyed")
	}
	if p := w.mustPlan(defaults); !slices.Contains(p.Notes, note) {
		t.Fatalf("the note went: %q", p.Notes)
	}
}

// gcWorld has profile p (environment e, keep_generations = 1) on bash ~5.1, then on bash ~5.2:
// bash 5.1.16 and readline 8.1.2 are then unreferenced; ncurses stays in use, and bash and
// readline keep a newer version.
func gcWorld(t *testing.T, maxDeletes int) *world {
	t.Helper()
	w := newWorld(t, "", profileHCL("p", "bash ~5.1")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", maxDeletes))
	w.apply(defaults)
	w.clk.t = w.clk.t.Add(10 * time.Minute)
	w.write("main.hcl", profileHCL("p", "bash ~5.2")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", maxDeletes))
	plan := w.apply(defaults)
	if len(stepsOf(plan, KindPrune)) != 1 || len(stepsOf(plan, KindGC)) != 0 {
		t.Fatalf("want gen-1 pruned and nothing collected within the grace period:\n%s", humanPlan(plan))
	}
	return w
}

func TestGCGracePeriodHoldsAndParents(t *testing.T) {
	w := gcWorld(t, 100)
	bash51 := w.pkgDataset("bash/5.1.16/1")
	readline81 := w.pkgDataset("readline/8.1.2/1")
	bash52 := w.pkgDataset("bash/5.2.21/1")
	explain := func(ds string, opt PlanOptions) string {
		t.Helper()
		s, err := w.e.Explain(bg, w.cfg(), ds, opt)
		must(t, err)
		return s
	}

	// Within the grace period (created 10 minutes before gen-1 was pruned, 1h grace).
	if s := explain(bash51, defaults); !strings.Contains(s, "is kept: it is within the grace period until 2024-03-01T13:00:00Z (created 2024-03-01T12:00:00Z)") {
		t.Fatalf("explain: %s", s)
	}
	if s := explain(bash52, defaults); !strings.Contains(s, bash52+" (bash 5.2.21-1") || !strings.Contains(s, "is kept: it is referenced by the lock of profile p") {
		t.Fatalf("explain: %s", s)
	}
	// Exactly at the end of the grace period it is collectable.
	w.clk.t = time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)
	plan := w.mustPlan(defaults)
	gc := stepsOf(plan, KindGC)
	if len(gc) != 1 || len(plan.Steps) != 1 {
		t.Fatalf("want one gc step:\n%s", humanPlan(plan))
	}
	if want := []string{bash51, readline81}; !slices.Equal(gc[0].Op.(*GCStep).Packages, want) {
		t.Fatalf("collects %v, want %v", gc[0].Op.(*GCStep).Packages, want)
	}
	// The version and revision containers go with their last package; bash/ and readline/
	// stay, holding the newer versions.
	pkg := testRoot + "/store/pkg/"
	if want := []string{pkg + "bash/5.1.16/1", pkg + "readline/8.1.2/1", pkg + "bash/5.1.16", pkg + "readline/8.1.2"}; !slices.Equal(gc[0].Op.(*GCStep).Parents, want) {
		t.Fatalf("parents %v, want %v", gc[0].Op.(*GCStep).Parents, want)
	}
	if s := explain(bash51, defaults); !strings.Contains(s, "is collectable: unreferenced, not held, not cloned, created 2024-03-01T12:00:00Z, older than grace_period 1h0m0s") {
		t.Fatalf("explain: %s", s)
	}

	// A hold by anyone keeps it, past the grace period too.
	must(t, w.m.Hold(bg, "backup", bash51+"@installed"))
	w.clk.t = w.clk.t.Add(30 * 24 * time.Hour)
	plan = w.mustPlan(defaults)
	if gc := stepsOf(plan, KindGC); len(gc) != 1 || slices.Contains(gc[0].Op.(*GCStep).Packages, bash51) || slices.Contains(gc[0].Op.(*GCStep).Parents, pkg+"bash/5.1.16") {
		t.Fatalf("a held package is collected:\n%s", humanPlan(plan))
	}
	if s := explain(bash51, defaults); !strings.Contains(s, "is kept: "+bash51+"@installed has 1 user hold; holds on "+bash51+"@installed: backup") {
		t.Fatalf("explain: %s", s)
	}

	// So does a clone of its snapshot.
	must(t, w.m.Release(bg, "backup", bash51+"@installed"))
	clone := testRoot + "/scratch"
	must(t, w.m.Clone(bg, bash51+"@installed", clone, nil))
	plan = w.mustPlan(defaults)
	if gc := stepsOf(plan, KindGC); len(gc) != 1 || slices.Contains(gc[0].Op.(*GCStep).Packages, bash51) {
		t.Fatalf("a cloned package is collected:\n%s", humanPlan(plan))
	}
	if s := explain(bash51, defaults); !strings.Contains(s, "is kept: "+bash51+"@installed is the origin of "+clone) {
		t.Fatalf("explain: %s", s)
	}
	must(t, w.m.Destroy(bg, clone, zfs.DestroyOptions{}))

	w.apply(defaults)
	for _, ds := range []string{bash51, readline81, pkg + "bash/5.1.16", pkg + "readline/8.1.2"} {
		if w.exists(ds) {
			t.Fatalf("%s survived GC", ds)
		}
	}
	for _, ds := range []string{bash52, pkg + "bash", pkg + "readline", w.pkgDataset("readline/8.2.1/1"), w.pkgDataset("ncurses/6.4.0/1")} {
		if !w.exists(ds) {
			t.Fatalf("GC destroyed %s", ds)
		}
	}
}

// A clone of a package's snapshot anywhere in the pool (here outside the store's tree) keeps the
// package: observation reads each snapshot's clones, so the plan leaves the package alone and
// says why, nothing is skipped at apply, and the plan after it is empty.
func TestGCNeverDestroysClonedPackage(t *testing.T) {
	w := gcWorld(t, 100)
	bash51 := w.pkgDataset("bash/5.1.16/1")
	must(t, w.m.Clone(bg, bash51+"@installed", "tank/scratch", nil))
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	_, done, err := w.e.Reconcile(bg, w.cfg(), defaults)
	must(t, err)
	if !w.exists(bash51) || !w.exists(testRoot+"/store/pkg/bash/5.1.16/1") {
		t.Fatal("a cloned package (or its parent) was destroyed")
	}
	if len(done.Skipped) != 0 {
		t.Fatalf("the plan chose a cloned package: skipped %v", done.Skipped)
	}
	if w.exists(testRoot + "/store/pkg/readline/8.1.2") {
		t.Fatal("the package beside it was not collected")
	}
	if plan := w.mustPlan(defaults); !plan.Empty() {
		t.Fatalf("plan after apply is not empty with a cloned package around:\n%s", planText(plan))
	}
	why, err := w.e.Explain(bg, w.cfg(), bash51, defaults)
	must(t, err)
	if !strings.Contains(why, "is the origin of tank/scratch") {
		t.Fatalf("explain: %s", why)
	}
}

func TestGCWholeNameGoes(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	plan := w.mustPlan(defaults)
	pkg := testRoot + "/store/pkg/"
	gc := stepsOf(plan, KindGC)
	if len(gc) != 1 || !slices.Equal(gc[0].Op.(*GCStep).Packages, []string{zlib}) || !slices.Equal(gc[0].Op.(*GCStep).Parents, []string{pkg + "zlib/1.3.1/1", pkg + "zlib/1.3.1", pkg + "zlib"}) {
		t.Fatalf("want zlib and all its parents collected:\n%s", humanPlan(plan))
	}
	if s := gc[0].Summary; !strings.HasPrefix(s, "collect 1 package: zlib 1.3.1-1 (") || !strings.HasSuffix(s, ") (and 3 parent datasets left empty)") {
		t.Fatalf("summary %q", s)
	}
	w.apply(defaults)
	if w.exists(pkg + "zlib") {
		t.Fatal("store/pkg/zlib survived")
	}
}

// A parent container nothing is left in (a package destroyed by hand) is removed on its own.
func TestGCRemovesEmptyParents(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib")+gcHCL("1h", 100))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+gcHCL("1h", 100))
	w.apply(defaults) // removes profile q; zlib is in the grace period
	must(t, w.m.Destroy(bg, w.pkgDataset("zlib/1.3.1/1"), zfs.DestroyOptions{Recursive: true}))
	plan := w.mustPlan(defaults)
	gc := stepsOf(plan, KindGC)
	if len(gc) != 1 || len(gc[0].Op.(*GCStep).Packages) != 0 || len(gc[0].Op.(*GCStep).Parents) != 3 || gc[0].Summary != "remove 3 parent datasets left empty" {
		t.Fatalf("want the empty parents removed:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
}

// More collectable packages than the deletion budget: plan and apply collect none and warn (so
// the plan after a successful apply is empty), naming the count, the budget and the fix; `gc`
// fails and collects nothing, unless --max-deletes allows them.
func TestGCDeletionBudget(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 1))
	w.apply(defaults) // zlib created at 12:00
	w.clk.t = w.clk.t.Add(10 * time.Minute)
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 1))
	w.apply(defaults) // ncurses created at 12:10
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 1))
	w.apply(defaults)
	zlib, ncurses := w.pkgDataset("zlib/1.3.1/1"), w.pkgDataset("ncurses/6.4.0/1")
	w.clk.t = w.clk.t.Add(3 * time.Hour)

	const warning = "2 unreferenced packages are collectable, more than the deletion budget allows (gc.max_deletes = 1); none are collected. Collect them with `axiom-reconcile gc --max-deletes 2`, or raise gc.max_deletes"
	plan := w.mustPlan(defaults)
	if !plan.Empty() || !slices.Contains(plan.Warnings, warning) {
		t.Fatalf("want no steps and the warning %q:\n%s", warning, humanPlan(plan))
	}
	if !strings.Contains(humanPlan(plan), "Warning: "+warning) {
		t.Fatalf("the human plan does not show the warning:\n%s", humanPlan(plan))
	}
	if s, err := w.e.Explain(bg, w.cfg(), ncurses, defaults); err != nil || !strings.Contains(s, "is kept: 2 packages are collectable, more than the deletion budget of 1 (gc.max_deletes); none are collected until `axiom-reconcile gc --max-deletes 2`") {
		t.Fatalf("explain: %s, %v", s, err)
	}
	// --max-deletes raises it.
	if gc := stepsOf(w.mustPlan(PlanOptions{MaxDeletes: Budget(2)}), KindGC); len(gc) != 1 || !slices.Equal(gc[0].Op.(*GCStep).Packages, []string{zlib, ncurses}) {
		t.Fatalf("with --max-deletes 2: %v", gc)
	}
	// apply collects nothing, and the plan after it is empty.
	w.apply(defaults)
	if !w.exists(zlib) || !w.exists(ncurses) {
		t.Fatal("apply collected packages beyond the budget")
	}

	// gc over the budget fails and collects nothing.
	gcOnly := PlanOptions{GCOnly: true}
	calls := w.m.Calls
	_, _, err := w.e.Reconcile(bg, w.cfg(), gcOnly)
	wantPlanError(t, err, "gc would collect 2 unreferenced packages, more than the deletion budget of 1 (gc.max_deletes); nothing was collected. If that is intended, run again with --max-deletes 2")
	if w.m.Calls != calls || !w.exists(zlib) || !w.exists(ncurses) {
		t.Fatal("gc over the budget changed something")
	}
	// gc --explain still explains.
	if s, err := w.e.Explain(bg, w.cfg(), zlib, gcOnly); err != nil || !strings.Contains(s, "more than the deletion budget of 1") {
		t.Fatalf("explain: %s, %v", s, err)
	}
	// gc --max-deletes 2 collects both, oldest first.
	plan, _, err = w.e.Reconcile(bg, w.cfg(), PlanOptions{MaxDeletes: Budget(2), GCOnly: true})
	must(t, err)
	if gc := stepsOf(plan, KindGC); len(gc) != 1 || !slices.Equal(gc[0].Op.(*GCStep).Packages, []string{zlib, ncurses}) || w.exists(zlib) || w.exists(ncurses) {
		t.Fatalf("gc --max-deletes 2:\n%s", humanPlan(plan))
	}
	if p := w.mustPlan(defaults); !p.Empty() || len(p.Warnings) != 0 {
		t.Fatalf("plan after gc:\n%s", humanPlan(p))
	}
}

// Removals spend the deletion budget before GC does.
func TestGCBudgetAfterRemovals(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+profileHCL("q", "zlib")+gcHCL("1h", 1))
	w.apply(defaults)
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	w.write("main.hcl", profileHCL("p", "make")+gcHCL("1h", 1))
	plan := w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindRemoveProfile}) {
		t.Fatalf("steps %v:\n%s", got, humanPlan(plan))
	}
	if !strings.Contains(strings.Join(plan.Warnings, "\n"), "1 unreferenced packages are collectable, more than the deletion budget allows (gc.max_deletes = 1, 1 of it spent on removals)") {
		t.Fatalf("warnings %q", plan.Warnings)
	}
	plan = w.mustPlan(PlanOptions{MaxDeletes: Budget(2)})
	if got := kinds(plan); !slices.Equal(got, []Kind{KindRemoveProfile, KindGC}) {
		t.Fatalf("with --max-deletes 2, steps %v:\n%s", got, humanPlan(plan))
	}
}

// `gc` plans no removals, so undeclared profiles and environments neither cost it budget nor
// fail it.
func TestGCOnlyIgnoresRemovals(t *testing.T) {
	others := profileHCL("q", "ncurses") + profileHCL("r", "ncurses")
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+others+gcHCL("1h", 1))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+others+gcHCL("1h", 1))
	w.apply(defaults) // zlib is unreferenced now, within the grace period
	zlib := w.pkgDataset("zlib/1.3.1/1")
	w.write("main.hcl", profileHCL("p", "make")+gcHCL("1h", 1)) // q and r: 2 removals, budget 1
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	if _, err := w.plan(defaults); err == nil || !strings.Contains(err.Error(), "remove 2 profiles and environments") {
		t.Fatalf("the full plan should be over the budget: %v", err)
	}
	plan, _, err := w.e.Reconcile(bg, w.cfg(), PlanOptions{GCOnly: true})
	must(t, err)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindGC}) || !slices.Equal(plan.Steps[0].Op.(*GCStep).Packages, []string{zlib}) || w.exists(zlib) {
		t.Fatalf("gc with 2 removals pending and a budget of 1:\n%s", humanPlan(plan))
	}
	if !w.exists(testRoot+"/profiles/q") || !w.exists(testRoot+"/profiles/r") {
		t.Fatal("gc removed a profile")
	}
}

func TestGCOnlyKeepsLocksOnDisk(t *testing.T) {
	main := profileHCL("p", "make") + envHCL("e", "p") + gcHCL("1h", 100)
	w := newWorld(t, "", main+profileHCL("tools", "zlib"))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	w.write("main.hcl", main) // profile tools is no longer declared, not removed yet
	w.clk.t = w.clk.t.Add(2 * time.Hour)

	// A full plan removes the profile, and with it the last reference to zlib.
	plan := w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindRemoveProfile, KindGC}) || !slices.Equal(stepsOf(plan, KindGC)[0].Op.(*GCStep).Packages, []string{zlib}) {
		t.Fatalf("full plan:\n%s", humanPlan(plan))
	}
	// `gc` runs nothing else: the profile's lock on disk is still a root.
	gcOnly := PlanOptions{GCOnly: true}
	if p := w.mustPlan(gcOnly); !p.Empty() {
		t.Fatalf("GC-only plan:\n%s", humanPlan(p))
	}
	s, err := w.e.Explain(bg, w.cfg(), zlib, gcOnly)
	must(t, err)
	if !strings.Contains(s, "is kept: it is referenced by the lock of profile tools on disk") {
		t.Fatalf("explain: %s", s)
	}
	// GC-only plans have no other kinds of steps, whatever else drifted.
	must(t, w.m.Create(bg, testRoot+"/tmp/pkg-x-1", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy}}))
	w.write("main.hcl", main+profileHCL("new", "ncurses"))
	p := w.mustPlan(gcOnly)
	if got := kinds(p); !slices.Equal(got, []Kind{KindCleanTemp}) {
		t.Fatalf("GC-only plan steps %v:\n%s", got, humanPlan(p))
	}
}

// GC-only plans keep the packages of every existing generation, even one the configuration
// would prune.
func TestGCOnlyKeepsGenerations(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make", "zlib")+envHCL("e", "p", "keep_generations = 2")+gcHCL("1h", 100))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 2")+gcHCL("1h", 100))
	w.apply(defaults)
	zlib := w.pkgDataset("zlib/1.3.1/1")
	// The configuration now keeps one generation; gen-1 (with zlib) is still on disk.
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	gcOnly := PlanOptions{GCOnly: true}
	if p := w.mustPlan(gcOnly); !p.Empty() {
		t.Fatalf("GC-only plan:\n%s", humanPlan(p))
	}
	s, err := w.e.Explain(bg, w.cfg(), zlib, gcOnly)
	must(t, err)
	if !strings.Contains(s, "referenced by generation "+testRoot+"/env/e/gen-1") {
		t.Fatalf("explain: %s", s)
	}
	// The full plan prunes gen-1 and collects zlib in the same pass (the prune releases its hold).
	plan := w.mustPlan(defaults)
	if got := kinds(plan); !slices.Equal(got, []Kind{KindPrune, KindGC}) {
		t.Fatalf("full plan steps %v:\n%s", got, humanPlan(plan))
	}
	w.apply(defaults)
	if w.exists(zlib) {
		t.Fatal("zlib survived")
	}
}

func TestExplainNonPackages(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make"))
	w.apply(defaults)
	s, err := w.e.Explain(bg, w.cfg(), testRoot+"/store/pkg/make", defaults)
	must(t, err)
	if !strings.Contains(s, "is a filesystem in the tree, not a package") {
		t.Fatalf("explain: %s", s)
	}
	if _, err := w.e.Explain(bg, w.cfg(), testRoot+"/store/pkg/nothing", defaults); err == nil || !strings.Contains(err.Error(), "no such package") {
		t.Fatalf("explain of a missing dataset: %v", err)
	}
}

func TestRollbackOnModel(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	envDS := testRoot + "/env/e"
	current := func() string {
		t.Helper()
		cur, err := os.Readlink(filepath.Join(w.mp, "env", "e", "current"))
		must(t, err)
		return cur
	}
	pin := func() (string, bool) {
		t.Helper()
		tree, err := w.m.Observe(bg, envDS)
		must(t, err)
		d, _ := tree.Get(envDS)
		return d.Local(layout.PropPinned)
	}

	from, to, err := w.e.Rollback(bg, w.cfg(), "e", 0)
	must(t, err)
	if from != 2 || to != 1 || current() != "gen-1" {
		t.Fatalf("rollback %d -> %d, current %s", from, to, current())
	}
	if k, ok := pin(); !ok || k != "1" {
		t.Fatalf("pin %q %v", k, ok)
	}
	plan := w.mustPlan(defaults)
	if !plan.Empty() || len(plan.Notes) != 1 || !strings.Contains(plan.Notes[0], "environment e is pinned at gen-1 by rollback; the configuration resolves to gen-2") {
		t.Fatalf("plan after rollback:\n%s", humanPlan(plan))
	}
	st, err := w.e.Status(bg, w.cfg())
	must(t, err)
	if e := st.Environments[0]; e.Pinned != 1 || e.Current != 1 || len(st.Pending) != 0 {
		t.Fatalf("status after rollback: %+v, pending %v", e, st.Pending)
	}

	// Rolling back to the generation the configuration wants drops the pin.
	from, to, err = w.e.Rollback(bg, w.cfg(), "e", 2)
	must(t, err)
	if from != 1 || to != 2 || current() != "gen-2" {
		t.Fatalf("rollback %d -> %d, current %s", from, to, current())
	}
	if k, ok := pin(); ok {
		t.Fatalf("the pin stayed: %q", k)
	}
	if plan := w.mustPlan(defaults); !plan.Empty() || len(plan.Notes) != 0 {
		t.Fatalf("plan after rolling forward:\n%s", humanPlan(plan))
	}

	// Pinned again, a configuration change moves on and drops the pin.
	_, _, err = w.e.Rollback(bg, w.cfg(), "e", 1)
	must(t, err)
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+envHCL("e", "p"))
	plan = w.mustPlan(defaults)
	act := stepsOf(plan, KindActivate)
	if len(act) != 1 || !act[0].Op.(*ActivateStep).Unpin || act[0].Op.(*ActivateStep).Generation != 3 || act[0].Reason != "the configuration changed since the rollback to gen-1" {
		t.Fatalf("want gen-3 activated and unpinned:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
	if _, ok := pin(); ok || current() != "gen-3" {
		t.Fatalf("after moving on: current %s, pinned %v", current(), ok)
	}

	// Back to gen-1's configuration while pinned to gen-2: gen-1 is what it wants, so it is
	// activated and the pin goes.
	_, _, err = w.e.Rollback(bg, w.cfg(), "e", 2)
	must(t, err)
	w.write("main.hcl", profileHCL("p", "make")+envHCL("e", "p"))
	plan = w.mustPlan(defaults)
	if act := stepsOf(plan, KindActivate); len(act) != 1 || !act[0].Op.(*ActivateStep).Unpin || act[0].Op.(*ActivateStep).Generation != 1 || len(stepsOf(plan, KindRealize)) != 0 {
		t.Fatalf("want gen-1 activated and unpinned:\n%s", humanPlan(plan))
	}
	w.apply(defaults)
}

func TestRollbackErrors(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p")+envHCL("f", "p"))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p")+envHCL("f", "p"))
	w.apply(defaults)
	// f has only gen-1 and gen-2 after that too; give f a single generation by pruning.
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p")+envHCL("f", "p", "keep_generations = 1"))
	w.apply(defaults)
	must(t, w.m.Create(bg, testRoot+"/env/alien", zfs.CreateOptions{}))

	for _, tc := range []struct {
		env  string
		to   int
		want string
	}{
		{"nope", 0, `environment "nope" does not exist in ` + testRoot + "/env"},
		{"alien", 0, testRoot + "/env/alien is not managed by axiom-reconcile"},
		{"f", 0, `environment "f" has no generation older than gen-2 to roll back to`},
		{"e", 9, `environment "e" has no complete generation 9; it has gen-1, gen-2`},
		{"f", 1, `environment "f" has no complete generation 1; it has gen-2`},
	} {
		calls := w.m.Calls
		_, _, err := w.e.Rollback(bg, w.cfg(), tc.env, tc.to)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("rollback %s --to %d: %v, want %q", tc.env, tc.to, err, tc.want)
		}
		if w.m.Calls != calls {
			t.Errorf("rollback %s --to %d changed ZFS", tc.env, tc.to)
		}
	}
	// To the current generation: nothing to do, nothing pinned.
	from, to, err := w.e.Rollback(bg, w.cfg(), "e", 2)
	if err != nil || from != 2 || to != 2 {
		t.Fatalf("rollback to current: %d -> %d, %v", from, to, err)
	}
	if p := w.mustPlan(defaults); !p.Empty() || len(p.Notes) != 0 {
		t.Fatalf("plan:\n%s", humanPlan(p))
	}
}

// conflictSource is a source of three tiny packages: a and b ship bin/tool with different
// content, c ships it with a's content.
func conflictSource(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	for name, content := range map[string]string{"a": "from a\n", "b": "from b\n", "c": "from a\n"} {
		dir := filepath.Join(src, name)
		must(t, os.MkdirAll(filepath.Join(dir, "root", "bin"), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("name: "+name+"\nversion: 1.0.0\nrevision: 1\n"), 0o644))
		must(t, os.WriteFile(filepath.Join(dir, "root", "bin", "tool"), []byte(content), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "root", "bin", name), []byte(name+"\n"), 0o755))
	}
	return src
}

func TestConflictPolicies(t *testing.T) {
	src := conflictSource(t)
	for _, tc := range []struct {
		name   string
		pkgs   []string
		policy string
		err    []string
		files  map[string]string // path in the generation -> content
	}{
		{name: "error", pkgs: []string{"a", "b"}, policy: "error",
			err: []string{`environment "e"`, "1 file conflict:", "bin/tool: a 1.0.0-1 (", ") and b 1.0.0-1 (", "different content"}},
		{name: "default is error", pkgs: []string{"b", "a"}, policy: "",
			err: []string{"bin/tool: b 1.0.0-1 (", ") and a 1.0.0-1 ("}},
		{name: "same content is no conflict", pkgs: []string{"a", "c"}, policy: "error",
			files: map[string]string{"bin/tool": "from a\n", "bin/a": "a\n", "bin/c": "c\n"}},
		{name: "priority", pkgs: []string{"a", "b"}, policy: "priority",
			files: map[string]string{"bin/tool": "from a\n", "bin/a": "a\n", "bin/b": "b\n", "bin/tool.b": ""}},
		{name: "priority, b first", pkgs: []string{"b", "a"}, policy: "priority",
			files: map[string]string{"bin/tool": "from b\n"}},
		{name: "keep-both", pkgs: []string{"a", "b"}, policy: "keep-both",
			files: map[string]string{"bin/tool": "from a\n", "bin/tool.b": "from b\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var extra []string
			if tc.policy != "" {
				extra = append(extra, `conflict_policy = "`+tc.policy+`"`)
			}
			w := newWorld(t, src, profileHCL("p", tc.pkgs...)+envHCL("e", "p", extra...))
			if tc.err != nil {
				_, err := w.plan(defaults)
				wantPlanError(t, err, tc.err...)
				return
			}
			plan := w.apply(defaults)
			if r := stepsOf(plan, KindRealize); len(r) != 1 || !strings.HasPrefix(r[0].Op.(*RealizeStep).Packages[0], tc.pkgs[0]+"/") || r[0].Op.(*RealizeStep).Policy != tc.policy {
				t.Fatalf("the realize step does not list the first declared package first:\n%s", humanPlan(plan))
			}
			for path, want := range tc.files {
				b, err := os.ReadFile(filepath.Join(w.mp, "env", "e", "current", filepath.FromSlash(path)))
				if want == "" {
					if err == nil {
						t.Errorf("%s exists", path)
					}
					continue
				}
				if err != nil || string(b) != want {
					t.Errorf("%s: %q, %v; want %q", path, b, err, want)
				}
			}
		})
	}
}

func TestSavedPlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		// move changes something after the plan is saved and returns a line the
		// StalePlanError must start with; "" means the plan applies.
		move func(w *world) string
	}{
		{name: "nothing moved", move: func(*world) string { return "" }},
		{name: "a dataset appeared", move: func(w *world) string {
			must(w.t, w.m.Create(bg, testRoot+"/env/other", zfs.CreateOptions{}))
			return "state: dataset " + testRoot + "/env/other appeared"
		}},
		{name: "a dataset is gone", move: func(w *world) string {
			must(w.t, w.m.Destroy(bg, testRoot+"/tmp", zfs.DestroyOptions{}))
			return "state: dataset " + testRoot + "/tmp is gone"
		}},
		{name: "a property changed", move: func(w *world) string {
			must(w.t, w.m.SetProps(bg, testRoot+"/env/e", zfs.Props{"axiom:note": "x"}))
			return "state: dataset " + testRoot + "/env/e changed"
		}},
		{name: "a hold was placed", move: func(w *world) string {
			snap := w.pkgDataset("make/4.4.1/1") + "@installed"
			must(w.t, w.m.Hold(bg, "backup", snap))
			return "state: dataset " + snap + " changed"
		}},
		{name: "the lock file changed", move: func(w *world) string {
			path := filepath.Join(w.mp, "profiles", "p", layout.LockFile)
			must(w.t, os.WriteFile(path, []byte("# edited\n"), 0o644))
			return "state: file " + path + " changed"
		}},
		{name: "current was switched", move: func(w *world) string {
			must(w.t, SwitchLink(filepath.Join(w.mp, "env", "e"), "current", "gen-9"))
			return "state: link " + filepath.Join(w.mp, "env", "e", "current") + " changed"
		}},
		{name: "a config file changed", move: func(w *world) string {
			w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p")+"# edited\n")
			return "configuration: config main.hcl changed"
		}},
		{name: "a config file appeared", move: func(w *world) string {
			w.write("extra.hcl", "# nothing\n")
			return "configuration: config extra.hcl appeared"
		}},
		{name: "a source package appeared", move: func(w *world) string {
			addVersion(w.t, w.src, "make-4.4.1", "4.4.9")
			return "configuration: source package make/4.4.9/1/"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, plan := pendingPlan(t)
			saved := saveAndLoad(t, plan)

			want := tc.move(w)
			calls := w.m.Calls
			done, err := w.e.ApplySaved(bg, w.cfg(), saved)
			if want != "" {
				var stale *StalePlanError
				if !errors.As(err, &stale) {
					t.Fatalf("want a *StalePlanError, got %v", err)
				}
				if !slices.ContainsFunc(stale.Moved, func(m string) bool { return strings.HasPrefix(m, want) }) {
					t.Fatalf("the stale plan error does not say %q:\n%v", want, err)
				}
				if w.m.Calls != calls || done != nil {
					t.Fatal("a stale plan was applied")
				}
				return
			}
			must(t, err)
			if done.Steps != len(plan.Steps) || done.ByKind[KindRealize] != 1 {
				t.Fatalf("applied %+v of %d steps", done, len(plan.Steps))
			}
			if again := w.mustPlan(defaults); !again.Empty() {
				t.Fatalf("plan after applying a saved plan:\n%s", humanPlan(again))
			}
		})
	}
}

func TestSavedPlanForAnotherStore(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make"))
	plan := w.mustPlan(defaults)
	plan.Store = "other/axiom"
	_, err := w.e.ApplySaved(bg, w.cfg(), plan)
	var stale *StalePlanError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "the plan is for other/axiom, the configuration for "+testRoot) {
		t.Fatalf("applying a plan for another store: %v", err)
	}
}

func TestStatusOnModel(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	st, err := w.e.Status(bg, w.cfg())
	must(t, err)
	if st.Exists || len(st.Pending) == 0 || st.PlanError != "" {
		t.Fatalf("status before the first apply: %+v", st)
	}

	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	st, err = w.e.Status(bg, w.cfg())
	must(t, err)
	if !st.Exists || st.Store != testRoot || st.Mountpoint != w.mp {
		t.Fatalf("status: %+v", st)
	}
	if p := st.Packages; p.Total != 2 || p.Managed != 2 || p.Held != 2 || p.SignedBy != nil {
		t.Fatalf("packages %+v", st.Packages)
	}
	if len(st.Profiles) != 1 || st.Profiles[0].Packages != 2 || !st.Profiles[0].Declared || !st.Profiles[0].Managed || st.Profiles[0].LockDigest == "" {
		t.Fatalf("profiles %+v", st.Profiles)
	}
	if len(st.Environments) != 1 {
		t.Fatalf("environments %+v", st.Environments)
	}
	e := st.Environments[0]
	if e.Name != "e" || e.Profile != "p" || e.Current != 2 || e.Pinned != 0 || len(e.Generations) != 2 ||
		e.Generations[0].Current || !e.Generations[1].Current || e.Generations[1].Packages != 2 || !e.Generations[0].Complete {
		t.Fatalf("environment %+v", e)
	}
	if len(st.Pending) != 0 || st.PlanError != "" {
		t.Fatalf("drift after apply: %v %s", st.Pending, st.PlanError)
	}
	var b strings.Builder
	st.WriteHuman(&b)
	if !strings.Contains(b.String(), "Drift: none") || !strings.Contains(b.String(), "current gen-2") {
		t.Fatalf("status:\n%s", b.String())
	}

	// A configuration change is pending.
	w.write("main.hcl", profileHCL("p", "make", "ncurses")+envHCL("e", "p"))
	st, err = w.e.Status(bg, w.cfg())
	must(t, err)
	if !slices.Contains(st.Pending, "+ Environment e: realize gen-3 from profile p (2 packages)") || !slices.Contains(st.Pending, "~ Environment e: activate gen-3") {
		t.Fatalf("pending %q", st.Pending)
	}
	b.Reset()
	st.WriteHuman(&b)
	if !strings.Contains(b.String(), "changes pending") {
		t.Fatalf("status:\n%s", b.String())
	}

	// An undeclared environment shows, and a plan error is reported rather than returned.
	must(t, w.m.Create(bg, testRoot+"/env/alien", zfs.CreateOptions{}))
	must(t, w.m.Create(bg, testRoot+"/profiles/p2", zfs.CreateOptions{}))
	w.write("main.hcl", profileHCL("p", "make")+profileHCL("p2", "make")+envHCL("e", "p"))
	st, err = w.e.Status(bg, w.cfg())
	must(t, err)
	if !strings.Contains(st.PlanError, testRoot+"/profiles/p2") {
		t.Fatalf("plan error %q", st.PlanError)
	}
	if len(st.Environments) != 2 || st.Environments[0].Name != "alien" || st.Environments[0].Declared || st.Environments[0].Managed {
		t.Fatalf("environments %+v", st.Environments)
	}
}

// A saved plan whose steps were edited is refused, though its digests still match: the steps
// that would run are not the ones planned and shown.
func TestSavedPlanWithEditedStepsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, p *Plan)
	}{
		{"a file's content", func(t *testing.T, p *Plan) {
			i := slices.IndexFunc(p.Steps, func(s Step) bool { return is[*WriteStep](s) })
			p.Steps[i].Op.(*WriteStep).Content = "# injected\n"
		}},
		{"a file's path", func(t *testing.T, p *Plan) {
			i := slices.IndexFunc(p.Steps, func(s Step) bool { return is[*WriteStep](s) })
			p.Steps[i].Op.(*WriteStep).Path = filepath.Join(t.TempDir(), "elsewhere")
		}},
		{"a step dropped", func(t *testing.T, p *Plan) { p.Steps = p.Steps[1:] }},
		{"a step repeated", func(t *testing.T, p *Plan) { p.Steps = append(p.Steps, p.Steps[0]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, plan := pendingPlan(t)
			tc.edit(t, plan)
			saved := saveAndLoad(t, plan)
			calls := w.m.Calls
			done, err := w.e.ApplySaved(bg, w.cfg(), saved)
			var stale *StalePlanError
			if !errors.As(err, &stale) || !strings.Contains(err.Error(), "the steps: they are not what this configuration and ZFS state plan to") {
				t.Fatalf("want the edited plan refused, got %v", err)
			}
			if w.m.Calls != calls || done != nil {
				t.Fatal("an edited plan was applied")
			}
		})
	}
}

// A saved plan is checked against the plan as of when it was made: time passing alone (a
// package's grace period ending meanwhile) neither makes it stale nor adds to what it does.
func TestSavedPlanAppliesAfterTimePasses(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "bash ~5.1")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	w.apply(defaults)
	w.clk.t = w.clk.t.Add(10 * time.Minute)
	w.write("main.hcl", profileHCL("p", "bash ~5.2")+envHCL("e", "p", "keep_generations = 1")+gcHCL("1h", 100))
	plan := w.mustPlan(defaults)
	if len(stepsOf(plan, KindPrune)) != 1 || len(stepsOf(plan, KindGC)) != 0 {
		t.Fatalf("want gen-1 pruned and nothing collected within the grace period:\n%s", humanPlan(plan))
	}
	saved := saveAndLoad(t, plan)

	w.clk.t = w.clk.t.Add(2 * time.Hour) // bash 5.1 would now be collectable
	done, err := w.e.ApplySaved(bg, w.cfg(), saved)
	must(t, err)
	if done.Steps != len(plan.Steps) || done.ByKind[KindGC] != 0 {
		t.Fatalf("applied %+v, want exactly the plan's %d steps", done, len(plan.Steps))
	}
	if again := w.mustPlan(defaults); len(stepsOf(again, KindGC)) != 1 {
		t.Fatalf("the next plan should collect what the grace period now allows:\n%s", humanPlan(again))
	}
}

// saveAndLoad saves plan to a file and reads it back, as `plan --out` and `apply PLANFILE` do.
func saveAndLoad(t *testing.T, plan *Plan) *Plan {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	must(t, plan.Save(path))
	saved, err := LoadPlan(path)
	must(t, err)
	return saved
}

// pendingPlan applies profile p (make) with environment e, then adds zlib to p and plans: a plan
// with an import, a lock, a new generation and its activation still to do.
func pendingPlan(t *testing.T) (*world, *Plan) {
	t.Helper()
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.apply(defaults)
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	return w, w.mustPlan(defaults)
}

// Every applied step is logged once, with its kind, target and time in seconds (like every other
// duration the reconciler reports).
func TestApplyLogsEveryStep(t *testing.T) {
	var buf bytes.Buffer
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	w.e.Log = zerolog.New(&buf)
	plan := w.apply(defaults)
	var logged int
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var line map[string]any
		must(t, json.Unmarshal(sc.Bytes(), &line))
		if _, ok := line["kind"]; !ok {
			continue
		}
		logged++
		target, _ := line["target"].(string)
		if s, ok := line["took_seconds"].(float64); !ok || s < 0 || target == "" {
			t.Errorf("step log line %s: want kind, target and took_seconds", sc.Bytes())
		}
	}
	if logged != len(plan.Steps) {
		t.Errorf("%d step log lines for %d steps", logged, len(plan.Steps))
	}
}
