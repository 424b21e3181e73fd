package zfstest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Target is one Client under test and an existing, empty filesystem the suite may fill.
type Target struct {
	Client zfs.Client
	Root   string
}

// RunSuite checks a zfs.Client against the contract documented on zfs.Client: results, error
// kinds and what an observation reports after each operation. newTarget is called once per case
// and must give a fresh, empty Root (and clean it up).
func RunSuite(t *testing.T, newTarget func(t *testing.T) Target) {
	runCases(t, newTarget, suiteCases)
}

// RunSuiteCases is RunSuite for the named cases only, for a client variant that differs from
// one already run through the whole suite in a single concern (how it reads an observation,
// say): its time goes to the cases that concern touches. An unknown name fails the test.
func RunSuiteCases(t *testing.T, newTarget func(t *testing.T) Target, names ...string) {
	var cases []suiteCase
	for _, n := range names {
		i := slices.IndexFunc(suiteCases, func(tc suiteCase) bool { return tc.name == n })
		if i < 0 {
			t.Fatalf("conformance suite: no case %q", n)
		}
		cases = append(cases, suiteCases[i])
	}
	runCases(t, newTarget, cases)
}

// RunSuiteExcept runs every case of the suite but the named ones (each must exist): a variant of
// the client that differs from production only in some paths skips the cases that never reach
// them, and a case added later runs in it by default.
func RunSuiteExcept(t *testing.T, newTarget func(t *testing.T) Target, except ...string) {
	var cases []suiteCase
	for _, n := range except {
		if !slices.ContainsFunc(suiteCases, func(tc suiteCase) bool { return tc.name == n }) {
			t.Fatalf("conformance suite: no case %q", n)
		}
	}
	for _, tc := range suiteCases {
		if !slices.Contains(except, tc.name) {
			cases = append(cases, tc)
		}
	}
	runCases(t, newTarget, cases)
}

func runCases(t *testing.T, newTarget func(t *testing.T) Target, cases []suiteCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t)
			s := &suite{t: t, ctx: context.Background(), c: tg.Client, root: tg.Root}
			tc.run(s)
		})
	}
}

type suite struct {
	t    *testing.T
	ctx  context.Context
	c    zfs.Client
	root string
}

func (s *suite) n(rel string) string { return s.root + "/" + rel }

func (s *suite) ok(err error, what string) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// is asserts err unwraps to want and is a *zfs.Error.
func (s *suite) is(err, want error, what string) {
	s.t.Helper()
	var ze *zfs.Error
	if !errors.Is(err, want) || !errors.As(err, &ze) {
		s.t.Fatalf("%s: got error %v, want %v (as *zfs.Error)", what, err, want)
	}
}

// rejected asserts err is ErrInvalidName found before any process started: a *zfs.Error without
// Argv. (Real zfs refuses most of these names too, so the kind alone would not prove it.)
func (s *suite) rejected(err error, what string) {
	s.t.Helper()
	s.is(err, zfs.ErrInvalidName, what)
	var ze *zfs.Error
	errors.As(err, &ze)
	if ze.Argv != nil {
		s.t.Fatalf("%s: rejected by a process (%v), not before one started: %v", what, ze.Argv, err)
	}
}

// processes returns how many processes the client has started, for clients that count them.
func (s *suite) processes() (int64, bool) {
	pc, ok := s.c.(interface{ Stats() (int64, int64) })
	if !ok {
		return 0, false
	}
	n, _ := pc.Stats()
	return n, true
}

// holdFailures asserts err is a *zfs.HoldError and returns what failed.
func (s *suite) holdFailures(err error, what string) map[string]error {
	s.t.Helper()
	var he *zfs.HoldError
	if !errors.As(err, &he) {
		s.t.Fatalf("%s: got %v, want a *zfs.HoldError", what, err)
	}
	return he.Failed
}

func (s *suite) observe() *zfs.Tree {
	s.t.Helper()
	tree, err := s.c.Observe(s.ctx, s.root)
	s.ok(err, "observe")
	return tree
}

func (s *suite) get(tree *zfs.Tree, rel string) *zfs.Dataset {
	s.t.Helper()
	name := s.root + rel
	if rel != "" && !strings.HasPrefix(rel, "@") {
		name = s.n(rel)
	}
	d, ok := tree.Get(name)
	if !ok {
		s.t.Fatalf("observe: %s missing; have %v", name, names(tree))
	}
	return d
}

