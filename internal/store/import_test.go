package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// modelStore is an Axiom tree on the in-memory model whose mountpoints are real directories.
func modelStore(t *testing.T) (*zfstest.Model, *Importer) {
	t.Helper()
	m := zfstest.NewModel("tank")
	m.MirrorUnder = t.TempDir()
	l := layout.Layout{Root: "tank/axiom", Mountpoint: filepath.Join(m.MirrorUnder, "axiom")}
	must(t, m.Create(context.Background(), string(l.Root), zfs.CreateOptions{Props: zfs.Props{"mountpoint": l.Mountpoint}}))
	return m, &Importer{ZFS: m, Layout: l, Log: zerolog.Nop(), Hooks: Hooks{MountCheck: func(string) error { return nil }}}
}

func TestImportModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "bash", "5.2.21", map[string]string{"bin/bash": "#!/bin/sh\necho bash\n"})
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	if !res.Imported || layout.Dataset(res.Dataset) != im.Layout.Package(ID(pkg)) {
		t.Fatalf("result %+v", res)
	}
	tree, err := m.Observe(ctx, string(im.Layout.Root))
	must(t, err)
	ix := NewIndex(tree, im.Layout)
	p, ok := ix.Get(ID(pkg))
	if !ok || !p.Complete || !p.Managed {
		t.Fatalf("index: %+v (found %v)\n%s", p, ok, m)
	}
	if b, err := os.ReadFile(filepath.Join(p.Path, "root/bin/bash")); err != nil || !strings.Contains(string(b), "echo bash") {
		t.Fatalf("package file: %q %v", b, err)
	}
	var meta MetaCache
	md, err := meta.Read(p)
	must(t, err)
	if md.Manifest.Name != "bash" {
		t.Fatalf("manifest %+v", md.Manifest)
	}
	for _, d := range tree.Under(string(im.Layout.Tmp())) {
		if layout.Dataset(d.Name) != im.Layout.Tmp() {
			t.Fatalf("temporary dataset left: %s", d.Name)
		}
	}
	for _, parent := range parentChain(im.Layout, string(p.Dataset)) {
		d, _ := tree.Get(parent)
		if v, _ := d.Local(layout.PropManagedBy); v != layout.ManagedBy {
			t.Fatalf("parent %s is not marked managed", parent)
		}
	}

	calls := m.Calls
	res, err = im.Import(ctx, pkg, nil)
	must(t, err)
	if res.Imported || m.Calls != calls {
		t.Fatalf("re-import changed something: %+v, %d mutating calls", res, m.Calls-calls)
	}
}

// TestImportPlusNameModel: a package named with '+' is stored under its dataset component
// ('+' as ':'), and read back from the tree with its real name, which its manifest agrees with.
func TestImportPlusNameModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "libstdc++6", "12.2.0", map[string]string{"lib/libstdc++.so.6": "elf"})
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	want := string(im.Layout.PkgRoot()) + "/libstdc::6/12.2.0/1/" + ID(pkg).BuildID
	if !res.Imported || res.Dataset != want {
		t.Fatalf("result %+v, want dataset %s", res, want)
	}
	tree, err := m.Observe(ctx, string(im.Layout.Root))
	must(t, err)
	d, _ := tree.Get(want)
	if v, _ := d.Local(layout.PropPackage); v != "libstdc++6/12.2.0/1/"+ID(pkg).BuildID {
		t.Errorf("%s = %q, want the real name", layout.PropPackage, v)
	}
	ix := NewIndex(tree, im.Layout)
	p, ok := ix.Get(ID(pkg))
	if !ok || !p.Complete || p.ID.Name != "libstdc++6" || string(p.Dataset) != want {
		t.Fatalf("index: %+v (found %v)\n%s", p, ok, m)
	}
	var meta MetaCache
	if md, err := meta.Read(p); err != nil || md.Manifest.Name != "libstdc++6" {
		t.Fatalf("metadata: %+v, %v", md.Manifest, err)
	}
}

func TestImportConcurrentModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "z"})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = im.Import(ctx, pkg, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	tree, err := m.Observe(ctx, string(im.Layout.Root))
	must(t, err)
	if n := len(NewIndex(tree, im.Layout).All()); n != 1 {
		t.Fatalf("%d copies of the package", n)
	}
	if n := len(tree.Under(string(im.Layout.Tmp()))); n > 1 {
		t.Fatalf("temporary datasets left:\n%s", m)
	}
}

// The same package as a directory and as a .tar.gz with a top-level folder is one package: one
// build-id, so the second import changes nothing.
func TestImportArchiveModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hello\n"}
	arc, dir := writeArchivePackage(t, "hello", "1.0.0", files), writePackage(t, "hello", "1.0.0", files)
	if ID(arc) != ID(dir) {
		t.Fatalf("archive %s and directory %s differ", ID(arc), ID(dir))
	}
	res, err := im.Import(ctx, arc, nil)
	must(t, err)
	if !res.Imported {
		t.Fatal("the archive was not imported")
	}
	calls := m.Calls
	if res, err := im.Import(ctx, dir, nil); err != nil || res.Imported || m.Calls != calls {
		t.Fatalf("importing the directory after the archive: %+v %v, %d calls", res, err, m.Calls-calls)
	}
}

// TestImportConcurrentLosingRenameModel: two importers of one package both build their copy
// before either renames (a barrier holds the renames until both arrived), so one of them
// certainly takes the losing-rename path; both succeed, and one copy is left.
func TestImportConcurrentLosingRenameModel(t *testing.T) {
	ctx := context.Background()
	m, im := modelStore(t)
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "z"})
	b := newRenameBarrier(m, im.Layout, 2)
	res := make([]Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		other := *im
		other.ZFS = b
		wg.Go(func() { res[i], errs[i] = other.Import(ctx, pkg, nil) })
	}
	wg.Wait()
	checkConcurrentImports(t, m, im, b, res, errs)
}

// TestImportDiscardsOnFailure: when committing fails (readonly, snapshot, rename), Import
// removes its temporary dataset and reports the failure; when removing fails too, it reports
// both.
func TestImportDiscardsOnFailure(t *testing.T) {
	busy := fmt.Errorf("%w: %w", zfs.ErrBusy, errInjected)
	cases := map[string]struct {
		fail     map[string]error
		leftover bool
	}{
		"readonly fails":          {fail: map[string]error{"readonly": errInjected}},
		"snapshot fails":          {fail: map[string]error{"snapshot": errInjected}},
		"rename fails":            {fail: map[string]error{"rename": busy}},
		"rename and discard fail": {fail: map[string]error{"rename": errInjected, "destroy": busy}, leftover: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			m, im := modelStore(t)
			im.ZFS = &failingClient{Client: m, fail: tc.fail}
			pkg := writePackage(t, "bash", "5.2.21", map[string]string{"bin/bash": "x"})
			res, err := im.Import(ctx, pkg, nil)
			if !errors.Is(err, errInjected) || res.Imported {
				t.Fatalf("Import = %+v, %v; want the injected error", res, err)
			}
			if derr := tc.fail["destroy"]; derr != nil && !errors.Is(err, derr) {
				t.Errorf("error %v does not report the failed clean-up", err)
			}
			tree, oerr := m.Observe(ctx, string(im.Layout.Root))
			must(t, oerr)
			var temps []string
			for _, d := range tree.Under(string(im.Layout.Tmp())) {
				if layout.Dataset(d.Name) != im.Layout.Tmp() && !strings.Contains(d.Name, "@") {
					temps = append(temps, d.Name)
				}
			}
			if got := len(temps) > 0; got != tc.leftover {
				t.Errorf("temporary datasets left: %q; want some: %v", temps, tc.leftover)
			}
			if tc.leftover && !strings.Contains(err.Error(), temps[0]) {
				t.Errorf("error %q does not name the temporary dataset %s it left", err, temps[0])
			}
			if n := len(NewIndex(tree, im.Layout).All()); n != 0 {
				t.Errorf("%d packages in the store after a failed import", n)
			}
		})
	}
}

