package zfs

import (
	"context"
	"strconv"
	"strings"
)

// Integrity reads and restores what a snapshot protects: `verify` asks, in one observation,
// whether anything was written to a package or generation since its snapshot, and puts back
// what was. *CLI and zfstest.Model implement it; it is not part of Client because only verify
// needs it.
type Integrity interface {
	// ObserveWritten is Observe plus, on each filesystem, Dataset.Written: for each short
	// snapshot name in snaps that the filesystem has a snapshot of, the bytes written to it since
	// (ZFS's written@<snap> property). A filesystem without that snapshot has no entry for it.
	// On *CLI configured WithProps it is one `zfs get` for the whole tree. The counts are those
	// of the last synced transaction group: call Sync first to count what was written in the
	// last seconds.
	ObserveWritten(ctx context.Context, snaps []string, roots ...string) (*Tree, error)
	// Rollback discards what was written to a filesystem since snapshot (zfs rollback, never -r):
	// a snapshot that is not the filesystem's latest is ErrBusy, and nothing changes. Holds on the
	// snapshot do not prevent it. Properties are not rolled back.
	Rollback(ctx context.Context, snapshot string) error
	// Sync waits until everything written to the pool of dataset is in a synced transaction
	// group (zpool sync), so written@ counts it.
	Sync(ctx context.Context, dataset string) error
}

var _ Integrity = (*CLI)(nil)

// writtenPrefix starts the name of ZFS's written@<snapshot> property.
const writtenPrefix = "written@"

// ObserveWritten implements Integrity.
func (c *CLI) ObserveWritten(ctx context.Context, snaps []string, roots ...string) (*Tree, error) {
	cols, err := writtenColumns(snaps)
	if err != nil {
		return nil, err
	}
	if c.props != nil {
		return c.observeOne(ctx, roots, cols)
	}
	tree, err := c.Observe(ctx, roots...)
	if err != nil || len(cols) == 0 {
		return tree, err
	}
	var present []string
	for _, r := range roots {
		if _, ok := tree.Get(r); ok {
			present = append(present, r)
		}
	}
	if len(present) == 0 {
		return tree, nil
	}
	recs, err := c.get(ctx, present, func(n string) bool { _, ok := tree.Get(n); return ok },
		"-r", "-t", "filesystem", "-o", "name,property,source,value", strings.Join(cols, ","))
	if err != nil {
		return nil, err
	}
	attachWritten(tree, recs)
	return tree, nil
}

// writtenColumns names the written@ properties of snaps, checking each is a valid short
// snapshot name.
func writtenColumns(snaps []string) ([]string, error) {
	cols := make([]string, 0, len(snaps))
	for _, s := range snaps {
		if err := ValidateSnapshot("x@" + s); err != nil || strings.ContainsAny(s, "@/,") {
			return nil, &Error{Op: "get", Name: s, ExitCode: -1, Err: ErrInvalidName}
		}
		cols = append(cols, writtenPrefix+s)
	}
	return cols, nil
}

// attachWritten sets Dataset.Written from written@ records; "-" (no such snapshot) is left out.
func attachWritten(tree *Tree, recs []propRecord) {
	for _, r := range recs {
		snap, ok := strings.CutPrefix(r.prop, writtenPrefix)
		if !ok {
			continue
		}
		d, ok := tree.Get(r.dataset)
		if !ok || d.Type != Filesystem {
			continue
		}
		n, err := strconv.ParseUint(r.p.Value, 10, 64)
		if err != nil {
			continue // "-": the filesystem has no such snapshot
		}
		if d.Written == nil {
			d.Written = map[string]uint64{}
		}
		d.Written[snap] = n
	}
}

// Rollback implements Integrity with `zfs rollback SNAPSHOT`.
func (c *CLI) Rollback(ctx context.Context, snapshot string) error {
	if err := ValidateSnapshot(snapshot); err != nil {
		return err
	}
	_, err := c.run(ctx, "rollback", snapshot, true, "rollback", snapshot)
	return err
}

// Sync implements Integrity with `zpool sync POOL`.
func (c *CLI) Sync(ctx context.Context, dataset string) error {
	if err := ValidateName(dataset); err != nil {
		return err
	}
	pool, _, _ := strings.Cut(dataset, "/")
	pool, _, _ = strings.Cut(pool, "@")
	_, err := c.runBin(ctx, c.zpoolBin, "sync", pool, false, nil, "sync", pool)
	return err
}
