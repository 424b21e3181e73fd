package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

var update = flag.Bool("update", false, "rewrite reconcile/testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Fatalf("%s differs (-want +got; run with -update to accept):\n%s", path, diff)
	}
}

// fleetWorld is examples/fleet-host (a copy, to edit) on the model.
func fleetWorld(t *testing.T) (*world, string) {
	t.Helper()
	examples := t.TempDir()
	copyDir(t, filepath.Join("..", "examples"), examples)
	w := newWorld(t, filepath.Join(examples, "packages"), "")
	w.dir = filepath.Join(examples, "fleet-host")
	return w, examples
}

// edit replaces from with to in a configuration file.
func (w *world) edit(file, from, to string) {
	w.t.Helper()
	p := filepath.Join(w.dir, file)
	b, err := os.ReadFile(p)
	must(w.t, err)
	if !strings.Contains(string(b), from) {
		w.t.Fatalf("%s has no %q", file, from)
	}
	must(w.t, os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644))
}

// normalised is a plan's human form with the temp directories replaced by fixed names.
func normalised(p *Plan, w *world, examples string) string {
	s := humanPlan(p)
	s = strings.ReplaceAll(s, w.mp, "/axiom")
	return strings.ReplaceAll(s, examples, "<examples>")
}

// The plans of examples/fleet-host, as people read them: the first one (everything to create),
// and one after a week in which most kinds of change happened.
func TestWriteHumanGolden(t *testing.T) {
	w, examples := fleetWorld(t)
	first := w.mustPlan(defaults)
	golden(t, "fleet-host-create.golden", normalised(first, w, examples))
	w.apply(defaults)

	// A week later: admin moves to vim 9.0 and drops git, and is protected now; rescue (and
	// its profile) goes; an interrupted pass left a temporary dataset and a hold; someone
	// parked a dataset of their own in tmp/.
	w.edit("profiles.hcl", `package "vim" { version = "^9.1" }`, `package "vim" { version = "~9.0" }`)
	w.edit("profiles.hcl", `  package "git" { version = ">=2.45.0" }`+"\n", "")
	w.edit("environments.hcl", "keep_generations = 5\n", "keep_generations = 5\n  prevent_destroy  = true\n")
	b, err := os.ReadFile(filepath.Join(w.dir, "environments.hcl"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(w.dir, "environments.hcl"), b[:strings.Index(string(b), `environment "rescue"`)], 0o644))
	b, err = os.ReadFile(filepath.Join(w.dir, "profiles.hcl"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(w.dir, "profiles.hcl"), b[:strings.Index(string(b), `profile "rescue"`)], 0o644))
	must(t, w.m.Create(bg, testRoot+"/tmp/gen-admin-2-0badc0de", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindGeneration}}))
	must(t, w.m.Create(bg, testRoot+"/tmp/scratch", zfs.CreateOptions{}))
	must(t, w.m.Hold(bg, "axiom-env:admin:2", w.pkgDataset("bash/5.2.21/1")+"@installed"))
	w.clk.t = w.clk.t.Add(8 * 24 * time.Hour)

	changed := w.mustPlan(defaults)
	golden(t, "fleet-host-change.golden", normalised(changed, w, examples))
	add, change, remove := changed.Count()
	if !strings.HasSuffix(humanPlan(changed), fmt.Sprintf("\nPlan: %d to add, %d to change, %d to remove.\n", add, change, remove)) {
		t.Fatal("the summary line does not match Count")
	}
	// The plan is what it says: applying it converges.
	w.apply(defaults)
}

func TestWriteHumanNoChanges(t *testing.T) {
	p := &Plan{Store: "tank/axiom"}
	if got := humanPlan(p); got != "No changes. tank/axiom matches the configuration.\n" {
		t.Fatalf("%q", got)
	}
	p.Notes = []string{"one", "two"}
	if got := humanPlan(p); got != "No changes. tank/axiom matches the configuration.\n\nNote: one\n\nNote: two\n" {
		t.Fatalf("%q", got)
	}
}

