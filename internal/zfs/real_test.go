//go:build realzfs

package zfs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// TestConformanceReal runs the suite as production does: JSON output, channel programs, and
// observation in one `zfs get` of a known property list.
func TestConformanceReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(zfstest.SuiteProps...))
	caps, err := c.Capabilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real OpenZFS: %s (json %v, channel programs %v)", caps, caps.JSON, caps.ChannelPrograms)
	zfstest.RunSuite(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	})
}

// TestConformanceLegacyReal runs the suite as production does on OpenZFS before 2.3: a known
// property list (as cmd/axiom-reconcile builds its client) read by one `zfs get -H` (the text
// parser and datasetsFromRecords), and without channel programs (the one-at-a-time GC path).
// Legacy mode changes how observations are read and how datasets are destroyed, nothing else:
// the cases it skips run the same commands in both modes and assert what those commands did
// (creating, renaming, promoting, holding, refusing names), which TestConformanceReal proves;
// every case with an observation to parse or a destroy runs here too.
func TestConformanceLegacyReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(zfstest.SuiteProps...))
	if err := zfs.LegacyForTest(c); err != nil {
		t.Fatal(err)
	}
	zfstest.RunSuiteExcept(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	}, "CreateExisting", "CreateParents", "HoldIsPerSnapshot", "Promote", "Rename", "InvalidNamesRejected", "PoolInfo")
}

// TestConformanceLegacyAllPropsReal runs the suite without JSON output and without channel
// programs, with the two-process observation of every user property, so that observation's -H
// text parsing is proven on real output too. It differs from TestConformanceLegacyReal only in
// how it observes, so it runs the cases whose assertions are about what an observation reports
// (property values and sources, snapshots, origins, odd names, a missing root), not the
// destroy, hold and rename cases that variant already proved with the same mutations.
func TestConformanceLegacyAllPropsReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	if err := zfs.LegacyForTest(c); err != nil {
		t.Fatal(err)
	}
	zfstest.RunSuiteCases(t, func(t *testing.T) zfstest.Target {
		return zfstest.Target{Client: c, Root: zfstest.NewRoot(t, c, pool)}
	}, "CreateAndObserve", "SetAndInherit", "InheritedIsNotLocal", "ColonNames", "ObserveMissingRoot",
		"SnapshotAtomic", "ClonesPinOrigins")
}

