package zfs

import (
	"context"
	"errors"
	"maps"
	"path"
	"slices"
	"strings"
)

// Create implements Client.
func (c *CLI) Create(ctx context.Context, name string, opt CreateOptions) error {
	if err := ValidateDataset(name); err != nil {
		return err
	}
	if err := validateProps(name, opt.Props); err != nil {
		return err
	}
	args := append([]string{"create"}, opt.Props.argv("-o")...)
	_, err := c.run(ctx, "create", name, true, append(args, name)...)
	if err == nil || !opt.Parents || !errors.Is(err, ErrNotExist) {
		return err
	}
	// The parent is missing. `zfs create -p` would also succeed when the target exists, hiding a
	// concurrent creator, so only the parent is made with -p and the target is created again.
	parent := path.Dir(name)
	if _, err := c.run(ctx, "create", parent, true, "create", "-p", parent); err != nil {
		return err
	}
	_, err = c.run(ctx, "create", name, true, append(args, name)...)
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
	if err := validateProps(name, props); err != nil {
		return err
	}
	args := append([]string{"clone"}, props.argv("-o")...)
	_, err := c.run(ctx, "clone", name, true, append(args, snapshot, name)...)
	return err
}

// Rename implements Client.
func (c *CLI) Rename(ctx context.Context, from, to string, opt RenameOptions) error {
	for _, n := range []string{from, to} {
		if err := ValidateName(n); err != nil {
			return err
		}
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
	if err := validateProps(name, props); err != nil {
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
	if !validPropName(prop) {
		return &Error{Op: "inherit", Name: name, ExitCode: -1, Err: ErrInvalidName}
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

// Hold implements Client.
func (c *CLI) Hold(ctx context.Context, tag string, snapshots ...string) error {
	return c.holdOp(ctx, "hold", tag, snapshots)
}

// Release implements Client.
func (c *CLI) Release(ctx context.Context, tag string, snapshots ...string) error {
	return c.holdOp(ctx, "release", tag, snapshots)
}

func (c *CLI) holdOp(ctx context.Context, op, tag string, snapshots []string) error {
	if len(snapshots) == 0 {
		return nil
	}
	if err := validateTag(tag); err != nil {
		return &Error{Op: op, Name: tag, ExitCode: -1, Err: err}
	}
	for _, s := range snapshots {
		if err := ValidateSnapshot(s); err != nil {
			return err
		}
	}
	_, err := c.run(ctx, op, strings.Join(snapshots, " "), true, append([]string{op, tag}, snapshots...)...)
	return err
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

// validateTag checks a hold tag: printable, no leading '-', within ZFS' limit.
func validateTag(tag string) error {
	if tag == "" || strings.HasPrefix(tag, "-") || len(tag) > MaxNameLen {
		return ErrInvalidName
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] < 0x21 || tag[i] > 0x7e {
			return ErrInvalidName
		}
	}
	return nil
}

// validateProps rejects property names that could be read as options or break the k=v form.
func validateProps(name string, props Props) error {
	for k := range props {
		if !validPropName(k) || strings.HasPrefix(k, "-") {
			return &Error{Op: "set", Name: name, ExitCode: -1, Err: ErrInvalidName}
		}
	}
	return nil
}
