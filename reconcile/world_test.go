package reconcile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/treedigest"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The worlds the planner's and the engine's tests run in: a configuration directory and an engine
// on the in-memory model. Configurations are small (mostly sample packages
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
	// digested are the generations checkContentDigests has checked (each once, after the apply
	// that realized it: tests damage generations on purpose later).
	digested map[string]bool
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
	w.checkContentDigests()
	return plan
}

// checkContentDigests: the content digest every new generation records, computed by realize
// from the merge and its packages' file hashes, is the digest of its files read from disk.
func (w *world) checkContentDigests() {
	w.t.Helper()
	tree, err := w.m.Observe(bg, testRoot)
	must(w.t, err)
	for _, d := range tree.Datasets {
		want, ok := d.Local(layout.PropContentDigest)
		if !ok || strings.Contains(d.Name, "@") || w.digested[d.Name] {
			continue
		}
		if w.digested == nil {
			w.digested = map[string]bool{}
		}
		w.digested[d.Name] = true
		dir := filepath.Join(w.mp, strings.TrimPrefix(d.Name, testRoot+"/"))
		got, err := treedigest.Digest(bg, dir)
		must(w.t, err)
		if got != want {
			w.t.Fatalf("%s records content digest %s; its files have %s", d.Name, want, got)
		}
	}
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