// TestImportRefusesLongNames: a package whose dataset (with @installed) would be longer than
// ZFS allows is refused before anything is created, with an error naming it; one byte shorter
// imports.
func TestImportRefusesLongNames(t *testing.T) {
	ctx := context.Background()
	_, im := modelStore(t)
	// <root>/store/pkg/<name>/1.0.0/1/<24-digit build-id>@installed
	fits := zfs.MaxNameLen - len(im.Layout.PkgRoot()+"/"+"/1.0.0/1/"+"@"+layout.SnapInstalled) - 24
	for _, n := range []int{fits, fits + 1, 240} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m, im := modelStore(t)
			name := strings.Repeat("n", n)
			pkg := writePackage(t, name, "1.0.0", map[string]string{"f": "x"})
			calls := m.Calls
			res, err := im.Import(ctx, pkg, nil)
			if n == fits {
				if err != nil || !res.Imported {
					t.Fatalf("Import of a %d-byte name = %+v, %v; want it imported", n, res, err)
				}
				if l := len(res.Dataset + "@" + layout.SnapInstalled); l != zfs.MaxNameLen {
					t.Errorf("the longest name that fits is %d bytes; the test expects %d", l, zfs.MaxNameLen)
				}
				return
			}
			if !errors.Is(err, ErrNameTooLong) || res.Imported {
				t.Fatalf("Import of a %d-byte name = %+v, %v; want ErrNameTooLong", n, res, err)
			}
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name the package", err)
			}
			if m.Calls != calls {
				t.Errorf("%d mutating calls before refusing", m.Calls-calls)
			}
		})
	}
}

// TestImportRealShapedModel: a package with a setuid program, absolute and escaping symlinks
// and a hard link imports as shipped, into a dataset created setuid=off, so that the store
// itself never runs anything with the program's privileges.
func TestImportRealShapedModel(t *testing.T) {
	ctx := context.Background()
	_, im := modelStore(t)
	rec := &createRecorder{Client: im.ZFS}
	im.ZFS = rec
	pkg := writeRealPackage(t)
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	if !res.Imported {
		t.Fatal("nothing imported")
	}
	n := 0
	for name, props := range rec.props {
		if props[layout.PropKind] != layout.KindPackage {
			continue
		}
		n++
		if props["setuid"] != "off" {
			t.Errorf("package dataset %s created with setuid=%q; want off", name, props["setuid"])
		}
	}
	if n != 1 {
		t.Fatalf("%d package datasets created; want 1", n)
	}
	checkRealPackage(t, im.Layout.Path(layout.Dataset(res.Dataset)))
}

// squatter is a client on which, just before the import's rename, someone else puts an
// unmanaged dataset (read-only, with @installed) at the package's final name.
type squatter struct {
	*zfstest.Model
	final string
}

func (s *squatter) Rename(ctx context.Context, from, to string, opt zfs.RenameOptions) error {
	if to == s.final {
		if err := Ensure(ctx, s.Model, parentChain(layout.Layout{Root: "tank/axiom"}, to)...); err != nil {
			return err
		}
		if err := s.Model.Create(ctx, to, zfs.CreateOptions{Props: zfs.Props{"readonly": "on"}}); err != nil {
			return err
		}
		if err := s.Model.Snapshot(ctx, to+"@"+layout.SnapInstalled); err != nil {
			return err
		}
	}
	return s.Model.Rename(ctx, from, to, opt)
}