func TestWriteHumanGroupsInFirstSeenOrder(t *testing.T) {
	p := &Plan{Store: "s", Steps: []Step{
		{Action: Add, Group: "B", Summary: "one", Source: &Pos{File: "/etc/axiom/x.hcl", Line: 3, Column: 1}},
		{Action: Change, Group: "A", Summary: "two", Reason: "because"},
		{Action: Remove, Group: "B", Summary: "three", Reason: "why", Source: &Pos{File: "y.hcl", Line: 7}},
		{Action: Remove, Group: "C", Summary: "four"},
	}, Notes: []string{"n"}}
	want := `B
  + one
      (x.hcl:3)
  - three
      (why; y.hcl:7)

A
  ~ two
      (because)

C
  - four

Note: n

Plan: 1 to add, 1 to change, 2 to remove.
`
	if got := humanPlan(p); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPlanCount(t *testing.T) {
	for _, tc := range []struct {
		actions             []string
		add, change, remove int
	}{
		{nil, 0, 0, 0},
		{[]string{Add}, 1, 0, 0},
		{[]string{Add, Add, Change, Remove, Remove, Remove}, 2, 1, 3},
		{[]string{Remove, Change, Add, Change}, 1, 2, 1},
	} {
		p := &Plan{}
		for _, a := range tc.actions {
			p.Steps = append(p.Steps, Step{Action: a})
		}
		add, change, remove := p.Count()
		if add != tc.add || change != tc.change || remove != tc.remove {
			t.Errorf("%v: %d/%d/%d, want %d/%d/%d", tc.actions, add, change, remove, tc.add, tc.change, tc.remove)
		}
		if p.Empty() != (len(tc.actions) == 0) {
			t.Errorf("%v: Empty() = %v", tc.actions, p.Empty())
		}
	}
}

// A plan made on the model survives JSON (the saved-plan format and `plan --json`) unchanged,
// every payload included.
func TestPlanJSONRoundTrip(t *testing.T) {
	w, _ := fleetWorld(t)
	w.apply(defaults)
	w.edit("profiles.hcl", `package "vim" { version = "^9.1" }`, `package "vim" { version = "~9.0" }`)
	must(t, w.m.Release(bg, "axiom-env:base:1", w.pkgDataset("zlib/1.3.1/1")+"@installed"))
	must(t, w.m.Create(bg, testRoot+"/tmp/x", zfs.CreateOptions{Props: zfs.Props{layout.PropManagedBy: layout.ManagedBy}}))
	first := w.mustPlan(defaults)
	seen := map[Kind]bool{}
	for _, s := range first.Steps {
		seen[s.Kind()] = true
	}
	for _, k := range []Kind{KindCleanTemp, KindHolds, KindImport, KindLock, KindRealize, KindActivate} {
		if !seen[k] {
			t.Fatalf("the plan has no %s step:\n%s", k, humanPlan(first))
		}
	}
	// Add the kinds this plan lacks, so every payload goes through JSON.
	first.Steps = append(first.Steps,
		Step{Action: Add, Op: &CreateStep{Dataset: "a", Props: map[string]string{"k": "v"}}},
		Step{Action: Change, Op: &WriteStep{Path: "/p", Content: "x\n"}},
		Step{Action: Change, Op: &PropsStep{Dataset: "d", Set: map[string]string{"a": "b"}, Inherit: []string{"c"}}},
		Step{Action: Remove, Op: &PruneStep{Env: "e", Generation: 2, Dataset: "d", Tag: "t", Snapshots: []layout.Snapshot{"s@installed"}}},
		Step{Action: Remove, Op: &RemoveEnvStep{Dataset: "d", Release: map[layout.Tag][]layout.Snapshot{"t": {"s@x"}}}},
		Step{Action: Remove, Op: &GCStep{Packages: []layout.Dataset{"p"}, Parents: []layout.Dataset{"q"}}},
	)
	first.Notes = append(first.Notes, "a note")

	b, err := json.Marshal(first)
	must(t, err)
	var back Plan
	must(t, json.Unmarshal(b, &back))
	// Empty maps come back as nil (omitempty): the same to every reader of a plan.
	if diff := cmp.Diff(first, &back, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("JSON round trip (-before +after):\n%s", diff)
	}

	// Save and LoadPlan are the same round trip through a file.
	path := filepath.Join(t.TempDir(), "plan.json")
	must(t, first.Save(path))
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("the saved plan has mode %v", fi.Mode().Perm())
	}
	loaded, err := LoadPlan(path)
	must(t, err)
	if diff := cmp.Diff(first, loaded, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("Save/LoadPlan (-saved +loaded):\n%s", diff)
	}
	// The field names are the documented format.
	var raw map[string]any
	must(t, json.Unmarshal(b, &raw))
	for _, k := range []string{"format_version", "created_at", "config_dir", "store", "max_deletes", "config", "config_digest", "observed", "state_digest", "steps"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the saved plan has no %q", k)
		}
	}
	if first.Format != PlanFormat || !strings.HasPrefix(first.ConfigDigest, "sha256:") || !strings.HasPrefix(first.StateDigest, "sha256:") {
		t.Fatalf("plan header: format %d, digests %s %s", first.Format, first.ConfigDigest, first.StateDigest)
	}
}

func TestLoadPlanRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, want string
	}{
		{"garbage", "not json", "is not a saved plan"},
		{"other format", `{"format_version": 2}`, "plan format 2, this axiom-reconcile reads 1"},
		{"no format", `{"steps": []}`, "plan format 0"},
	} {
		path := filepath.Join(dir, tc.name)
		must(t, os.WriteFile(path, []byte(tc.content), 0o644))
		if _, err := LoadPlan(path); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadPlan(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestMoved(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, cur map[string]string
		want     []string
	}{
		{"same", map[string]string{"a": "1", "b": "2"}, map[string]string{"b": "2", "a": "1"}, nil},
		{"both empty", nil, nil, nil},
		{"changed", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1", "b": "3"}, []string{"state: b changed"}},
		{"gone", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1"}, []string{"state: b is gone"}},
		{"appeared", map[string]string{"a": "1"}, map[string]string{"a": "1", "c": "3"}, []string{"state: c appeared"}},
		{
			"all, sorted: gone and changed by name, then appeared",
			map[string]string{"d": "1", "b": "1", "a": "1"},
			map[string]string{"z": "1", "b": "2", "c": "1", "a": "1"},
			[]string{"state: b changed", "state: d is gone", "state: c appeared", "state: z appeared"},
		},
	} {
		if got := movedKeys("state", tc.old, tc.cur); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDigestMap(t *testing.T) {
	a := digestMap(map[string]string{"x": "1", "y": "2"})
	if a != digestMap(map[string]string{"y": "2", "x": "1"}) {
		t.Fatal("the digest depends on map order")
	}
	for _, other := range []map[string]string{
		{"x": "1", "y": "3"},
		{"x": "1"},
		{"x": "1", "y": "2", "z": ""},
		{"x": "1\x00y", "": "2"}, // separators keep keys and values apart
	} {
		if digestMap(other) == a {
			t.Errorf("%q has the same digest", other)
		}
	}
}

func TestStalePlanErrorTruncates(t *testing.T) {
	var m []string
	for i := range 25 {
		m = append(m, fmt.Sprintf("state: dataset d%02d changed", i))
	}
	s := (&StalePlanError{Moved: m}).Error()
	if !strings.HasPrefix(s, "the saved plan is stale; plan again.") || !strings.Contains(s, "\n  state: dataset d19 changed\n  ... and 5 more") || strings.Contains(s, "d20") {
		t.Fatalf("%s", s)
	}
}

func TestPlanErrorFormat(t *testing.T) {
	one := &PlanError{Errs: []error{errors.New("only")}}
	if one.Error() != "only" {
		t.Fatalf("%q", one.Error())
	}
	sentinel := errors.New("sentinel")
	two := &PlanError{Errs: []error{errors.New("first"), fmt.Errorf("second\nspans lines: %w", sentinel)}}
	if want := "2 problems:\n  - first\n  - second\n    spans lines: sentinel"; two.Error() != want {
		t.Fatalf("%q, want %q", two.Error(), want)
	}
	if !errors.Is(two, sentinel) {
		t.Fatal("PlanError does not unwrap to its errors")
	}
}

func TestPosString(t *testing.T) {
	p := &Pos{File: "/etc/axiom/main.hcl", Line: 4, Column: 2}
	if p.String() != "/etc/axiom/main.hcl:4:2" {
		t.Fatalf("%q", p.String())
	}
}

// FuzzLoadPlan: any file given to `apply PLANFILE` is refused with an error or read into a plan
// that saves and reads back to the same plan (and the same steps, as ApplySaved compares them).
func FuzzLoadPlan(f *testing.F) {
	for _, s := range []string{
		`{"format_version": 1, "store": "tank/axiom", "steps": []}`,
		`{"format_version": 1, "created_at": "2024-03-01T12:00:00Z", "store": "tank/axiom", "max_deletes": 10,
		  "config": {"config main.hcl": "sha256:00"}, "observed": {"dataset tank/axiom": "1"},
		  "steps": [{"kind": "create", "action": "+", "target": "tank/axiom/env", "create": {"dataset": "tank/axiom/env", "props": {"axiom:managed-by": "axiom-reconcile"}}},
		            {"kind": "write-profile", "write": {"path": "/axiom/profiles/p/profile.yaml", "content": "name: p\n"}},
		            {"kind": "gc", "gc": {"packages": ["tank/axiom/store/pkg/a/1.0.0/1/x"], "parents": []}}]}`,
		`{"format_version": 2}`,
		`{"format_version": 1, "steps": [{"kind": "prune", "prune": null}]}`,
		`[1, 2]`,
		``,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "in.json")
		must(t, os.WriteFile(path, b, 0o600))
		p, err := LoadPlan(path)
		if err != nil {
			if p != nil {
				t.Fatal("a plan and an error")
			}
			return
		}
		if p.Format != PlanFormat {
			t.Fatalf("accepted format %d", p.Format)
		}
		// As Save writes it, without the fsyncs (thousands of runs a second).
		b, err = p.encode()
		must(t, err)
		again := filepath.Join(dir, "again.json")
		must(t, os.WriteFile(again, b, 0o600))
		q, err := LoadPlan(again)
		if err != nil {
			t.Fatalf("a plan read from a file does not read back once saved: %v", err)
		}
		if diff := cmp.Diff(p, q, cmpopts.EquateEmpty()); diff != "" || !sameSteps(p.Steps, q.Steps) {
			t.Fatalf("save and read back (-first +second):\n%s", diff)
		}
	})
}

// Only holds the reconciler places (axiom-env:<env>:<K>, K as it writes generation numbers) are
// its own to release; anything else is someone else's.
func TestIsOurTag(t *testing.T) {
	for tag, want := range map[layout.Tag]bool{
		"axiom-env:dev:1": true, "axiom-env:dev:42": true, "axiom-env:build.x-y:7": true,
		"axiom-env:dev:+1": false, "axiom-env:dev:01": false, "axiom-env:dev:-1": false, "axiom-env:dev:0": false,
		"axiom-env:dev: 1": false, "axiom-env:dev:": false, "axiom-env::1": false, "axiom-env:1": false,
		"axiom-envx:dev:1": false, "backup": false, "": false,
	} {
		if _, _, got := layout.ParseHoldTag(tag); got != want {
			t.Errorf("layout.ParseHoldTag(%q) ok = %v, want %v", tag, got, want)
		}
	}
}

// A saved step carries its own kind's payload and no other: LoadPlan refuses an import step
// with holds, a step with two payloads, and a step with none.
func TestStepPayloadMustMatchKind(t *testing.T) {
	good := `{"kind":"import","action":"+","group":"g","target":"t","summary":"s","import":{"package":"p","origin":"o"}}`
	var s Step
	must(t, json.Unmarshal([]byte(good), &s))
	if imp, ok := s.Op.(*ImportStep); !ok || imp.Package != "p" || s.Kind() != KindImport {
		t.Fatalf("read back %+v", s)
	}
	for name, bad := range map[string]string{
		"another kind's payload":  `{"kind":"import","summary":"s","holds":{"hold":{"t":["a@b"]}}}`,
		"two payloads":            `{"kind":"import","summary":"s","import":{"package":"p"},"mount":"x"}`,
		"no payload":              `{"kind":"gc","summary":"s"}`,
		"unknown kind":            `{"kind":"launch","summary":"s","mount":"x"}`,
		"a lock with a profile's": `{"kind":"lock","summary":"s","write":{"path":"p","content":"c"}}`,
	} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil || !strings.Contains(err.Error(), "must carry its own payload") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	// Writing refuses a step whose operation is not one of the plan's.
	if _, err := json.Marshal(Step{Summary: "s", Op: fakeOp{}}); err == nil {
		t.Error("a foreign operation was written")
	}
}

type fakeOp struct{}

func (fakeOp) Kind() Kind                           { return "fake" }
func (fakeOp) run(context.Context, *executor) error { return nil }
