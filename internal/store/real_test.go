//go:build realzfs

package store

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

func realStore(t *testing.T) (*zfs.CLI, *Importer) {
	t.Helper()
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool)
	l := layout.Layout{Root: layout.Dataset(root), Mountpoint: "/" + root}
	return c, &Importer{ZFS: c, Layout: l, Log: zerolog.Nop()}
}

func TestImportReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	pkg := writePackage(t, "bash", "5.2.21", map[string]string{"bin/bash": "#!/bin/sh\necho bash\n", "share/doc/bash/README": "hi"})
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	if !res.Imported {
		t.Fatal("first import did nothing")
	}
	tree, err := c.Observe(ctx, string(im.Layout.Root))
	must(t, err)
	p, ok := NewIndex(tree, im.Layout).Get(ID(pkg))
	if !ok || !p.Complete || !p.Managed {
		t.Fatalf("imported package not complete and managed: %+v", p)
	}
	if b, err := os.ReadFile(filepath.Join(p.Path, "root/bin/bash")); err != nil || string(b) != "#!/bin/sh\necho bash\n" {
		t.Fatalf("content: %q %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(p.Path, "root/bin/bash"), []byte("tampered"), 0o755); err == nil {
		t.Fatal("a committed package is writable")
	}

	_, before := c.Stats()
	res, err = im.Import(ctx, pkg, nil)
	must(t, err)
	_, after := c.Stats()
	if res.Imported || after != before {
		t.Fatalf("re-import: %+v and %d mutating zfs commands, want none", res, after-before)
	}
}

// TestImportConcurrentReal: two importers of one package on real ZFS, held at a barrier before
// their renames so that both have built (and snapshotted) their copy first: one rename wins, the
// other gets ZFS's "exists", and both imports succeed with one copy left.
func TestImportConcurrentReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "zlib"})
	b := newRenameBarrier(c, im.Layout, 2)
	var wg sync.WaitGroup
	res := make([]Result, 2)
	errs := make([]error, 2)
	for i := range errs {
		// Separate importers: separate processes in real life, nothing shared but ZFS (and, here,
		// the barrier).
		other := *im
		other.ZFS = b
		wg.Go(func() { res[i], errs[i] = other.Import(ctx, pkg, nil) })
	}
	wg.Wait()
	checkConcurrentImports(t, c, im, b, res, errs)
}

func TestKilledImportReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	// What a process killed after creating its temporary dataset leaves behind.
	tmp, err := im.createTemp(ctx, "pkg-deadbeef", zfs.Props{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindPackage})
	must(t, err)
	tree, err := c.Observe(ctx, string(im.Layout.Root))
	must(t, err)
	if n := len(NewIndex(tree, im.Layout).All()); n != 0 {
		t.Fatalf("a temporary dataset was indexed as a package")
	}
	if !layout.Under(layout.Dataset(tmp), im.Layout.Tmp()) {
		t.Fatalf("temporary dataset %s is not below %s", tmp, im.Layout.Tmp())
	}
}

// TestImportArchiveReal: the same package as a directory and as a .tar.gz (with a top-level
// folder) has one build-id, so importing the archive after the directory changes nothing; an
// archive package on its own imports with its files.
func TestImportArchiveReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hello\n", "share/doc/hello/README": "hi"}
	dirPkg := writePackage(t, "hello", "1.0.0", files)
	for i, suffix := range []string{".tar.gz", ".tar.xz", ".tar.bz2"} {
		arcPkg := writeArchiveAs(t, suffix, "hello", "1.0.0", files)
		if ID(dirPkg) != ID(arcPkg) {
			t.Fatalf("directory %s and %s archive %s differ", ID(dirPkg), suffix, ID(arcPkg))
		}
		_, before := c.Stats()
		res, err := im.Import(ctx, arcPkg, nil)
		must(t, err)
		if _, after := c.Stats(); res.Imported != (i == 0) || (i > 0 && after != before) {
			t.Fatalf("importing the %s archive: %+v, %d mutating commands (the same package: imported once)", suffix, res, after-before)
		}
	}
	_, before := c.Stats()
	res, err := im.Import(ctx, dirPkg, nil)
	must(t, err)
	if _, after := c.Stats(); res.Imported || after != before {
		t.Fatalf("importing the directory after the archives: %+v, %d mutating commands", res, after-before)
	}
	b, err := os.ReadFile(filepath.Join(im.Layout.Path(layout.Dataset(res.Dataset)), "root/bin/hello"))
	if err != nil || string(b) != files["bin/hello"] {
		t.Fatalf("archive package content: %q %v", b, err)
	}
}

// TestImportRealShapedReal: on real ZFS, a package with a setuid program, absolute and escaping
// symlinks and a hard link imports as shipped, and its dataset is mounted nosuid (setuid=off).
func TestImportRealShapedReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	_, im := realStore(t)
	res, err := im.Import(ctx, writeRealPackage(t), nil)
	must(t, err)
	dir := im.Layout.Path(layout.Dataset(res.Dataset))
	checkRealPackage(t, dir)
	info, err := os.ReadFile("/proc/self/mountinfo")
	must(t, err)
	found := false
	for line := range strings.SplitSeq(string(info), "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && f[4] == dir {
			found = true
			if !slices.Contains(strings.Split(f[5], ","), "nosuid") {
				t.Errorf("%s is mounted %s; want nosuid", dir, f[5])
			}
		}
	}
	if !found {
		t.Fatalf("%s is not a mountpoint", dir)
	}
}