// An unmanaged dataset at a package's final name is never taken for the package: not when it is
// there before the import, and not when it wins the rename (the losing-rename path checks
// ownership the way creating does).
func TestImportRefusesUnmanagedAtFinalName(t *testing.T) {
	ctx := context.Background()
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "z"})

	m, im := modelStore(t)
	final := string(im.Layout.Package(ID(pkg)))
	im.ZFS = &squatter{Model: m, final: final}
	_, err := im.Import(ctx, pkg, nil)
	if !errors.Is(err, ErrNotOurs) {
		t.Fatalf("an unmanaged dataset won the rename: Import returned %v, want ErrNotOurs", err)
	}
	tree, oerr := m.Observe(ctx, "tank/axiom")
	must(t, oerr)
	for _, d := range tree.Datasets {
		if strings.Contains(d.Name, "/tmp/") {
			t.Errorf("the temporary dataset %s was left behind", d.Name)
		}
	}

	// Now it is there before the import starts.
	im.ZFS = m
	if _, err := im.Import(ctx, pkg, nil); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("with an unmanaged dataset at the final name, Import returned %v, want ErrNotOurs", err)
	}
	if d, _ := tree.Get(final); d == nil {
		t.Fatalf("the unmanaged dataset %s is gone", final)
	}
}

// A package packed as .tar.xz or .tar.bz2 has the directory's build-id, and imports as the same
// package: the first form imported is the one in the store, the others find it there.
func TestImportArchiveFormatsModel(t *testing.T) {
	ctx := context.Background()
	_, im := modelStore(t)
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hello\n"}
	dir := writePackage(t, "hello", "1.0.0", files)
	for i, suffix := range []string{".tar.xz", ".tar.bz2", ".tar.gz"} {
		p := writeArchiveAs(t, suffix, "hello", "1.0.0", files)
		if ID(p) != ID(dir) {
			t.Fatalf("%s: build-id %s, the directory's %s", suffix, ID(p), ID(dir))
		}
		res, err := im.Import(ctx, p, nil)
		if err != nil || res.Imported != (i == 0) {
			t.Fatalf("importing the %s archive: %+v, %v", suffix, res, err)
		}
	}
}

// TestImportCallsWithObservation counts the zfs calls of an import (the model counts every
// mutating one): given the observation the plan was made from, the parents it shows are not
// created again and the rename is not tried before the missing ones exist; an observation that
// is wrong (a parent it shows went meanwhile) still imports, by the fallback.
func TestImportCallsWithObservation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		first     string // imported before, so its parents exist
		version   string // and revision, after a '-' (else 1)
		wantCalls int
		drop      string // a parent destroyed after the observation, relative to the store
	}{
		// 3 parents, then create, readonly (`zfs set`), the commit program (snapshot and its guid
		// recorded; the model counts Commit as these two processes), rename
		{"a new name", "", "1.0.0", 3 + 4, ""},
		{"a new version", "1.0.0", "2.0.0", 2 + 4, ""},         // X.Y.Z and rev
		{"a new revision", "1.0.0", "1.0.0-2", 1 + 4, ""},      // rev
		{"a new build", "1.0.0", "1.0.0", 4, ""},               // nothing but the package
		{"the observation is stale", "1.0.0", "2.0.0", 0, "x"}, // counted below: it imports
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, im := modelStore(t)
			_, err := im.Import(ctx, writePackage(t, "y", "1.0.0", map[string]string{"a": "other"}), nil)
			must(t, err)
			if tc.first != "" {
				_, err := im.Import(ctx, writePackage(t, "x", tc.first, map[string]string{"a": "first"}), nil)
				must(t, err)
			}
			known, err := m.Observe(ctx, string(im.Layout.Root))
			must(t, err)
			if tc.drop != "" {
				must(t, m.Destroy(ctx, string(im.Layout.PkgRoot())+"/"+tc.drop, zfs.DestroyOptions{Recursive: true}))
			}
			ver, rev, ok := strings.Cut(tc.version, "-")
			if !ok {
				rev = "1"
			}
			pkg := writePackageRev(t, "x", ver, rev, map[string]string{"a": "second"})
			calls := m.Calls
			res, err := im.Import(ctx, pkg, known)
			must(t, err)
			if !res.Imported {
				t.Fatalf("not imported: %+v", res)
			}
			if got := m.Calls - calls; tc.wantCalls > 0 && got != tc.wantCalls {
				t.Errorf("%d zfs calls, want %d", got, tc.wantCalls)
			}
		})
	}
}
