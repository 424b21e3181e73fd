package zfs

import "strings"

// classify maps zfs stderr to a sentinel, or nil when the text is not recognised. The phrases are
// libzfs' own (libzfs_util.c zfs_standard_error and the per-command messages); each is checked
// against real OpenZFS by the conformance suite (zfstest.RunSuite via TestConformanceReal), which
// asserts error kinds, not text.
func classify(stderr string) error {
	s := strings.ToLower(stderr)
	switch {
	case containsAny(s, "permission denied", "operation not permitted", "must be root", "insufficient privileges"):
		return ErrPermission
	case containsAny(s, "dataset already exists", "tag already exists", "already exists"):
		return ErrExist
	case containsAny(s, "dataset does not exist", "no such pool", "parent does not exist",
		"no such tag", "could not find any snapshots", "no such dataset", "no datasets available"):
		return ErrNotExist
	case containsAny(s, "dataset is busy", "pool or dataset is busy", "has children", "has dependent clones",
		"snapshot is cloned", "being held", "device busy", "is busy"):
		return ErrBusy
	case containsAny(s, "invalid character", "name is too long", "invalid dataset name", "invalid name",
		"leading slash", "empty component", "multiple '@'", "trailing slash"):
		return ErrInvalidName
	case containsAny(s, "unsupported", "not supported", "unrecognized command", "invalid option", "unknown option"):
		return ErrUnsupported
	}
	return nil
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
