package zfs

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel conditions. Every error this package returns for a failed zfs/zpool command is a
// *Error whose Unwrap gives one of these (or nil when the condition is not recognised), so callers
// write errors.Is(err, zfs.ErrNotExist) and never look at stderr themselves.
var (
	ErrNotExist    = errors.New("dataset does not exist")
	ErrExist       = errors.New("dataset already exists")
	ErrBusy        = errors.New("dataset is busy") // mounted and in use, held, has clones or children
	ErrPermission  = errors.New("permission denied")
	ErrUnsupported = errors.New("not supported by this ZFS")
	ErrInvalidName = errors.New("invalid dataset name")
)

// Error describes a failed ZFS operation: what was asked, what ran and what it said.
type Error struct {
	Op       string   // "create", "destroy", "list", ...
	Name     string   // the dataset or snapshot the operation was about, if one
	Argv     []string // the command that ran; nil when no process was started
	ExitCode int      // -1 when the process did not exit normally or never started
	Stderr   string
	Err      error // a sentinel above, or another cause; may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zfs ")
	b.WriteString(e.Op)
	if e.Name != "" {
		b.WriteString(" ")
		b.WriteString(e.Name)
	}
	switch {
	case e.Stderr != "":
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(e.Stderr))
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Argv != nil {
		fmt.Fprintf(&b, " (`%s` exited %d)", strings.Join(e.Argv, " "), e.ExitCode)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