func (s *suite) absent(tree *zfs.Tree, rel string) {
	s.t.Helper()
	if _, ok := tree.Get(s.n(rel)); ok {
		s.t.Fatalf("observe: %s still exists", s.n(rel))
	}
}

func names(tree *zfs.Tree) []string {
	var out []string
	for _, d := range tree.Datasets {
		out = append(out, d.Name)
	}
	return out
}

const managed = "axiom:managed-by"

// SuiteProps are the user properties the suite sets, for clients that read a known list
// (zfs.WithProps).
var SuiteProps = []string{managed, "axiom:note", "axiom:num", "axiom:x", "axiom:y", commitGUIDProp}

type suiteCase struct {
	name string
	run  func(s *suite)
}

var suiteCases = []suiteCase{
	{"CreateAndObserve", func(s *suite) {
		weird := "tab\there\nnewline ü 007"
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{managed: "test", "axiom:note": weird, "axiom:num": "007"}}), "create")
		tree := s.observe()
		root := s.get(tree, "")
		a := s.get(tree, "a")
		if a.Type != zfs.Filesystem || a.GUID == 0 || a.CreateTxg <= root.CreateTxg {
			s.t.Fatalf("dataset a: %+v (root createtxg %d)", a, root.CreateTxg)
		}
		if age := time.Since(a.Creation); age < -time.Hour || age > 24*time.Hour {
			s.t.Fatalf("creation %v is not now", a.Creation)
		}
		for k, want := range map[string]string{managed: "test", "axiom:note": weird, "axiom:num": "007"} {
			if got, ok := a.Local(k); !ok || got != want {
				s.t.Fatalf("property %s: got %q (local %v), want %q; all: %+v", k, got, ok, want, a.Props)
			}
		}
		if a.Mountpoint == "" || !strings.HasSuffix(a.Mountpoint, "/a") {
			s.t.Fatalf("mountpoint %q", a.Mountpoint)
		}
	}},
	{"CreateExisting", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{managed: "test"}}), "create")
		before := *s.get(s.observe(), "a")
		s.is(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{managed: "other"}}), zfs.ErrExist, "create twice")
		s.is(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Parents: true, Props: zfs.Props{"axiom:x": "1"}}), zfs.ErrExist, "create twice with parents")
		tree := s.observe()
		a := s.get(tree, "a")
		if a.GUID != before.GUID || a.CreateTxg != before.CreateTxg {
			s.t.Fatalf("a failed create replaced the dataset: %+v, was %+v", a, before)
		}
		if v, _ := a.Local(managed); v != "test" {
			s.t.Fatalf("a failed create changed %s to %q", managed, v)
		}
		if _, ok := a.Props["axiom:x"]; ok {
			s.t.Fatal("a failed create set a property")
		}
		if len(tree.Datasets) != 2 {
			s.t.Fatalf("after failed creates: %v", names(tree))
		}
	}},
	{"CreateParents", func(s *suite) {
		s.is(s.c.Create(s.ctx, s.n("x/y/z"), zfs.CreateOptions{}), zfs.ErrNotExist, "create without parent")
		s.ok(s.c.Create(s.ctx, s.n("x/y/z"), zfs.CreateOptions{Parents: true, Props: zfs.Props{managed: "test"}}), "create -p")
		tree := s.observe()
		if _, ok := s.get(tree, "x/y").Local(managed); ok {
			s.t.Fatal("a parent made by Create(Parents) got the target's properties")
		}
		if v, ok := s.get(tree, "x/y/z").Local(managed); !ok || v != "test" {
			s.t.Fatal("the target lost its properties")
		}
	}},
	{"InheritedIsNotLocal", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("p"), zfs.CreateOptions{Props: zfs.Props{managed: "test"}}), "create parent")
		s.ok(s.c.Create(s.ctx, s.n("p/c"), zfs.CreateOptions{}), "create child")
		c := s.get(s.observe(), "p/c")
		p, ok := c.Props[managed]
		if !ok || p.Source != zfs.SourceInherited || p.From != s.n("p") || p.Value != "test" {
			s.t.Fatalf("inherited property reported as %+v (present %v)", p, ok)
		}
		if _, ok := c.Local(managed); ok {
			s.t.Fatal("an inherited property counts as local")
		}
	}},
	{"SnapshotAtomic", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create a")
		s.ok(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{}), "create b")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s1"), s.n("b@s1")), "snapshot two")
		s.is(s.c.Snapshot(s.ctx, s.n("a@s2"), s.n("b@s1")), zfs.ErrExist, "snapshot with one existing")
		s.is(s.c.Snapshot(s.ctx, s.n("missing@s1")), zfs.ErrNotExist, "snapshot of a missing filesystem")
		s.is(s.c.Snapshot(s.ctx, s.n("a@s3"), s.n("a@s4")), zfs.ErrInvalidName, "two snapshots of one filesystem")
		tree := s.observe()
		if snap := s.get(tree, "a@s1"); snap.Type != zfs.Snapshot || snap.UserRefs != 0 {
			s.t.Fatalf("snapshot: %+v", snap)
		}
		s.get(tree, "b@s1")
		s.absent(tree, "a@s2")
	}},
	{"HoldsPinSnapshots", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s")), "snapshot")
		s.ok(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("b@s")), "snapshot")
		s.ok(s.c.Hold(s.ctx, "axiom-env:dev:1", s.n("a@s"), s.n("b@s")), "hold")
		if got := s.get(s.observe(), "a@s").UserRefs; got != 1 {
			s.t.Fatalf("userrefs after hold = %d, want 1", got)
		}
		holds, err := s.c.Holds(s.ctx, s.n("a@s"), s.n("b@s"))
		s.ok(err, "holds")
		if len(holds[s.n("a@s")]) != 1 || holds[s.n("a@s")][0] != "axiom-env:dev:1" || len(holds[s.n("b@s")]) != 1 {
			s.t.Fatalf("holds = %v", holds)
		}
		s.is(s.c.Hold(s.ctx, "axiom-env:dev:1", s.n("a@s")), zfs.ErrExist, "the same hold twice")
		s.is(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), zfs.ErrBusy, "destroy a held snapshot")
		if snap := s.get(s.observe(), "a@s"); snap.UserRefs != 1 {
			s.t.Fatalf("after a refused destroy: %+v", snap)
		}
		s.ok(s.c.Release(s.ctx, "axiom-env:dev:1", s.n("a@s"), s.n("b@s")), "release")
		s.is(s.c.Release(s.ctx, "axiom-env:dev:1", s.n("a@s")), zfs.ErrNotExist, "release twice")
		s.is(s.c.Hold(s.ctx, "t", s.n("a@nope")), zfs.ErrNotExist, "hold a missing snapshot")
		s.ok(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), "destroy after release")
		s.absent(s.observe(), "a@s")
	}},
	{"HoldIsPerSnapshot", func(s *suite) {
		// zfs holds and releases one snapshot at a time: those that can take the tag get it,
		// and the error names the others.
		for _, fs := range []string{"a", "b", "c"} {
			s.ok(s.c.Create(s.ctx, s.n(fs), zfs.CreateOptions{}), "create "+fs)
		}
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s"), s.n("b@s"), s.n("c@s")), "snapshot")
		const tag = "axiom-env:dev:2"
		s.ok(s.c.Hold(s.ctx, tag, s.n("b@s")), "hold b@s")
		err := s.c.Hold(s.ctx, tag, s.n("a@s"), s.n("b@s"), s.n("c@nope"), s.n("nofs@s"))
		s.is(err, zfs.ErrExist, "hold where b@s has the tag")
		s.is(err, zfs.ErrNotExist, "hold where c@nope and nofs@s are missing")
		failed := s.holdFailures(err, "hold")
		if len(failed) != 3 || !errors.Is(failed[s.n("b@s")], zfs.ErrExist) ||
			!errors.Is(failed[s.n("c@nope")], zfs.ErrNotExist) || !errors.Is(failed[s.n("nofs@s")], zfs.ErrNotExist) {
			s.t.Fatalf("hold failures %v", failed)
		}
		tree := s.observe()
		for _, snap := range []string{"a@s", "b@s"} {
			if d := s.get(tree, snap); d.UserRefs != 1 {
				s.t.Fatalf("%s after a partly failed hold: userrefs %d, want 1", snap, d.UserRefs)
			}
		}
		holds, err := s.c.Holds(s.ctx, s.n("a@s"), s.n("b@s"), s.n("c@s"))
		s.ok(err, "holds")
		if want := []string{tag}; !slices.Equal(holds[s.n("a@s")], want) || !slices.Equal(holds[s.n("b@s")], want) || len(holds[s.n("c@s")]) != 0 {
			s.t.Fatalf("holds after a partly failed hold: %v", holds)
		}
		err = s.c.Hold(s.ctx, tag, s.n("b@s"), s.n("a@s"))
		var he *zfs.HoldError
		if !errors.As(err, &he) || !he.Only(zfs.ErrExist) {
			s.t.Fatalf("hold where both have the tag: %v, want only ErrExist", err)
		}

		err = s.c.Release(s.ctx, tag, s.n("a@s"), s.n("c@s"), s.n("b@s"))
		s.is(err, zfs.ErrNotExist, "release where c@s lacks the tag")
		if failed := s.holdFailures(err, "release"); len(failed) != 1 || !errors.Is(failed[s.n("c@s")], zfs.ErrNotExist) {
			s.t.Fatalf("release failures %v", failed)
		}
		tree = s.observe()
		for _, snap := range []string{"a@s", "b@s", "c@s"} {
			if d := s.get(tree, snap); d.UserRefs != 0 {
				s.t.Fatalf("%s after a partly failed release: userrefs %d, want 0", snap, d.UserRefs)
			}
		}
	}},
	{"DestroyRecursivePastHeld", func(s *suite) {
		// zfs destroy -r goes on past what it cannot destroy: the child goes, the held snapshot
		// stays, and with it the snapshot in the same batch and the filesystem.
		s.ok(s.c.Create(s.ctx, s.n("a/child/grandchild"), zfs.CreateOptions{Parents: true}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s1"), s.n("a/child@s")), "snapshot")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s2")), "snapshot")
		s.ok(s.c.Hold(s.ctx, "t", s.n("a@s2")), "hold")
		s.is(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{Recursive: true}), zfs.ErrBusy, "destroy -r over a held snapshot")
		tree := s.observe()
		for _, rel := range []string{"a/child", "a/child@s", "a/child/grandchild"} {
			s.absent(tree, rel)
		}
		s.get(tree, "a")
		s.get(tree, "a@s1")
		if d := s.get(tree, "a@s2"); d.UserRefs != 1 {
			s.t.Fatalf("a@s2: %+v", d)
		}
		// With a clone outside the tree, nothing is destroyed at all.
		s.ok(s.c.Create(s.ctx, s.n("b/child"), zfs.CreateOptions{Parents: true}), "create b")
		s.ok(s.c.Snapshot(s.ctx, s.n("b@s")), "snapshot b")
		s.ok(s.c.Clone(s.ctx, s.n("b@s"), s.n("bclone"), nil), "clone")
		s.is(s.c.Destroy(s.ctx, s.n("b"), zfs.DestroyOptions{Recursive: true}), zfs.ErrBusy, "destroy -r with a clone outside")
		tree = s.observe()
		for _, rel := range []string{"b", "b/child", "b@s", "bclone"} {
			s.get(tree, rel)
		}
	}},
	{"ClonesPinOrigins", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s")), "snapshot")
		s.ok(s.c.Clone(s.ctx, s.n("a@s"), s.n("c"), zfs.Props{managed: "test"}), "clone")
		s.is(s.c.Clone(s.ctx, s.n("a@s"), s.n("c"), nil), zfs.ErrExist, "clone onto an existing name")
		s.is(s.c.Clone(s.ctx, s.n("a@nope"), s.n("d"), nil), zfs.ErrNotExist, "clone a missing snapshot")
		c := s.get(s.observe(), "c")
		if c.Origin != s.n("a@s") {
			s.t.Fatalf("clone origin %q", c.Origin)
		}
		// The snapshot knows its clones even when they lie outside what was observed.
		only, err := s.c.Observe(s.ctx, s.n("a"))
		s.ok(err, "observe a")
		if snap, ok := only.Get(s.n("a@s")); !ok || len(snap.Clones) != 1 || snap.Clones[0] != s.n("c") {
			s.t.Fatalf("clones of a@s observed under a: %+v", snap)
		}
		if v, ok := c.Local(managed); !ok || v != "test" {
			s.t.Fatal("clone lost its properties")
		}
		s.is(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), zfs.ErrBusy, "destroy a cloned snapshot")
		s.is(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{}), zfs.ErrBusy, "destroy a filesystem with snapshots")
		tree := s.observe()
		s.get(tree, "a")
		if snap := s.get(tree, "a@s"); len(snap.Clones) != 1 {
			s.t.Fatalf("a@s after refused destroys: %+v", snap)
		}
		if c := s.get(tree, "c"); c.Origin != s.n("a@s") {
			s.t.Fatalf("the clone after refused destroys: %+v", c)
		}
		s.ok(s.c.Destroy(s.ctx, s.n("c"), zfs.DestroyOptions{}), "destroy the clone")
		s.ok(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), "destroy the origin")
	}},
	{"Promote", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s1")), "snapshot s1")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s2")), "snapshot s2")
		s.ok(s.c.Clone(s.ctx, s.n("a@s1"), s.n("c"), nil), "clone")
		s.ok(s.c.Snapshot(s.ctx, s.n("c@s1")), "snapshot the clone")
		s.is(s.c.Promote(s.ctx, s.n("c")), zfs.ErrExist, "promote with a conflicting snapshot name")
		if c := s.get(s.observe(), "c"); c.Origin != s.n("a@s1") {
			s.t.Fatalf("a refused promote changed the clone: %+v", c)
		}
		s.ok(s.c.Destroy(s.ctx, s.n("c@s1"), zfs.DestroyOptions{}), "destroy the clone's snapshot")
		s.ok(s.c.Promote(s.ctx, s.n("c")), "promote")
		tree := s.observe()
		s.absent(tree, "a@s1")
		s.get(tree, "a@s2") // taken after the origin: it stays
		if c, a := s.get(tree, "c"), s.get(tree, "a"); c.Origin != "" || a.Origin != s.n("c@s1") {
			s.t.Fatalf("after promote: c origin %q, a origin %q", c.Origin, a.Origin)
		}
		if snap := s.get(tree, "c@s1"); len(snap.Clones) != 1 || snap.Clones[0] != s.n("a") {
			s.t.Fatalf("c@s1 after promote: %+v", snap)
		}
		s.is(s.c.Promote(s.ctx, s.n("c")), zfs.ErrInvalidName, "promote what is not a clone")
		s.ok(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{Recursive: true}), "destroy the former origin")
		s.ok(s.c.Destroy(s.ctx, s.n("c@s1"), zfs.DestroyOptions{}), "destroy the moved snapshot")
	}},
	{"DestroyTreeWithClonesInside", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("env/g1"), zfs.CreateOptions{Parents: true}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("env/g1@r")), "snapshot")
		s.ok(s.c.Clone(s.ctx, s.n("env/g1@r"), s.n("env/g2"), nil), "clone")
		s.ok(s.c.Snapshot(s.ctx, s.n("env/g2@r")), "snapshot the clone")
		s.ok(s.c.Clone(s.ctx, s.n("env/g2@r"), s.n("env/g3"), nil), "clone the clone")
		s.ok(s.c.Destroy(s.ctx, s.n("env"), zfs.DestroyOptions{Recursive: true}), "destroy -r with the clones inside the tree")
		s.absent(s.observe(), "env")
	}},
	{"Rename", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{managed: "test"}}), "create a")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s")), "snapshot")
		s.ok(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{}), "create b")
		tree := s.observe()
		guid, guidB := s.get(tree, "a").GUID, s.get(tree, "b").GUID
		s.is(s.c.Rename(s.ctx, s.n("a"), s.n("b"), zfs.RenameOptions{}), zfs.ErrExist, "rename over an existing name")
		tree = s.observe()
		if s.get(tree, "a").GUID != guid || s.get(tree, "b").GUID != guidB {
			s.t.Fatal("a failed rename changed a guid")
		}
		s.is(s.c.Rename(s.ctx, s.n("a"), s.n("a/under"), zfs.RenameOptions{}), zfs.ErrInvalidName, "rename below itself")
		s.is(s.c.Rename(s.ctx, s.n("nope"), s.n("x"), zfs.RenameOptions{}), zfs.ErrNotExist, "rename a missing dataset")
		s.is(s.c.Rename(s.ctx, s.n("a"), s.n("n/m"), zfs.RenameOptions{}), zfs.ErrNotExist, "rename under a missing parent")
		s.ok(s.c.Rename(s.ctx, s.n("a"), s.n("n/m"), zfs.RenameOptions{Parents: true}), "rename -p")
		tree = s.observe()
		s.absent(tree, "a")
		m := s.get(tree, "n/m")
		if m.GUID != guid {
			s.t.Fatal("rename changed the guid")
		}
		if v, ok := m.Local(managed); !ok || v != "test" {
			s.t.Fatal("rename lost local properties")
		}
		s.get(tree, "n/m@s")
		s.ok(s.c.Rename(s.ctx, s.n("n/m@s"), s.n("n/m@t"), zfs.RenameOptions{}), "rename a snapshot")
		s.get(s.observe(), "n/m@t")
	}},
	{"Destroy", func(s *suite) {
		s.is(s.c.Destroy(s.ctx, s.n("nope"), zfs.DestroyOptions{}), zfs.ErrNotExist, "destroy a missing dataset")
		s.is(s.c.Destroy(s.ctx, s.n("a@nope"), zfs.DestroyOptions{}), zfs.ErrNotExist, "destroy a missing snapshot")
		s.ok(s.c.Create(s.ctx, s.n("a/b"), zfs.CreateOptions{Parents: true}), "create")
		s.is(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{}), zfs.ErrBusy, "destroy with children")
		tree := s.observe()
		s.get(tree, "a")
		s.get(tree, "a/b")
		s.ok(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{Recursive: true}), "destroy -r")
		tree = s.observe()
		s.absent(tree, "a")
		s.absent(tree, "a/b")
	}},
	{"SetAndInherit", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.ok(s.c.SetProps(s.ctx, s.n("a"), zfs.Props{"axiom:x": "1", "axiom:y": "two words", "readonly": "on"}), "set")
		a := s.get(s.observe(), "a")
		if v, _ := a.Local("axiom:y"); v != "two words" {
			s.t.Fatalf("axiom:y = %q", v)
		}
		if v, ok := a.Local("readonly"); !ok || v != "on" {
			s.t.Fatalf("readonly = %q (local %v)", v, ok)
		}
		s.ok(s.c.InheritProp(s.ctx, s.n("a"), "axiom:x"), "inherit")
		if _, ok := s.get(s.observe(), "a").Props["axiom:x"]; ok {
			s.t.Fatal("inherited property still reported")
		}
		s.is(s.c.SetProps(s.ctx, s.n("nope"), zfs.Props{"axiom:x": "1"}), zfs.ErrNotExist, "set on a missing dataset")
	}},
	{"DestroyUnused", func(s *suite) {
		mk := func(rel string, props zfs.Props) {
			s.ok(s.c.Create(s.ctx, s.n(rel), zfs.CreateOptions{Parents: true, Props: props}), "create "+rel)
			s.ok(s.c.Snapshot(s.ctx, s.n(rel+"@installed")), "snapshot "+rel)
		}
		own := zfs.Props{managed: "test"}
		mk("free", own)
		s.ok(s.c.Snapshot(s.ctx, s.n("free@second")), "second snapshot of free") // fs@a,b without channel programs
		mk("held", own)
		s.ok(s.c.Hold(s.ctx, "axiom-env:e:1", s.n("held@installed")), "hold")
		mk("cloned", own)
		s.ok(s.c.Clone(s.ctx, s.n("cloned@installed"), s.n("clone"), nil), "clone")
		mk("foreign", nil)
		mk("parent", own)
		mk("parent/child", own)
		s.ok(s.c.Create(s.ctx, s.n("inh"), zfs.CreateOptions{Props: own}), "create inh")
		mk("inh/only", nil)
		mk("other", zfs.Props{managed: "someone-else"})
		rep, err := s.c.DestroyUnused(s.ctx, []string{s.n("free"), s.n("held"), s.n("cloned"), s.n("foreign"), s.n("parent"), s.n("gone"), s.n("inh/only"), s.n("other")}, zfs.Guard{Prop: managed, Value: "test"})
		s.ok(err, "destroy unused")
		if len(rep.Destroyed) != 1 || rep.Destroyed[0] != s.n("free") {
			s.t.Fatalf("destroyed %v, want only free", rep.Destroyed)
		}
		want := map[string]string{s.n("held"): zfs.SkipHeld, s.n("cloned"): zfs.SkipCloned, s.n("foreign"): zfs.SkipUnmanaged,
			s.n("parent"): zfs.SkipHasChildren, s.n("gone"): zfs.SkipGone, s.n("inh/only"): zfs.SkipUnmanaged, s.n("other"): zfs.SkipUnmanaged}
		for n, reason := range want {
			if rep.Skipped[n] != reason {
				s.t.Fatalf("%s skipped as %q, want %q (report %+v)", n, rep.Skipped[n], reason, rep)
			}
		}
		tree := s.observe()
		s.absent(tree, "free")
		for _, rel := range []string{"held@installed", "cloned@installed", "foreign@installed", "parent", "inh/only", "other"} {
			s.get(tree, rel)
		}
		s.ok(s.c.Release(s.ctx, "axiom-env:e:1", s.n("held@installed")), "release")

		// A parent whose only child goes earlier in the same batch goes too (GC prunes the
		// name/X.Y.Z/rev containers a collected package leaves empty).
		s.ok(s.c.Create(s.ctx, s.n("name"), zfs.CreateOptions{Props: own}), "create name")
		s.ok(s.c.Create(s.ctx, s.n("name/1.0.0"), zfs.CreateOptions{Props: own}), "create version")
		mk("name/1.0.0/leaf", own)
		rep, err = s.c.DestroyUnused(s.ctx, []string{s.n("name/1.0.0/leaf"), s.n("name/1.0.0"), s.n("name")}, zfs.Guard{Prop: managed, Value: "test"})
		s.ok(err, "destroy a leaf and its parents")
		if len(rep.Destroyed) != 3 || len(rep.Skipped) != 0 {
			s.t.Fatalf("leaf and parents: %+v", rep)
		}
		s.absent(s.observe(), "name")
	}},
	{"InvalidNamesRejected", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s")), "snapshot")
		procs, counted := s.processes()
		for _, n := range []string{"-rf", s.n("a@b"), s.n("a#b"), s.n("..") + "/x", s.n("a//b"), s.n(strings.Repeat("x", 300)), s.n("bad$char"), s.n("-x"), ""} {
			s.rejected(s.c.Create(s.ctx, n, zfs.CreateOptions{}), "create "+n)
		}
		s.rejected(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{Props: zfs.Props{"-o": "x"}}), "create with a property named -o")
		s.rejected(s.c.Snapshot(s.ctx, s.n("nosnap")), "snapshot without @")
		s.rejected(s.c.Snapshot(s.ctx, s.n("a@-x")), "snapshot named -x")
		s.rejected(s.c.Destroy(s.ctx, s.n("a@b@c"), zfs.DestroyOptions{}), "destroy a@b@c")
		s.rejected(s.c.Clone(s.ctx, s.n("a@s"), s.n("a@t"), nil), "clone onto a snapshot name")
		s.rejected(s.c.Rename(s.ctx, s.n("a@s"), s.n("b"), zfs.RenameOptions{}), "rename a snapshot to a filesystem name")
		s.rejected(s.c.Rename(s.ctx, s.n("a"), s.n("a@t"), zfs.RenameOptions{}), "rename a filesystem to a snapshot name")
		s.rejected(s.c.Rename(s.ctx, s.n("a@s"), s.root+"@s", zfs.RenameOptions{}), "rename a snapshot to another filesystem")
		s.rejected(s.c.Rename(s.ctx, s.n("a"), "otherpool/a", zfs.RenameOptions{}), "rename to another pool")
		s.rejected(s.c.SetProps(s.ctx, s.n("a"), zfs.Props{"-x": "1"}), "set a property named -x")
		s.rejected(s.c.InheritProp(s.ctx, s.n("a"), "-x"), "inherit a property named -x")
		for _, tag := range []string{"-t", ".t", "", "a b"} {
			s.rejected(s.c.Hold(s.ctx, tag, s.n("a@s")), "hold with tag "+tag)
		}
		s.rejected(s.c.Release(s.ctx, "-t", s.n("a@s")), "release with tag -t")
		s.rejected(s.c.Hold(s.ctx, "t", s.n("a")), "hold a filesystem")
		_, err := s.c.DestroyUnused(s.ctx, []string{s.n("a")}, zfs.Guard{Prop: "-x", Value: "test"})
		s.rejected(err, "destroy unused with a guard named -x")
		_, err = s.c.DestroyUnused(s.ctx, []string{s.n("a"), "-rf"}, zfs.Guard{Prop: managed, Value: "test"})
		s.rejected(err, "destroy unused -rf")
		if after, _ := s.processes(); counted && after != procs {
			s.t.Fatalf("invalid requests started %d processes", after-procs)
		}
		tree := s.observe()
		if len(tree.Datasets) != 3 || s.get(tree, "a@s").UserRefs != 0 {
			s.t.Fatalf("an invalid request changed something: %v", names(tree))
		}
	}},
	// Package datasets are named with ':' for '+' (internal/layout): ZFS allows ':' anywhere in a
	// component, including first, and refuses '+'. Every operation the reconciler runs on a
	// package dataset works on such names, and observation reads them back unchanged.
	{"ColonNames", func(s *suite) {
		own := zfs.Props{managed: "test"}
		for _, rel := range []string{"libstdc::6", ":x", "a:b:"} {
			s.ok(s.c.Create(s.ctx, s.n(rel+"/12.2.0/1"), zfs.CreateOptions{Parents: true, Props: own}), "create "+rel)
			s.ok(s.c.Snapshot(s.ctx, s.n(rel+"/12.2.0/1@installed")), "snapshot "+rel)
		}
		snap := s.n("libstdc::6/12.2.0/1@installed")
		s.ok(s.c.Hold(s.ctx, "axiom-env:e:1", snap), "hold")
		holds, err := s.c.Holds(s.ctx, snap)
		s.ok(err, "holds")
		if len(holds[snap]) != 1 || holds[snap][0] != "axiom-env:e:1" {
			s.t.Fatalf("holds on %s: %v", snap, holds)
		}
		tree := s.observe()
		if d := s.get(tree, "libstdc::6/12.2.0/1@installed"); d.UserRefs != 1 {
			s.t.Fatalf("%s observed with %d holds", d.Name, d.UserRefs)
		}
		if v, _ := s.get(tree, "libstdc::6/12.2.0/1").Local(managed); v != "test" {
			s.t.Fatalf("properties of a ':' dataset observed as %q", v)
		}
		s.get(tree, ":x/12.2.0/1")
		s.get(tree, "a:b:/12.2.0/1@installed")
		s.ok(s.c.Release(s.ctx, "axiom-env:e:1", snap), "release")
		s.ok(s.c.Rename(s.ctx, s.n(":x"), s.n("g::-12"), zfs.RenameOptions{}), "rename")
		rep, err := s.c.DestroyUnused(s.ctx, []string{s.n("libstdc::6/12.2.0/1")}, zfs.Guard{Prop: managed, Value: "test"})
		s.ok(err, "destroy unused")
		if len(rep.Destroyed) != 1 || len(rep.Skipped) != 0 {
			s.t.Fatalf("destroy unused: %+v", rep)
		}
		tree = s.observe()
		s.absent(tree, "libstdc::6/12.2.0/1")
		s.get(tree, "libstdc::6/12.2.0")
		s.absent(tree, ":x")
		s.get(tree, "g::-12/12.2.0/1@installed")
		// '+', which package names have, is not a dataset name.
		procs, counted := s.processes()
		for _, rel := range []string{"libstdc++6", "g::-12/+", "a+"} {
			s.rejected(s.c.Create(s.ctx, s.n(rel), zfs.CreateOptions{}), "create "+rel)
		}
		s.rejected(s.c.Snapshot(s.ctx, s.n("g::-12@a+b")), "snapshot named a+b")
		s.rejected(s.c.Rename(s.ctx, s.n("g::-12"), s.n("g++-12"), zfs.RenameOptions{}), "rename to g++-12")
		if after, _ := s.processes(); counted && after != procs {
			s.t.Fatalf("names with '+' started %d processes", after-procs)
		}
	}},
	{"PoolInfo", func(s *suite) {
		pr, ok := s.c.(zfs.PoolReader)
		if !ok {
			s.t.Fatal("the client cannot read pools")
		}
		pool, _, _ := strings.Cut(s.root, "/")
		info, err := pr.Pool(s.ctx, s.root)
		s.ok(err, "pool")
		if info.Name != pool || info.Health != "ONLINE" || info.Free > info.Size {
			s.t.Fatalf("pool info %+v", info)
		}
		_, err = pr.Pool(s.ctx, "nosuchpool/x")
		s.is(err, zfs.ErrNotExist, "a missing pool")
	}},
	{"ObserveMissingRoot", func(s *suite) {
		tree, err := s.c.Observe(s.ctx, s.n("nope"))
		s.ok(err, "observe a missing root")
		if len(tree.Datasets) != 0 {
			s.t.Fatalf("missing root observed as %v", names(tree))
		}
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		tree, err = s.c.Observe(s.ctx, s.n("nope"), s.n("a"))
		s.ok(err, "observe a missing and a present root")
		if len(tree.Datasets) != 1 || tree.Datasets[0].Name != s.n("a") {
			s.t.Fatalf("observed %v, want only a", names(tree))
		}
	}},
	{"WrittenAndRollback", func(s *suite) { suiteWrittenAndRollback(s) }},
	{"Commit", func(s *suite) { suiteCommit(s) }},
}
