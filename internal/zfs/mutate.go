package zfs

import (
	"context"
	"errors"
	"maps"
	"path"
	"slices"
	"strings"
)

// Create implements Client. A filesystem made but not mounted is ErrNotMounted (it exists); one
// made and mounted but not shared (sharenfs, sharesmb) is a success with a warning.
func (c *CLI) Create(ctx context.Context, name string, opt CreateOptions) error {
	if err := ValidateDataset(name); err != nil {
		return err
	}
	if err := ValidateProps(opt.Props); err != nil {
		return err
	}
	args := append([]string{"create"}, opt.Props.argv("-o")...)
	err := c.created(c.run(ctx, "create", name, true, append(args, name)...))
	if err == nil || !opt.Parents || !errors.Is(err, ErrNotExist) {
		return err
	}
	// The parent is missing. `zfs create -p` would also succeed when the target exists, hiding a
	// concurrent creator, so only the parent is made with -p and the target is created again.
	parent := path.Dir(name)
	if err := c.created(c.run(ctx, "create", parent, true, "create", "-p", parent)); err != nil {
		return err
	}
	return c.created(c.run(ctx, "create", name, true, append(args, name)...))
}

// created turns the result of `zfs create` or `zfs clone` into Create's: only a failure to share
// what was made and mounted is dropped, with a warning.
func (c *CLI) created(_ []byte, err error) error {
	var e *Error
	if errors.As(err, &e) && strings.Contains(e.Stderr, "successfully created, but not shared") {
		c.log.Warn().Str("dataset", e.Name).Str("stderr", e.Stderr).Msg("zfs: created and mounted, but not shared")
		return nil
	}
	return err
}

// Snapshot implements Client.
func (c *CLI) Snapshot(ctx context.Context, snapshots ...string) error {
	if len(snapshots) == 0 {
		return nil
	}
	if err := CheckSnapshotBatch(snapshots); err != nil {
		return err
	}
	_, err := c.run(ctx, "snapshot", strings.Join(snapshots, " "), true, append([]string{"snapshot"}, snapshots...)...)
	return err
}

// Clone implements Client.
func (c *CLI) Clone(ctx context.Context, snapshot, name string, props Props) error {
	if err := ValidateSnapshot(snapshot); err != nil {
		return err
	}
	if err := ValidateDataset(name); err != nil {
		return err
	}
	if err := ValidateProps(props); err != nil {
		return err
	}
	args := append([]string{"clone"}, props.argv("-o")...)
	return c.created(c.run(ctx, "clone", name, true, append(args, snapshot, name)...))
}

// Promote implements Client.
func (c *CLI) Promote(ctx context.Context, name string) error {
	if err := ValidateDataset(name); err != nil {
		return err
	}
	_, err := c.run(ctx, "promote", name, true, "promote", name)
	return err
}

// Rename implements Client.
func (c *CLI) Rename(ctx context.Context, from, to string, opt RenameOptions) error {
	if err := CheckRename(from, to); err != nil {
		return err
	}
	args := []string{"rename"}
	if opt.Parents {
		args = append(args, "-p")
	}
	_, err := c.run(ctx, "rename", from, true, append(args, from, to)...)
	return err
}

// Destroy implements Client.
func (c *CLI) Destroy(ctx context.Context, name string, opt DestroyOptions) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	args := []string{"destroy"}
	if opt.Recursive {
		args = append(args, "-r")
	}
	_, err := c.run(ctx, "destroy", name, true, append(args, name)...)
	return err
}

// SetProps implements Client.
func (c *CLI) SetProps(ctx context.Context, name string, props Props) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if len(props) == 0 {
		return nil
	}
	if err := ValidateProps(props); err != nil {
		return err
	}
	args := []string{"set"}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		args = append(args, k+"="+props[k])
	}
	_, err := c.run(ctx, "set", name, true, append(args, name)...)
	return err
}

// InheritProp implements Client.
func (c *CLI) InheritProp(ctx context.Context, name, prop string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := ValidateProp(prop); err != nil {
		return err
	}
	_, err := c.run(ctx, "inherit", name, true, "inherit", prop, name)
	return err
}