// realClients are the configurations observation runs in: production (a known property list,
// JSON), production before OpenZFS 2.3 (text), and every user property (JSON, then text).
func realClients(t *testing.T) map[string]*zfs.CLI {
	t.Helper()
	legacy := func(c *zfs.CLI) *zfs.CLI {
		if err := zfs.LegacyForTest(c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	return map[string]*zfs.CLI{
		"production":         zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by")),
		"production, legacy": legacy(zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by"))),
		"all props":          zfs.NewCLI(zerolog.Nop()),
		"all props, legacy":  legacy(zfs.NewCLI(zerolog.Nop())),
	}
}

// zfsCmd runs zfs directly, for what the client rightly refuses to do itself.
func zfsCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("zfs", args...).CombinedOutput(); err != nil {
		t.Fatalf("zfs %v: %v: %s", args, err, out)
	}
}

// TestForeignNamesReal: ZFS allows a component or snapshot beginning with '-'; a foreign dataset
// so named must not break observation (each pass observes the whole tree), and a managed
// dataset's foreign snapshot so named must not stop its garbage collection.
func TestForeignNamesReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	for name, c := range realClients(t) {
		t.Run(name, func(t *testing.T) {
			root := zfstest.NewRoot(t, c, pool)
			zfsCmd(t, "create", root+"/-x")
			zfsCmd(t, "snapshot", root+"/-x@-daily")
			if err := c.Create(ctx, root+"/m", zfs.CreateOptions{Props: zfs.Props{"axiom:managed-by": "test"}}); err != nil {
				t.Fatal(err)
			}
			zfsCmd(t, "snapshot", root+"/m@-daily")
			if err := c.Snapshot(ctx, root+"/m@installed"); err != nil {
				t.Fatal(err)
			}
			tree, err := c.Observe(ctx, root)
			if err != nil {
				t.Fatalf("observe a tree with foreign names: %v", err)
			}
			for _, n := range []string{"/-x", "/-x@-daily", "/m", "/m@-daily", "/m@installed"} {
				if _, ok := tree.Get(root + n); !ok {
					t.Fatalf("%s%s not observed: %v", root, n, tree.Datasets)
				}
			}
			if _, err := c.DestroyUnused(ctx, []string{root + "/m", root + "/-x"}, zfs.Guard{Prop: "axiom:managed-by", Value: "test"}); !errors.Is(err, zfs.ErrInvalidName) {
				t.Fatalf("DestroyUnused with a candidate beginning with '-': %v, want ErrInvalidName", err)
			}
			rep, err := c.DestroyUnused(ctx, []string{root + "/m"}, zfs.Guard{Prop: "axiom:managed-by", Value: "test"})
			if err != nil || len(rep.Destroyed) != 1 {
				t.Fatalf("destroy a managed dataset with a snapshot named -daily: %+v, %v", rep, err)
			}
		})
	}
}

// TestForgedRecordRefusedReal: on a ZFS without JSON output, a user property whose value holds
// a line reading as a record (here one claiming a foreign dataset is managed) makes observation
// fail with ErrAmbiguous instead of forging the property.
func TestForgedRecordRefusedReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	for name, c := range realClients(t) {
		t.Run(name, func(t *testing.T) {
			root := zfstest.NewRoot(t, c, pool)
			zfsCmd(t, "create", root+"/foreign")
			zfsCmd(t, "create", root+"/other")
			// A property every client reads, whose value holds a real newline and real tabs, as
			// `zfs get -H` prints them unescaped: it reads as a record making foreign managed.
			zfsCmd(t, "set", "axiom:managed-by=x\n"+root+"/foreign\taxiom:managed-by\tlocal\taxiom-reconcile", root+"/other")
			t.Cleanup(func() { zfsCmd(t, "inherit", "axiom:managed-by", root+"/other") })
			tree, err := c.Observe(ctx, root)
			if strings.HasSuffix(name, "legacy") {
				if !errors.Is(err, zfs.ErrAmbiguous) {
					t.Fatalf("observe with a forged record in a value: %v, want ErrAmbiguous", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d, _ := tree.Get(root + "/foreign")
			if v, ok := d.Local("axiom:managed-by"); ok {
				t.Fatalf("JSON observation forged axiom:managed-by=%q", v)
			}
		})
	}
}

// TestNameCharactersReal: the validator's character rule is libzfs's. zfs itself, run
// directly, creates exactly the components the validator accepts: ':' anywhere (package
// datasets use it for '+'), and never '+' (which is why they must). Names beginning with '-' are
// left out: ZFS allows them, the validator refuses them on purpose (TestForeignNamesReal).
func TestNameCharactersReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool)
	for _, n := range []string{"libstdc::6", ":x", "x:", "a.b_c-d", "a b", "g++-12", "+", "a+b", "a$b", "a=b", "a,b", "a~b", "é"} {
		out, err := exec.Command("zfs", "create", root+"/"+n).CombinedOutput()
		valid := zfs.ValidateComponent(n) == nil
		if (err == nil) != valid {
			t.Errorf("component %q: zfs create: %v %s; the validator says valid=%v", n, err, out, valid)
		}
	}
}

// TestProgramRefusesStaleObservationReal: DestroyUnused decides from an observation, and the
// state may move before its channel program runs. The program checks again, atomically: a
// snapshot held, a snapshot cloned, or the guard property removed since the observation each
// keeps the dataset.
func TestProgramRefusesStaleObservationReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool)
	guard := zfs.Guard{Prop: "axiom:managed-by", Value: "test"}
	names := []string{root + "/held", root + "/cloned", root + "/disowned"}
	for _, n := range names {
		if err := c.Create(ctx, n, zfs.CreateOptions{Props: zfs.Props{guard.Prop: guard.Value}}); err != nil {
			t.Fatal(err)
		}
		zfsCmd(t, "snapshot", n+"@installed")
	}
	tree, err := c.Observe(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	zfsCmd(t, "hold", "someone", root+"/held@installed")
	t.Cleanup(func() { zfsCmd(t, "release", "someone", root+"/held@installed") })
	zfsCmd(t, "clone", root+"/cloned@installed", root+"/clone")
	t.Cleanup(func() { zfsCmd(t, "destroy", root+"/clone") })
	zfsCmd(t, "inherit", guard.Prop, root+"/disowned")
	rep, err := zfs.DestroyStaleForTest(ctx, c, tree, pool, names, guard)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{names[0]: zfs.SkipHeld, names[1]: zfs.SkipCloned, names[2]: zfs.SkipUnmanaged}
	if len(rep.Destroyed) != 0 || !maps.Equal(rep.Skipped, want) {
		t.Fatalf("program on a stale observation: destroyed %v, skipped %v; want none destroyed, skipped %v", rep.Destroyed, rep.Skipped, want)
	}
	after, err := c.Observe(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if _, ok := after.Get(n + "@installed"); !ok {
			t.Errorf("%s@installed is gone", n)
		}
	}
}

