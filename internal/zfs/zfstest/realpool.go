package zfstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	gozfs "github.com/mistifyio/go-zfs/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// PoolEnv names the environment variable that gives real-ZFS tests their pool. `make test` creates
// a throwaway file-backed pool and sets it (natively, or inside the test VM).
const PoolEnv = "AXIOM_TEST_POOL"

// RealPool returns the pool real-ZFS tests may use. Tests that call it are built only with the
// realzfs tag, so they never run where no pool was provided; if the variable is missing anyway,
// the test fails loudly instead of skipping.
func RealPool(t testing.TB) string {
	t.Helper()
	p := os.Getenv(PoolEnv)
	if p == "" {
		t.Fatalf("%s is not set: real-ZFS tests need a throwaway pool; run them with `make test`", PoolEnv)
	}
	return p
}

// NewRoot creates a fresh, uniquely named filesystem under pool and destroys it (releasing any
// holds first) when the test ends.
func NewRoot(t testing.TB, c zfs.Client, pool string) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	root := pool + "/t-" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := c.Create(ctx, root, zfs.CreateOptions{}); err != nil {
		t.Fatalf("creating test root: %v", err)
	}
	t.Logf("test root %s of %s", root, t.Name()) // AXIOM_ZFS_TRACE counts processes by it
	t.Cleanup(func() { Cleanup(t, c, root) })
	return root
}

// Cleanup releases every hold under root and destroys it recursively.
func Cleanup(t testing.TB, c zfs.Client, root string) {
	t.Helper()
	ctx := context.Background()
	tree, err := c.Observe(ctx, root)
	if err != nil {
		t.Errorf("cleanup: observe %s: %v", root, err)
		return
	}
	var held []string
	for _, d := range tree.Datasets {
		if d.UserRefs > 0 {
			held = append(held, d.Name)
		}
	}
	if len(held) > 0 {
		holds, err := c.Holds(ctx, held...)
		if err != nil {
			t.Errorf("cleanup: holds: %v", err)
		}
		// One `zfs release` per tag, of every snapshot it holds: a test tree's holds are a few
		// tags (a generation's, a pass's) over many package snapshots.
		byTag := map[string][]string{}
		for snap, tags := range holds {
			for _, tag := range tags {
				byTag[tag] = append(byTag[tag], snap)
			}
		}
		for tag, snaps := range byTag {
			if err := c.Release(ctx, tag, snaps...); err != nil {
				t.Errorf("cleanup: release %s %v: %v", tag, snaps, err)
			}
		}
	}
	if _, ok := tree.Get(root); ok {
		if err := c.Destroy(ctx, root, zfs.DestroyOptions{Recursive: true}); err != nil {
			t.Errorf("cleanup: destroy %s: %v", root, err)
		}
	}
}

// BareList runs `zfs list -H -r -t all -o name ROOT`, the cheapest whole-tree listing ZFS has.
// Benchmarks time it beside an observation of the same tree, as the baseline.
func BareList(ctx context.Context, root string) error {
	return exec.CommandContext(ctx, "zfs", "list", "-H", "-r", "-t", "all", "-o", "name", root).Run()
}

// Throwaway pools are made and destroyed with go-zfs (github.com/mistifyio/go-zfs/v3), which
// does this job well: `zpool create` and `zpool destroy` with no context to pass and no process
// to account for. Only tests and demos make pools; the reconciler never does, and everything it
// runs goes through zfs.CLI's exec seam.

// CreateFilePool creates a pool on the given files with the given pool properties.
func CreateFilePool(ctx context.Context, name string, props map[string]string, files ...string) error {
	if err := zfs.ValidateComponent(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := gozfs.CreateZpool(name, props, append([]string{"-f"}, files...)...)
	return fromGoZFS("create pool", name, err)
}

// DestroyPool destroys a pool made by CreateFilePool.
func DestroyPool(ctx context.Context, name string) error {
	if err := zfs.ValidateComponent(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fromGoZFS("destroy pool", name, (&gozfs.Zpool{Name: name}).Destroy())
}

// fromGoZFS turns go-zfs' error into a *zfs.Error with its command, exit status and stderr.
func fromGoZFS(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var ge *gozfs.Error
	if errors.As(err, &ge) {
		code := -1 // did not start, or killed by a signal
		var ee *exec.ExitError
		if errors.As(ge.Err, &ee) {
			code = ee.ExitCode()
		}
		return &zfs.Error{Op: op, Name: name, Argv: strings.Fields(ge.Debug), ExitCode: code, Stderr: strings.TrimSpace(ge.Stderr), Err: zfs.Classify(ge.Stderr)}
	}
	return &zfs.Error{Op: op, Name: name, ExitCode: -1, Err: err}
}
