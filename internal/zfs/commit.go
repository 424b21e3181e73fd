package zfs

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"syscall"
)

var (
	//go:embed unsigned.lua
	unsignedLua string
	//go:embed commit.lua
	commitBodyLua string
	// commitLua is the commit program: the unsigned() helper, then the body that uses it.
	commitLua = unsignedLua + commitBodyLua
)

// Commit implements Client. `zfs set` makes the filesystem read-only with opt.Props (a channel
// program cannot: zfs.sync.set_prop takes user properties only, on every OpenZFS so far), then,
// where channel programs have zfs.sync.set_prop (OpenZFS 2.2), one program takes the snapshot
// and records its guid: two processes. Elsewhere the snapshot, a `zfs get` of its guid and a
// second `zfs set` follow: four. The capability is taken from the version, and checked again by
// the program itself (the kernel module may be older than the userland): a program that finds
// no set_prop changes nothing, and Commit goes on without programs from then on.
func (c *CLI) Commit(ctx context.Context, snapshot string, opt CommitOptions) (uint64, error) {
	fs, err := CheckCommit(snapshot, opt)
	if err != nil {
		return 0, err
	}
	if err := c.SetProps(ctx, fs, SealProps(opt.Props)); err != nil {
		return 0, err
	}
	if opt.Sealed != nil {
		opt.Sealed()
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return 0, err
	}
	if caps.ChannelPrograms && caps.ProgramSetProp && !c.noProgramSetProp.Load() {
		guid, err := c.commitProgram(ctx, fs, snapshot, opt.GUIDProp)
		if !errors.Is(err, errNoProgramSetProp) {
			return guid, err
		}
		c.noProgramSetProp.Store(true)
	}
	return c.commitEach(ctx, fs, snapshot, opt.GUIDProp)
}

// CheckCommit validates Commit's arguments and returns the filesystem snapshot is of.
func CheckCommit(snapshot string, opt CommitOptions) (string, error) {
	if err := ValidateSnapshot(snapshot); err != nil {
		return "", err
	}
	if err := ValidateProps(opt.Props); err != nil {
		return "", err
	}
	if err := ValidateUserProp(opt.GUIDProp); err != nil {
		return "", err
	}
	fs, _, _ := strings.Cut(snapshot, "@")
	return fs, nil
}

// SealProps are the properties Commit sets before the snapshot: props and readonly=on.
func SealProps(props Props) Props {
	out := maps.Clone(props)
	if out == nil {
		out = Props{}
	}
	out["readonly"] = "on"
	return out
}

// errNoProgramSetProp: the kernel's channel programs have no zfs.sync.set_prop.
var errNoProgramSetProp = errors.New("channel programs without zfs.sync.set_prop")

// commitResult is what commit.lua returns.
type commitResult struct {
	GUID        string `json:"guid"`
	Error       int    `json:"error"`
	At          string `json:"at"`
	Unsupported string `json:"unsupported"`
}

func (c *CLI) commitProgram(ctx context.Context, fs, snapshot, prop string) (uint64, error) {
	pool, _, _ := strings.Cut(fs, "/")
	args := []string{fs, snapshot, prop}
	out, err := c.Program(ctx, pool, commitLua, false, args...)
	if err != nil {
		return 0, err
	}
	var res commitResult
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("commit program: unexpected result %s: %w", out, err)
	}
	switch {
	case res.Unsupported != "":
		return 0, errNoProgramSetProp
	case res.Error != 0:
		errno := syscall.Errno(res.Error)
		return 0, &Error{Op: "commit", Name: snapshot, Argv: programArgv(c.zfsBin, pool, false, args),
			Stderr: fmt.Sprintf("channel program: %s: %v", res.At, errno), Err: errnoCondition(errno)}
	}
	guid, err := strconv.ParseUint(res.GUID, 10, 64)
	if err != nil || guid == 0 {
		return 0, fmt.Errorf("commit program: unexpected guid in %s", out)
	}
	return guid, nil
}

// errnoCondition maps the errno a channel program's zfs.sync call returned to a sentinel.
func errnoCondition(errno syscall.Errno) error {
	switch errno {
	case syscall.ENOENT:
		return ErrNotExist
	case syscall.EEXIST:
		return ErrExist
	case syscall.EBUSY:
		return ErrBusy
	case syscall.EPERM, syscall.EACCES:
		return ErrPermission
	case syscall.EINVAL, syscall.ENAMETOOLONG:
		return ErrInvalidName
	case syscall.ENOTSUP:
		return ErrUnsupported
	}
	return nil
}

// commitEach is Commit's sequence without the program, after the properties are set.
func (c *CLI) commitEach(ctx context.Context, fs, snapshot, prop string) (uint64, error) {
	if err := c.Snapshot(ctx, snapshot); err != nil {
		return 0, err
	}
	// One `zfs get` of the guid alone: a number, so -H text needs none of the checks an
	// observation makes of it (which would take a second process).
	out, err := c.run(ctx, "get", snapshot, false, "get", "-H", "-p", "-o", "value", "guid", snapshot)
	if err != nil {
		return 0, err
	}
	guid, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || guid == 0 {
		return 0, fmt.Errorf("zfs get guid %s: unexpected output %q", snapshot, out)
	}
	if err := c.SetProps(ctx, fs, Props{prop: strconv.FormatUint(guid, 10)}); err != nil {
		return 0, err
	}
	return guid, nil
}
