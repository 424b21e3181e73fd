package zfs

import (
	"context"
	"errors"
	"os/exec"
	"strings"

	gozfs "github.com/mistifyio/go-zfs/v3"
)

// Pool-level reads and writes go through github.com/mistifyio/go-zfs/v3, which does this job
// well: one `zpool get -Hp` for a pool's health and space, `zpool create`/`destroy` for the
// throwaway pools tests make. None of it is on a reconcile pass's hot path, so its lack of a
// context (checked before the call instead) and its own process accounting do not matter here.

// PoolInfo is a pool's health and space.
type PoolInfo struct {
	Name                  string
	Health                string // ONLINE, DEGRADED, FAULTED, ...
	Size, Allocated, Free uint64
	ReadOnly              bool
}

// Pool reports the health and space of the pool that holds dataset (any dataset name works).
func (c *CLI) Pool(ctx context.Context, dataset string) (PoolInfo, error) {
	if err := ValidateName(dataset); err != nil {
		return PoolInfo{}, err
	}
	name, _, _ := strings.Cut(dataset, "/")
	if err := ctx.Err(); err != nil {
		return PoolInfo{}, &Error{Op: "pool", Name: name, ExitCode: -1, Err: err}
	}
	c.procs.Add(1)
	z, err := gozfs.GetZpool(name)
	if err != nil {
		return PoolInfo{}, fromGoZFS("pool", name, err)
	}
	return PoolInfo{Name: z.Name, Health: z.Health, Size: z.Size, Allocated: z.Allocated, Free: z.Free, ReadOnly: z.ReadOnly}, nil
}

// CreateFilePool creates a pool on the given files (a throwaway pool for tests and demos) with
// the given pool properties, using go-zfs.
func CreateFilePool(ctx context.Context, name string, props map[string]string, files ...string) error {
	if err := ValidateComponent(name); err != nil {
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
	if err := ValidateComponent(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fromGoZFS("destroy pool", name, (&gozfs.Zpool{Name: name}).Destroy())
}

// fromGoZFS turns go-zfs' error into ours, classified the same way.
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
		return &Error{Op: op, Name: name, Argv: strings.Fields(ge.Debug), ExitCode: code, Stderr: strings.TrimSpace(ge.Stderr), Err: classify(ge.Stderr)}
	}
	return &Error{Op: op, Name: name, ExitCode: -1, Err: err}
}
