package zfstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"testing"

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
		for snap, tags := range holds {
			for _, tag := range tags {
				if err := c.Release(ctx, tag, snap); err != nil {
					t.Errorf("cleanup: release %s %s: %v", tag, snap, err)
				}
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
