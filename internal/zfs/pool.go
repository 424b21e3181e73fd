package zfs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Pool-level reads go through the exec seam like every other process the reconciler starts: a
// process group of its own, the context, the debug log line and the process count. go-zfs
// (github.com/mistifyio/go-zfs/v3) reads a pool with one `zpool get` too, but runs it with
// exec.Command: no context, no process group, not logged or counted here. It is kept where none
// of that matters: zfstest makes and destroys the throwaway pools of tests with it.

// PoolInfo is a pool's health and space.
type PoolInfo struct {
	Name                  string
	Health                string // ONLINE, DEGRADED, FAULTED, ...
	Size, Allocated, Free uint64
	ReadOnly              bool
}

// poolProps are the pool properties Pool reads, in one `zpool get`.
const poolProps = "health,size,allocated,free,readonly"

// Pool reports the health and space of the pool that holds dataset (any dataset name works).
func (c *CLI) Pool(ctx context.Context, dataset string) (PoolInfo, error) {
	if err := ValidateName(dataset); err != nil {
		return PoolInfo{}, err
	}
	name, _, _ := strings.Cut(dataset, "/")
	out, err := c.runBin(ctx, c.zpoolBin, "pool", name, false, nil, "get", "-Hp", "-o", "property,value", poolProps, name)
	if err != nil {
		return PoolInfo{}, err
	}
	return parsePoolGet(name, string(out))
}

// parsePoolGet reads `zpool get -Hp -o property,value` output: one "property<TAB>value" line per
// property of poolProps, each exactly once.
func parsePoolGet(name, text string) (PoolInfo, error) {
	info := PoolInfo{Name: name}
	seen := map[string]bool{}
	for _, line := range splitLines(text) {
		prop, value, ok := strings.Cut(line, "\t")
		if !ok || seen[prop] {
			return PoolInfo{}, fmt.Errorf("zpool get %s: unexpected line %q", name, line)
		}
		seen[prop] = true
		var err error
		switch prop {
		case "health":
			info.Health = value
		case "size":
			info.Size, err = strconv.ParseUint(value, 10, 64)
		case "allocated":
			info.Allocated, err = strconv.ParseUint(value, 10, 64)
		case "free":
			info.Free, err = strconv.ParseUint(value, 10, 64)
		case "readonly":
			info.ReadOnly, err = value == "on", nil
			if value != "on" && value != "off" {
				err = fmt.Errorf("want on or off")
			}
		default:
			err = fmt.Errorf("not asked for")
		}
		if err != nil {
			return PoolInfo{}, fmt.Errorf("zpool get %s: %s = %q: %v", name, prop, value, err)
		}
	}
	if len(seen) != strings.Count(poolProps, ",")+1 {
		return PoolInfo{}, fmt.Errorf("zpool get %s: %d of the properties %s", name, len(seen), poolProps)
	}
	return info, nil
}
