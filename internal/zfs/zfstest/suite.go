package zfstest

import (
	"context"
	"errors"
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
	for _, tc := range suiteCases {
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
var SuiteProps = []string{managed, "axiom:note", "axiom:num", "axiom:x", "axiom:y"}

var suiteCases = []struct {
	name string
	run  func(s *suite)
}{
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
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), "create")
		s.is(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{}), zfs.ErrExist, "create twice")
		s.is(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Parents: true}), zfs.ErrExist, "create twice with parents")
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
		s.is(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{Recursive: true}), zfs.ErrBusy, "destroy -r over a held snapshot")
		s.ok(s.c.Release(s.ctx, "axiom-env:dev:1", s.n("a@s"), s.n("b@s")), "release")
		s.is(s.c.Release(s.ctx, "axiom-env:dev:1", s.n("a@s")), zfs.ErrNotExist, "release twice")
		s.is(s.c.Hold(s.ctx, "t", s.n("a@nope")), zfs.ErrNotExist, "hold a missing snapshot")
		s.ok(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), "destroy after release")
		s.absent(s.observe(), "a@s")
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
		s.ok(s.c.Destroy(s.ctx, s.n("c"), zfs.DestroyOptions{}), "destroy the clone")
		s.ok(s.c.Destroy(s.ctx, s.n("a@s"), zfs.DestroyOptions{}), "destroy the origin")
	}},
	{"Rename", func(s *suite) {
		s.ok(s.c.Create(s.ctx, s.n("a"), zfs.CreateOptions{Props: zfs.Props{managed: "test"}}), "create a")
		s.ok(s.c.Snapshot(s.ctx, s.n("a@s")), "snapshot")
		s.ok(s.c.Create(s.ctx, s.n("b"), zfs.CreateOptions{}), "create b")
		guid := s.get(s.observe(), "a").GUID
		s.is(s.c.Rename(s.ctx, s.n("a"), s.n("b"), zfs.RenameOptions{}), zfs.ErrExist, "rename over an existing name")
		s.is(s.c.Rename(s.ctx, s.n("nope"), s.n("x"), zfs.RenameOptions{}), zfs.ErrNotExist, "rename a missing dataset")
		s.is(s.c.Rename(s.ctx, s.n("a"), s.n("n/m"), zfs.RenameOptions{}), zfs.ErrNotExist, "rename under a missing parent")
		s.ok(s.c.Rename(s.ctx, s.n("a"), s.n("n/m"), zfs.RenameOptions{Parents: true}), "rename -p")
		tree := s.observe()
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
		s.ok(s.c.Destroy(s.ctx, s.n("a"), zfs.DestroyOptions{Recursive: true}), "destroy -r")
		tree := s.observe()
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
		for _, n := range []string{"-rf", s.n("a@b"), s.n("a#b"), s.n("..") + "/x", s.n("a//b"), s.n(strings.Repeat("x", 300)), s.n("bad$char"), ""} {
			s.is(s.c.Create(s.ctx, n, zfs.CreateOptions{}), zfs.ErrInvalidName, "create "+n)
		}
		s.is(s.c.Snapshot(s.ctx, s.n("nosnap")), zfs.ErrInvalidName, "snapshot without @")
		s.is(s.c.Destroy(s.ctx, s.n("a@b@c"), zfs.DestroyOptions{}), zfs.ErrInvalidName, "destroy a@b@c")
		if len(s.observe().Datasets) != 1 {
			s.t.Fatal("an invalid request changed something")
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
}