// TestErrorDetailsReal: a real failure carries the command, its exit status and its stderr.
func TestErrorDetailsReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop())
	root := zfstest.NewRoot(t, c, pool)
	err := c.Create(ctx, root, zfs.CreateOptions{})
	var e *zfs.Error
	if !errors.As(err, &e) || !errors.Is(err, zfs.ErrExist) {
		t.Fatalf("create twice: %v", err)
	}
	if want := []string{"zfs", "create", root}; !slices.Equal(e.Argv, want) || e.ExitCode != 1 ||
		!strings.Contains(e.Stderr, "cannot create '"+root+"'") || e.Op != "create" || e.Name != root {
		t.Fatalf("error %#v: want argv %v, exit 1 and zfs's stderr", e, want)
	}
	t.Logf("%v", err)
}

// TestProgramArgsReal: channel program arguments that begin with '-' reach the program as given.
func TestProgramArgsReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	out, err := c.Program(context.Background(), pool, `return (...)["argv"]`, true, "-n", "--x", "y")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if want := map[string]string{"1": "-n", "2": "--x", "3": "y"}; !maps.Equal(got, want) {
		t.Fatalf("the program saw %v, want %v", got, want)
	}
}

// TestObserveProcessCountReal proves observation costs the same number of zfs processes for a
// tree of 10 datasets as for one of 133: one as production reads (a known property list), two
// when every user property is read. (Thirteen times the datasets in the same processes shows
// the cost does not grow with the tree; larger trees are the benchmarks' business, since each
// dataset made here costs a transaction group sync under emulation.)
func TestObserveProcessCountReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	ctx := context.Background()
	c := zfs.NewCLI(zerolog.Nop())
	// build makes root with fs filesystems and snaps snapshots of each: fs*(1+snaps)+1 datasets.
	build := func(fs, snaps int) string {
		root := zfstest.NewRoot(t, c, pool)
		for i := range fs {
			if err := c.Create(ctx, fmt.Sprintf("%s/fs%02d", root, i), zfs.CreateOptions{Props: zfs.Props{"axiom:managed-by": "test", "canmount": "off"}}); err != nil {
				t.Fatal(err)
			}
		}
		for j := range snaps { // ZFS takes one snapshot per filesystem per transaction
			var names []string
			for i := range fs {
				names = append(names, fmt.Sprintf("%s/fs%02d@s%02d", root, i, j))
			}
			if err := c.Snapshot(ctx, names...); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	small, large := build(3, 2), build(12, 10) // 1 + 3 + 6 = 10; 1 + 12 + 120 = 133
	for _, tc := range []struct {
		name  string
		c     *zfs.CLI
		procs int64
	}{
		{"known properties", zfs.NewCLI(zerolog.Nop(), zfs.WithProps("axiom:managed-by")), 1},
		{"every user property", zfs.NewCLI(zerolog.Nop()), 2},
	} {
		if _, err := tc.c.Observe(ctx, small); err != nil { // the first observation learns the output format
			t.Fatal(err)
		}
		cost := func(root string) (int64, int) {
			before, _ := tc.c.Stats()
			tree, err := tc.c.Observe(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := tc.c.Stats()
			if d, ok := tree.Get(root + "/fs01"); !ok || d.Props["axiom:managed-by"].Source != zfs.SourceLocal {
				t.Fatalf("%s: fs01 observed as %+v", tc.name, d)
			}
			return after - before, len(tree.Datasets)
		}
		smallProcs, n10 := cost(small)
		largeProcs, n133 := cost(large)
		t.Logf("%s: %d datasets in %d processes, %d datasets in %d processes", tc.name, n10, smallProcs, n133, largeProcs)
		if n10 != 10 || n133 != 133 {
			t.Fatalf("trees of %d and %d datasets, want 10 and 133", n10, n133)
		}
		if smallProcs != tc.procs || largeProcs != tc.procs {
			t.Fatalf("%s: %d and %d processes; want %d for both", tc.name, smallProcs, largeProcs, tc.procs)
		}
	}
}

// TestFilePoolReal makes and destroys a pool of its own with go-zfs (zfstest), as tests do, and
// reads it through the exec seam (CLI.Pool).
func TestFilePoolReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "pool.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 128<<20); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("axfp%d", os.Getpid())
	if err := zfstest.CreateFilePool(ctx, name, map[string]string{"ashift": "12"}, img); err != nil {
		t.Fatal(err)
	}
	c := zfs.NewCLI(zerolog.Nop())
	info, err := c.Pool(ctx, name+"/anything")
	if err != nil {
		zfstest.DestroyPool(ctx, name)
		t.Fatal(err)
	}
	if info.Name != name || info.Health != "ONLINE" || info.Size == 0 || info.Free == 0 {
		t.Errorf("pool info %+v", info)
	}
	if err := zfstest.CreateFilePool(ctx, name, nil, img); err == nil {
		t.Error("creating the pool twice succeeded")
	}
	if err := zfstest.DestroyPool(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pool(ctx, name); !errors.Is(err, zfs.ErrNotExist) {
		t.Fatalf("a destroyed pool: %v, want ErrNotExist", err)
	}
}

// TestCommitGUIDRenderingReal: the commit program's unsigned(), run by real ZFS's Lua (signed
// 64-bit integers only), renders every value as zfs prints a guid: the 64 bits unsigned. Half of
// all guids read as negative there; these are the edges of that arithmetic.
func TestCommitGUIDRenderingReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	c := zfs.NewCLI(zerolog.Nop())
	values := []int64{0, 1, 9223372036854775807, -1, -9223372036854775807 - 1, -9223372036854775807,
		-6854775808, -6854775809, -6854775807, -10000000000, -10000000001, -9999999999,
		-1234567890123456789, -8070450532247928832, -4611686018427387904, -4611686018427387905}
	var b strings.Builder
	b.WriteString(zfs.UnsignedLuaForTest + "return {")
	for i, v := range values {
		lit := strconv.FormatInt(v, 10)
		if v == -9223372036854775807-1 {
			lit = "(-9223372036854775807 - 1)" // the literal 9223372036854775808 is out of range
		}
		fmt.Fprintf(&b, "v%d = unsigned(%s), ", i, lit)
	}
	b.WriteString("}\n")
	out, err := c.Program(context.Background(), pool, b.String(), true)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	for i, v := range values {
		if want := strconv.FormatUint(uint64(v), 10); got[fmt.Sprintf("v%d", i)] != want {
			t.Errorf("unsigned(%d) = %q, want %q", v, got[fmt.Sprintf("v%d", i)], want)
		}
	}
}
