package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// The planner's scenarios that need an apply to show what they check, on the in-memory model:
// what an apply leaves (datasets, directories, holds, files), what a failed plan does not do,
// rollback, saved plans, status. What a plan decides is in TestPlannerGolden (planner_test.go).

// TestApplyOnModel: from a state the model reached (base, then drift made with model commands),
// apply main.hcl = hcl and check what is left. Every apply also checks the plan after it is
// empty.
func TestApplyOnModel(t *testing.T) {
	for _, tc := range applyCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", "")
			for _, b := range tc.base {
				b(w)
			}
			if tc.hcl != "" {
				w.write("main.hcl", tc.hcl)
			}
			var v any
			if tc.drift != nil {
				v = tc.drift(w)
			}
			w.clk.t = w.clk.t.Add(tc.after)
			plan := w.apply(defaults)
			tc.check(t, w, plan, v)
		})
	}
}

// applyCase is a row of TestApplyOnModel. drift returns what check needs to know of it.
type applyCase struct {
	name  string
	base  []func(*world)
	hcl   string
	drift func(w *world) any
	after time.Duration
	check func(t *testing.T, w *world, plan *Plan, v any)
}

func applyCases() []applyCase {
	return append([]applyCase{
		{name: "remove-undeclared-environment",
			base: []func(*world){applied(profileHCL("p", "make") + profileHCL("q", "ncurses") + envHCL("e", "p") + envHCL("f", "q"))},
			hcl:  profileHCL("p", "make") + profileHCL("q", "ncurses") + envHCL("e", "p"),
			check: func(t *testing.T, w *world, _ *Plan, _ any) {
				if w.exists(testRoot + "/env/f") {
					t.Fatal("env/f survived its removal")
				}
				if _, err := os.Stat(filepath.Join(w.mp, "env", "f")); !os.IsNotExist(err) {
					t.Fatalf("env/f's directory is still there: %v", err)
				}
				if h := w.holds(w.pkgDataset("ncurses/6.4.0/1") + "@installed"); !slices.Equal(h, []string{"axiom-profile:q"}) {
					t.Fatalf("ncurses holds after its only environment went: %v; want its profile's only", h)
				}
				if !w.exists(testRoot + "/env/e/gen-1") {
					t.Fatal("the declared environment went too")
				}
			}},
		{name: "clean-temporary-datasets", base: []func(*world){applied(profileHCL("p", "make") + envHCL("e", "p"))},
			drift: func(w *world) any {
				ours := testRoot + "/tmp/gen-e-2-deadbeef"
				must(w.t, w.m.Create(bg, ours, zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindGeneration}}))
				must(w.t, w.m.Snapshot(bg, ours+"@realized"))
				must(w.t, w.m.Create(bg, testRoot+"/tmp/someone-elses", zfs.CreateOptions{}))
				return ours
			},
			check: func(t *testing.T, w *world, _ *Plan, v any) {
				ours := v.(string)
				if w.exists(ours) || w.exists(ours+"@realized") {
					t.Fatal("the temporary dataset survived")
				}
				if !w.exists(testRoot + "/tmp/someone-elses") {
					t.Fatal("an unmanaged dataset in tmp was destroyed")
				}
				note := testRoot + "/tmp/someone-elses is not managed by axiom-reconcile; it is left alone"
				if p := w.mustPlan(defaults); !slices.Contains(p.Notes, note) {
					t.Fatalf("the note went: %q", p.Notes)
				}
			}},
	}, append(gcApplyCases(), holdApplyCases()...)...)
}

