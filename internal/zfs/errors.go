package zfs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
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
	// ErrNotMounted: Create or Clone made the filesystem but could not mount it. The dataset
	// exists (creating it again is ErrExist); what is missing is the mount.
	ErrNotMounted = errors.New("created but not mounted")
	// ErrAmbiguous: a ZFS without JSON output (before OpenZFS 2.3) printed property values that
	// contain lines reading as records of their own, so what the output says cannot be known.
	// Nothing is decided from it; the error names the records that were not real.
	ErrAmbiguous = errors.New("zfs output is ambiguous")
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

// HoldError is the cause of a Hold or Release that did not apply to every snapshot. ZFS holds
// and releases one snapshot at a time (`zfs hold TAG s1 s2` is one ioctl per snapshot), so the
// snapshots not in Failed were held or released all the same. errors.Is sees each condition in
// Failed: errors.Is(err, ErrExist) is true when some snapshot already carried the tag.
type HoldError struct {
	// Failed maps each snapshot the operation did not apply to to its condition: for Hold,
	// ErrExist (the snapshot already carries the tag) or ErrNotExist (no such snapshot); for
	// Release, ErrNotExist (no such snapshot, or it does not carry the tag); another sentinel,
	// or nil when zfs's reason was not recognised.
	Failed map[string]error
}

func (e *HoldError) Error() string {
	var b strings.Builder
	for i, s := range slices.Sorted(maps.Keys(e.Failed)) {
		if i > 0 {
			b.WriteString(", ")
		}
		reason := "failed"
		if err := e.Failed[s]; err != nil {
			reason = err.Error()
		}
		fmt.Fprintf(&b, "%s: %s", s, reason)
	}
	return b.String()
}

// Unwrap returns the distinct conditions of the failed snapshots.
func (e *HoldError) Unwrap() []error {
	var out []error
	for _, s := range slices.Sorted(maps.Keys(e.Failed)) {
		if err := e.Failed[s]; err != nil && !slices.Contains(out, err) {
			out = append(out, err)
		}
	}
	return out
}

// Only reports whether every failure is cond. After a Hold, Only(ErrExist) means the tag is now
// on every snapshot: the ones that failed carried it already.
func (e *HoldError) Only(cond error) bool {
	for _, err := range e.Failed {
		if !errors.Is(err, cond) {
			return false
		}
	}
	return len(e.Failed) > 0
}