// TestImportProcessesReal counts the zfs processes of imports on real ZFS, given the observation
// the plan was made from (as TestImportCallsWithObservation does on the model): each parent
// container one `zfs create` with its marker, then create, `zfs set readonly=on`, the commit
// program (snapshot and guid) and the rename.
func TestImportProcessesReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	// The store, tmp/ and the capability probe come with the first import.
	_, err := im.Import(ctx, writePackage(t, "y", "1.0.0", map[string]string{"a": "y"}), nil)
	must(t, err)
	for _, tc := range []struct {
		name, version, rev, content string
		want                        int64
	}{
		{"a new name", "1.0.0", "1", "one", 3 + 4},
		{"a new version", "2.0.0", "1", "two", 2 + 4},
		{"a new revision", "2.0.0", "2", "three", 1 + 4},
		{"a new build", "2.0.0", "2", "four", 4},
	} {
		known, err := c.Observe(ctx, string(im.Layout.Root))
		must(t, err)
		pkg := writePackageRev(t, "x", tc.version, tc.rev, map[string]string{"a": tc.content})
		before, _ := c.Stats()
		ops0 := c.ProcessesByOp()
		res, err := im.Import(ctx, pkg, known)
		must(t, err)
		after, _ := c.Stats()
		if !res.Imported || after-before != tc.want {
			t.Errorf("%s: imported %v in %d zfs processes, want %d", tc.name, res.Imported, after-before, tc.want)
		}
		// Where they go: the containers' creates, then the temporary dataset, its seal (zfs
		// set readonly=on), the program that snapshots it and records the guid, the rename.
		ops, sum := map[string]int64{}, int64(0)
		for op, n := range c.ProcessesByOp() {
			if d := n - ops0[op]; d > 0 {
				ops[op], sum = d, sum+d
			}
		}
		want := map[string]int64{"create": 1 + tc.want - 4, "set": 1, "program": 1, "rename": 1}
		if !maps.Equal(ops, want) || sum != after-before {
			t.Errorf("%s: zfs processes by operation %v, want %v", tc.name, ops, want)
		}
	}
}

// TestImportBelowUnmountedContainerReal: a container another importer just made may not be
// mounted yet when this importer finds it there. Its children must wait for that mount: made
// before it, they would be mounted at a directory the container's mount then hides, and the
// package renamed below them would be unreachable (and its tree could not be unmounted). Here
// store/pkg exists unmounted, as the other importer's `zfs create` leaves it until it mounts
// it; lateMount mounts it a second after the importer finds it, or at once after the importer
// creates a child below it, whichever comes first.
func TestImportBelowUnmountedContainerReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	c, im := realStore(t)
	must(t, Ensure(ctx, c, string(im.Layout.Store())))
	pkgRoot := string(im.Layout.PkgRoot())
	if out, err := exec.Command("zfs", "create", "-u", "-o", layout.PropManagedBy+"="+layout.ManagedBy,
		"-o", layout.PropKind+"="+layout.KindContainer, pkgRoot).CombinedOutput(); err != nil {
		t.Fatalf("zfs create -u %s: %v\n%s", pkgRoot, err, out)
	}
	late := &lateMount{CLI: c, t: t, ds: pkgRoot}
	im.ZFS = late
	pkg := writePackage(t, "zlib", "1.3.1", map[string]string{"lib/libz.so.1": "zlib"})
	res, err := im.Import(ctx, pkg, nil)
	must(t, err)
	late.wait()
	// The package and every container between it and store/pkg is mounted at its path: none
	// is hidden under a mount made after it.
	for ds := layout.Dataset(res.Dataset); ds != layout.Dataset(pkgRoot); ds = ds.Parent() {
		if err := CheckMountpoint(im.Layout.Path(ds)); err != nil {
			t.Errorf("%s is not reachable at its path: %v", ds, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(im.Layout.Path(layout.Dataset(res.Dataset)), "root", "lib", "libz.so.1")); err != nil || string(b) != "zlib" {
		t.Errorf("the package's file at its path: %q, %v", b, err)
	}
}

// lateMount plays the other importer whose `zfs create` of the container ds has not mounted
// it yet: ds is mounted a second after this importer's create of it reports "exists", or right
// after this importer creates a child below it, whichever comes first.
type lateMount struct {
	*zfs.CLI
	t  testing.TB
	ds string

	mu      sync.Mutex
	mounted bool
	timer   sync.WaitGroup
}

func (m *lateMount) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.CLI.Create(ctx, name, opt)
	switch {
	case name == m.ds && errors.Is(err, zfs.ErrExist) && !m.mounted:
		m.timer.Go(func() {
			time.Sleep(time.Second)
			m.mu.Lock()
			defer m.mu.Unlock()
			m.mount(ctx)
		})
	case layout.Under(name, m.ds) && name != m.ds:
		m.mount(ctx)
	}
	return err
}

// mount mounts ds once; m.mu is held.
func (m *lateMount) mount(ctx context.Context) {
	if m.mounted {
		return
	}
	m.mounted = true
	if err := m.CLI.Mount(ctx, m.ds); err != nil {
		m.t.Errorf("mount %s: %v", m.ds, err)
	}
}

// wait waits for the timer's mount, if one was started.
func (m *lateMount) wait() { m.timer.Wait() }