// Mount implements Mounter with `zfs mount NAME`.
func (c *CLI) Mount(ctx context.Context, name string) error {
	if err := ValidateDataset(name); err != nil {
		return err
	}
	_, err := c.run(ctx, "mount", name, true, "mount", name)
	var e *Error
	if errors.As(err, &e) && strings.Contains(strings.ToLower(e.Stderr), "already mounted") {
		return nil
	}
	return err
}

// Hold implements Client: one `zfs hold` for all the snapshots, which holds them one at a time.
func (c *CLI) Hold(ctx context.Context, tag string, snapshots ...string) error {
	if err := ValidateHoldTag(tag); err != nil {
		return err
	}
	return c.holdOp(ctx, "hold", tag, snapshots)
}

// Release implements Client: one `zfs release` for all the snapshots, one at a time.
func (c *CLI) Release(ctx context.Context, tag string, snapshots ...string) error {
	if err := ValidateTag(tag); err != nil {
		return err
	}
	return c.holdOp(ctx, "release", tag, snapshots)
}

func (c *CLI) holdOp(ctx context.Context, op, tag string, snapshots []string) error {
	if len(snapshots) == 0 {
		return nil
	}
	for _, s := range snapshots {
		if err := ValidateSnapshot(s); err != nil {
			return err
		}
	}
	_, err := c.run(ctx, op, strings.Join(snapshots, " "), true, append([]string{op, tag}, snapshots...)...)
	var e *Error
	if errors.As(err, &e) && e.Argv != nil && ctx.Err() == nil {
		if failed := holdFailures(e.Stderr, snapshots); failed != nil {
			e.Err = &HoldError{Failed: failed}
		}
	}
	return err
}

// holdFailures reads which snapshots `zfs hold` or `zfs release` could not apply to from its
// stderr, one line per failure:
//
//	cannot hold snapshot 'SNAP': REASON
//	cannot release hold from snapshot 'SNAP': REASON
//	cannot open 'FS': REASON                       (every snapshot of FS given)
//
// It returns nil when a line is none of these, as when zfs refused the whole command.
func holdFailures(stderr string, snapshots []string) map[string]error {
	failed := map[string]error{}
	for _, line := range splitLines(strings.TrimSpace(stderr)) {
		name, why, ok := holdFailure(line)
		if !ok {
			return nil
		}
		cond := classifyReason(strings.ToLower(why))
		if strings.Contains(name, "@") {
			failed[name] = cond
			continue
		}
		n := 0
		for _, s := range snapshots {
			if strings.HasPrefix(s, name+"@") {
				failed[s] = cond
				n++
			}
		}
		if n == 0 {
			return nil
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return failed
}

func holdFailure(line string) (name, reason string, ok bool) {
	for _, prefix := range []string{"cannot hold snapshot '", "cannot release hold from snapshot '", "cannot open '"} {
		if rest, found := strings.CutPrefix(line, prefix); found {
			name, reason, ok = strings.Cut(rest, "': ")
			return name, reason, ok && name != ""
		}
	}
	return "", "", false
}

// Holds implements Client with one `zfs holds -H` for all snapshots.
func (c *CLI) Holds(ctx context.Context, snapshots ...string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(snapshots) == 0 {
		return out, nil
	}
	for _, s := range snapshots {
		if err := ValidateSnapshot(s); err != nil {
			return nil, err
		}
	}
	text, err := c.run(ctx, "holds", strings.Join(snapshots, " "), false, append([]string{"holds", "-H"}, snapshots...)...)
	if err != nil {
		return nil, err
	}
	for _, line := range splitLines(string(text)) {
		f := strings.SplitN(line, "\t", 3)
		if len(f) < 2 {
			continue
		}
		out[f[0]] = append(out[f[0]], f[1])
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out, nil
}

// ValidateProps rejects property names that could be read as options or break the k=v form.
func ValidateProps(props Props) error {
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if err := ValidateProp(k); err != nil {
			return err
		}
	}
	return nil
}
