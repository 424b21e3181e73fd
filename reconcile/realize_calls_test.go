package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// genCallCounter counts the model's mutating calls (zfs processes, as the model counts them)
// on generations' temporary datasets: their creation or clone, commit and rename.
type genCallCounter struct {
	*zfstest.Model
	calls int
}

func (c *genCallCounter) count(name string, call func() error) error {
	before := c.Calls
	err := call()
	if strings.HasPrefix(name, testRoot+"/tmp/gen-") {
		c.calls += c.Calls - before
	}
	return err
}

func (c *genCallCounter) Create(ctx context.Context, name string, opt zfs.CreateOptions) error {
	return c.count(name, func() error { return c.Model.Create(ctx, name, opt) })
}

func (c *genCallCounter) Clone(ctx context.Context, snapshot, name string, props zfs.Props) error {
	return c.count(name, func() error { return c.Model.Clone(ctx, snapshot, name, props) })
}

func (c *genCallCounter) SetProps(ctx context.Context, name string, props zfs.Props) error {
	return c.count(name, func() error { return c.Model.SetProps(ctx, name, props) })
}

func (c *genCallCounter) Snapshot(ctx context.Context, snapshots ...string) error {
	return c.count(strings.Join(snapshots, " "), func() error { return c.Model.Snapshot(ctx, snapshots...) })
}

func (c *genCallCounter) Commit(ctx context.Context, snapshot string, opt zfs.CommitOptions) (uint64, error) {
	var guid uint64
	err := c.count(snapshot, func() (err error) {
		guid, err = c.Model.Commit(ctx, snapshot, opt)
		return err
	})
	return guid, err
}

func (c *genCallCounter) Rename(ctx context.Context, from, to string, opt zfs.RenameOptions) error {
	return c.count(from, func() error { return c.Model.Rename(ctx, from, to, opt) })
}

// TestRealizeCalls counts the zfs processes a generation's dataset costs, full and incremental:
// its creation (or clone), the commit (`zfs set` of readonly=on and the content digest, then one
// channel program that takes @realized and records its guid) and the rename: 4 (before the
// commit program, 5 on the model and 6 on real ZFS, which also observed the guid).
func TestRealizeCalls(t *testing.T) {
	w := newWorld(t, "", profileHCL("p", "make")+envHCL("e", "p"))
	c := &genCallCounter{Model: w.m}
	w.e.ZFS = c
	w.apply(defaults)
	if c.calls != 4 {
		t.Errorf("full realize: %d zfs calls on the generation, want 4", c.calls)
	}
	c.calls = 0
	w.write("main.hcl", profileHCL("p", "make", "zlib")+envHCL("e", "p"))
	w.apply(defaults)
	if o := w.dataset(testRoot + "/env/e/gen-2").Origin; o == "" {
		t.Fatal("gen-2 was not built incrementally")
	}
	if c.calls != 4 {
		t.Errorf("incremental realize: %d zfs calls on the generation, want 4", c.calls)
	}
}
