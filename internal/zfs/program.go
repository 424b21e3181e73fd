package zfs

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/axiom-reconcile/axiom-reconcile/internal/failpoint"
)

// Program runs a channel program (zfs-program(8)) on pool with the given arguments and returns
// its JSON "return" value. readOnly runs it with -n (no zfs.sync calls allowed, no txg wait).
// go-zfs has no channel programs; this is the only way to check and destroy atomically.
func (c *CLI) Program(ctx context.Context, pool, script string, readOnly bool, args ...string) (json.RawMessage, error) {
	if err := ValidateComponent(pool); err != nil {
		return nil, err
	}
	argv := programArgv("", pool, readOnly, args)[1:]
	out, err := c.runIn(ctx, "program", pool, !readOnly, []byte(script), argv...)
	if err != nil {
		return nil, err
	}
	var res struct {
		Return json.RawMessage `json:"return"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("zfs program: reading its JSON output: %w", err)
	}
	return res.Return, nil
}

// programArgv is the command line of a program on pool, beginning with bin.
func programArgv(bin, pool string, readOnly bool, args []string) []string {
	argv := []string{bin, "program", "-j"}
	if readOnly {
		argv = append(argv, "-n")
	}
	// The script is fed on stdin: no temporary file to create, race on or leak. "--" ends the
	// options: zfs parses them with GNU getopt, which would otherwise read an argument after the
	// script that begins with '-' as one of its own ("-n" would make the program a dry run).
	argv = append(argv, "--", pool, "/dev/stdin")
	return append(argv, args...)
}

//go:embed destroy_unused.lua
var destroyUnusedLua string

// ProgramBatch bounds the datasets one channel program destroys: large destroys in one txg stall
// the pool, and the program's instruction and memory limits must never be reached half-way.
// Callers batch by it too (reconcile's GC), so that each of their calls is one program.
const ProgramBatch = 200

// DestroyUnused implements Client. With channel programs, every candidate is unmounted (a
// syscall, no process: a channel program cannot destroy a mounted filesystem) and a batch of at
// most ProgramBatch is re-checked and destroyed in one program, atomically with respect to every
// other ZFS administrative operation; a candidate the program skips is mounted again. Only
// candidates that are not mounted any more go to the program: one that cannot be unmounted (a
// process has its working directory or files open in it) is skipped as SkipBusy, since the
// program would destroy its snapshots and then fail on the filesystem (channel programs do not
// roll back). Without channel programs, each candidate's snapshots and then the candidate are
// destroyed with `zfs destroy`, after one observation; the kernel still refuses a held or cloned
// snapshot, reported as a skip.
func (c *CLI) DestroyUnused(ctx context.Context, names []string, guard Guard) (DestroyReport, error) {
	rep := DestroyReport{Skipped: map[string]string{}}
	if len(names) == 0 {
		return rep, nil
	}
	for _, n := range names {
		if err := ValidateDataset(n); err != nil {
			return rep, err
		}
	}
	if err := ValidateProp(guard.Prop); err != nil {
		return rep, err
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return rep, err
	}
	tree, err := c.Observe(ctx, names...)
	if err != nil {
		return rep, err
	}
	if !caps.ChannelPrograms {
		return rep, c.destroyEach(ctx, tree, names, guard, &rep)
	}
	byPool := map[string][]string{}
	var pools []string
	for _, n := range names {
		p, _, _ := strings.Cut(n, "/")
		if byPool[p] == nil {
			pools = append(pools, p)
		}
		byPool[p] = append(byPool[p], n)
	}
	// gone carries across batches what is destroyed, so a parent whose last child went in an
	// earlier batch is unmounted for its own.
	gone := map[string]bool{}
	for _, p := range pools {
		batch := byPool[p]
		for len(batch) > 0 {
			k := min(len(batch), ProgramBatch)
			if err := c.destroyProgram(ctx, tree, p, batch[:k], guard, gone, &rep); err != nil {
				return rep, err
			}
			batch = batch[k:]
		}
	}
	return rep, nil
}

func (c *CLI) destroyProgram(ctx context.Context, tree *Tree, pool string, names []string, guard Guard, gone map[string]bool, rep *DestroyReport) error {
	send, unmounted := unmountCandidates(tree, names, guard, gone, rep)
	failpoint.Hit(failpoint.GCUnmounted)
	if len(send) == 0 {
		return nil
	}
	out, err := c.Program(ctx, pool, destroyUnusedLua, false, append([]string{guard.Prop, guard.Value}, send...)...)
	if err != nil {
		c.remount(ctx, unmounted)
		return err
	}
	var res programResult
	if err := json.Unmarshal(out, &res); err != nil {
		c.remount(ctx, unmounted)
		return fmt.Errorf("destroy program: unexpected result %s: %w", out, err)
	}
	res.report(tree, gone, rep)
	var remount []string
	for _, n := range unmounted {
		if _, ok := res.Skipped[n]; ok {
			remount = append(remount, n)
		}
	}
	c.remount(ctx, remount)
	return nil
}

// unmountCandidates decides which of names go to the destroy program, and unmounts them: a
// channel program cannot destroy a mounted filesystem. It unmounts each candidate that the
// observation says will qualify once the candidates before it are gone (a parent after its last
// child), deepest first; the program decides for real, but only about filesystems that are
// unmounted now. It returns the names to send and those it unmounted (to mount again if the
// program keeps them); a candidate that cannot be unmounted is skipped as SkipBusy.
func unmountCandidates(tree *Tree, names []string, guard Guard, gone map[string]bool, rep *DestroyReport) (send, unmounted []string) {
	expect := map[string]bool{}
	var unmount []*Dataset
	for _, n := range names {
		if reason := unusedReason(tree, n, guard); reason != "" && !(reason == SkipHasChildren && allIn(tree.Children(n), gone, expect)) {
			rep.Skipped[n] = reason
			continue
		}
		expect[n] = true
		if d, ok := tree.Get(n); ok && d.Mountpoint != "" && !d.Unmounted {
			unmount = append(unmount, d)
		}
	}
	slices.SortStableFunc(unmount, func(a, b *Dataset) int { // deepest first
		return strings.Count(b.Name, "/") - strings.Count(a.Name, "/")
	})
	busy := map[string]bool{}
	for _, d := range unmount {
		// A child that could not be unmounted keeps its parent busy too.
		if anyUnder(busy, d.Name) {
			busy[d.Name] = true
			continue
		}
		switch err := unix.Unmount(d.Mountpoint, 0); {
		case err == nil:
			unmounted = append(unmounted, d.Name)
		case errors.Is(err, unix.EINVAL):
			// Not mounted (any more): nothing to do.
		default:
			busy[d.Name] = true
		}
	}
	for _, n := range names {
		switch {
		case busy[n]:
			rep.Skipped[n] = SkipBusy
		case expect[n]:
			send = append(send, n)
		}
	}
	return send, unmounted
}

// programResult is what destroy_unused.lua returns: each destroyed dataset with its position in
// the order of destruction, and each skipped one with why.
type programResult struct {
	Destroyed map[string]json.Number `json:"destroyed"`
	Skipped   map[string]string      `json:"skipped"`
}

// report records the result in rep (the destroyed in the order the program destroyed them) and
// in gone, and removes the empty mountpoints the destroyed filesystems left in their parents.
func (res *programResult) report(tree *Tree, gone map[string]bool, rep *DestroyReport) {
	order := make([]string, 0, len(res.Destroyed))
	for n := range res.Destroyed {
		order = append(order, n)
	}
	sort.Slice(order, func(i, j int) bool {
		a, _ := strconv.Atoi(res.Destroyed[order[i]].String())
		b, _ := strconv.Atoi(res.Destroyed[order[j]].String())
		return a < b
	})
	for _, n := range order {
		gone[n] = true
		rep.Destroyed = append(rep.Destroyed, n)
		if d, ok := tree.Get(n); ok && d.Mountpoint != "" {
			_ = os.Remove(filepath.Clean(d.Mountpoint)) // the empty mountpoint left in the parent
		}
	}
	for n, reason := range res.Skipped {
		rep.Skipped[n] = reason
	}
}

// anyUnder reports whether set holds a dataset below name.
func anyUnder(set map[string]bool, name string) bool {
	for n := range set {
		if strings.HasPrefix(n, name+"/") {
			return true
		}
	}
	return false
}

// allIn reports whether every dataset is in one of the sets.
func allIn(ds []*Dataset, sets ...map[string]bool) bool {
outer:
	for _, d := range ds {
		for _, set := range sets {
			if set[d.Name] {
				continue outer
			}
		}
		return false
	}
	return true
}

// remount mounts again, parents first, what was unmounted for a program that then kept it.
func (c *CLI) remount(ctx context.Context, names []string) {
	slices.Sort(names)
	for _, n := range names {
		_, _ = c.run(ctx, "mount", n, true, "mount", n)
	}
}

// destroyEach is the fallback without channel programs.
func (c *CLI) destroyEach(ctx context.Context, tree *Tree, names []string, guard Guard, rep *DestroyReport) error {
	gone := map[string]bool{} // destroyed by this call: a parent after its last child qualifies
	for _, n := range names {
		if reason := unusedReason(tree, n, guard); reason != "" && !(reason == SkipHasChildren && allIn(tree.Children(n), gone)) {
			rep.Skipped[n] = reason
			continue
		}
		if snaps := tree.Snapshots(n); len(snaps) > 0 {
			if err := c.destroySnapshots(ctx, n, snaps); err != nil {
				if isBusy(err) {
					rep.Skipped[n] = busyReason(err)
					continue
				}
				return err
			}
		}
		if err := c.Destroy(ctx, n, DestroyOptions{}); err != nil {
			if isBusy(err) {
				rep.Skipped[n] = SkipHasChildren
				continue
			}
			if isNotExist(err) {
				rep.Skipped[n] = SkipGone
				continue
			}
			return err
		}
		gone[n] = true
		rep.Destroyed = append(rep.Destroyed, n)
	}
	return nil
}

// destroySnapshots destroys snapshots of fs with one `zfs destroy fs@a,b,c`, which destroys all
// of them or none (one lzc_destroy_snaps). The comma list is not a name, so each snapshot is
// checked on its own: a name as ZFS lists it (a snapshot may be named "-daily": the argument
// begins with fs, validated by the caller), of fs, and without ',' or '%' (zfs' list and range
// syntax, which no snapshot name contains).
func (c *CLI) destroySnapshots(ctx context.Context, fs string, snaps []*Dataset) error {
	short := make([]string, len(snaps))
	for i, s := range snaps {
		if r := checkListed(s.Name); r != "" {
			return invalidName(s.Name, "%s", r)
		}
		snapFS, name, _ := strings.Cut(s.Name, "@")
		if snapFS != fs || name == "" || strings.ContainsAny(name, ",%") {
			return invalidName(s.Name, "not a snapshot of %s that zfs destroy can list", fs)
		}
		short[i] = name
	}
	spec := fs + "@" + strings.Join(short, ",")
	_, err := c.run(ctx, "destroy", spec, true, "destroy", spec)
	return err
}

// unusedReason applies DestroyUnused's rules to an observation; "" means destroyable.
func unusedReason(tree *Tree, n string, guard Guard) string {
	d, ok := tree.Get(n)
	if !ok {
		return SkipGone
	}
	if v, ok := d.Local(guard.Prop); !ok || v != guard.Value {
		return SkipUnmanaged
	}
	if len(tree.Children(n)) > 0 {
		return SkipHasChildren
	}
	for _, s := range tree.Snapshots(n) {
		if s.UserRefs > 0 {
			return SkipHeld
		}
		if len(s.Clones) > 0 {
			return SkipCloned
		}
	}
	return ""
}

// busyReason tells a cloned snapshot from a held one by what zfs said.
func busyReason(err error) string {
	if e, ok := err.(*Error); ok && strings.Contains(strings.ToLower(e.Stderr), "clone") {
		return SkipCloned
	}
	return SkipHeld
}

func isBusy(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Err == ErrBusy
}

func isNotExist(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Err == ErrNotExist
}