// gcApplyCases: what GC leaves (the plans are in the gc-* golden cases).
func gcApplyCases() []applyCase {
	return []applyCase{
		{name: "gc-grace-ended", base: gcBase(100), after: 50 * time.Minute,
			check: func(t *testing.T, w *world, _ *Plan, _ any) {
				pkg := testRoot + "/store/pkg/"
				for _, ds := range []string{pkg + "bash/5.1.16", pkg + "readline/8.1.2"} {
					if w.exists(ds) {
						t.Fatalf("%s survived GC", ds)
					}
				}
				for _, ds := range []string{w.pkgDataset("bash/5.2.21/1"), pkg + "bash", pkg + "readline", w.pkgDataset("readline/8.2.1/1"), w.pkgDataset("ncurses/6.4.0/1")} {
					if !w.exists(ds) {
						t.Fatalf("GC destroyed %s", ds)
					}
				}
			}},
		// A clone anywhere in the pool keeps the package: the plan leaves it alone, so nothing is
		// skipped at apply (w.apply checked the plan after it is empty).
		{name: "gc-clone-outside-store", base: gcBase(100), after: 2 * time.Hour,
			drift: func(w *world) any {
				bash51 := w.pkgDataset("bash/5.1.16/1")
				must(w.t, w.m.Clone(bg, bash51+"@installed", "tank/scratch", nil))
				return bash51
			},
			check: func(t *testing.T, w *world, plan *Plan, v any) {
				if !w.exists(v.(string)) || !w.exists(testRoot+"/store/pkg/bash/5.1.16/1") {
					t.Fatal("a cloned package (or its parent) was destroyed")
				}
				if w.exists(testRoot + "/store/pkg/readline/8.1.2") {
					t.Fatalf("the package beside it was not collected:\n%s", humanPlan(plan))
				}
			}},
		{name: "gc-whole-name", base: []func(*world){
			applied(profileHCL("p", "make", "zlib") + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", 100)),
			applied(profileHCL("p", "make") + envHCL("e", "p", "keep_generations = 1") + gcHCL("1h", 100)),
		}, after: 2 * time.Hour,
			check: func(t *testing.T, w *world, _ *Plan, _ any) {
				if w.exists(testRoot + "/store/pkg/zlib") {
					t.Fatal("store/pkg/zlib survived")
				}
			}},
	}
}

// holdApplyCases: the holds a snapshot has after the apply that repairs their drift (the plans
// are in the hold-drift-* golden cases).
func holdApplyCases() []applyCase {
	var out []applyCase
	for _, tc := range []struct {
		name  string
		drift func(w *world, snap string)
		after []string
	}{
		{"released-by-someone", func(w *world, snap string) { must(w.t, w.m.Release(bg, "axiom-env:e:1", snap)) }, []string{"axiom-env:e:1", "axiom-profile:p"}},
		{"leaked-by-missing-generation", func(w *world, snap string) { must(w.t, w.m.Hold(bg, "axiom-env:ghost:7", snap)) }, []string{"axiom-env:e:1", "axiom-profile:p"}},
		{"all-at-once", func(w *world, snap string) {
			must(w.t, w.m.Release(bg, "axiom-env:e:1", snap))
			must(w.t, w.m.Hold(bg, "axiom-env:e:2", snap))
			must(w.t, w.m.Hold(bg, "backup", snap))
		}, []string{"axiom-env:e:1", "axiom-profile:p", "backup"}},
		{"foreign-tag", func(w *world, snap string) { must(w.t, w.m.Hold(bg, "backup", snap)) }, []string{"axiom-env:e:1", "axiom-profile:p", "backup"}},
		{"foreign-tag-like-ours", func(w *world, snap string) { must(w.t, w.m.Hold(bg, "axiom-env:e:latest", snap)) }, []string{"axiom-env:e:1", "axiom-env:e:latest", "axiom-profile:p"}},
	} {
		out = append(out, applyCase{name: "hold-drift-" + tc.name,
			base: []func(*world){applied(profileHCL("p", "make") + envHCL("e", "p") + profileHCL("q", "zlib"))},
			drift: func(w *world) any {
				snap := w.pkgDataset("make/4.4.1/1") + "@installed"
				tc.drift(w, snap)
				return snap
			},
			check: func(t *testing.T, w *world, _ *Plan, v any) {
				if got := w.holds(v.(string)); !slices.Equal(got, tc.after) {
					t.Fatalf("holds after apply: %v, want %v", got, tc.after)
				}
			}})
	}
	return out
}

// A plan that fails (here: an unmanaged dataset in the way, see the in-the-way-* golden cases)
// applies nothing: no zfs command runs and what is in the way stays.
func TestFailedPlanAppliesNothing(t *testing.T) {
	base := profileHCL("base", "make")
	for _, tc := range []struct {
		name   string
		config string
		plant  func(w *world) string // creates what is in the way and returns its name
	}{
		{"profile", base + profileHCL("dev", "zlib"), func(w *world) string {
			must(w.t, w.m.Create(bg, testRoot+"/profiles/dev", zfs.CreateOptions{}))
			return testRoot + "/profiles/dev"
		}},
		{"environment", base + envHCL("dev", "base"), func(w *world) string {
			must(w.t, w.m.Create(bg, testRoot+"/env/dev", zfs.CreateOptions{}))
			return testRoot + "/env/dev"
		}},
		{"temporary container", base, func(w *world) string {
			must(w.t, w.m.Destroy(bg, testRoot+"/tmp", zfs.DestroyOptions{}))
			must(w.t, w.m.Create(bg, testRoot+"/tmp", zfs.CreateOptions{}))
			return testRoot + "/tmp"
		}},
		{"package", base + profileHCL("more", "zlib"), func(w *world) string {
			imports := stepsOf(w.mustPlan(defaults), KindImport)
			if len(imports) != 1 {
				w.t.Fatalf("want one import, got %d", len(imports))
			}
			must(w.t, w.m.Create(bg, imports[0].Target, zfs.CreateOptions{Parents: true}))
			return imports[0].Target
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, "", base)
			w.apply(defaults)
			w.write("main.hcl", tc.config)
			ds := tc.plant(w)
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

func equalHolds(a map[layout.Tag][]layout.Snapshot, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(slices.Sorted(slices.Values(layout.Strings(v))), slices.Sorted(slices.Values(b[string(k)]))) {
			return false
		}
	}
	return true
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
