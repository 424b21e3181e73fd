package zfs

import "strings"

// classify maps zfs stderr to a sentinel, or nil when the text is not recognised. The phrases are
// libzfs' own (libzfs_util.c zfs_standard_error and the per-command messages), checked against
// stderr captured from real OpenZFS (testdata/stderr-2.3.txt, TestClassifyCaptured) and against
// real OpenZFS by the conformance suite (zfstest.RunSuite via TestConformanceReal), which asserts
// error kinds, not text.
//
// Only the reason of the first failure counts: zfs often lists datasets after it ("use '-r' to
// destroy the following datasets:" and the names), and a dataset name may contain any of the
// phrases below.
// Classify maps a zfs or zpool command's stderr to one of the errors above (nil when none
// fits), for the few zpool calls made outside the exec seam (zfstest's throwaway pools).
func Classify(stderr string) error { return classify(stderr) }

func classify(stderr string) error {
	s := strings.ToLower(stderr)
	// Create and Clone: the dataset was made; the mount that followed failed (its own "cannot
	// mount" line comes first).
	if containsAny(s, "successfully created, but not mounted", "successfully created, but it may only be mounted by root") {
		return ErrNotMounted
	}
	return classifyReason(reason(s))
}

// reason returns the reason of the first failure in lower-cased stderr: of the first line that
// begins with "cannot ", the text after the quoted name ("cannot create 'tp/a': REASON"), or the
// whole line when the name is not quoted; without such a line, the first line.
func reason(s string) string {
	lines := splitLines(strings.TrimSpace(s))
	if len(lines) == 0 {
		return ""
	}
	line := lines[0]
	for _, l := range lines {
		if strings.HasPrefix(l, "cannot ") {
			line = l
			break
		}
	}
	// Dataset names cannot contain "'", so the first quoted span is the name.
	if _, rest, ok := strings.Cut(line, "'"); ok {
		if _, after, ok := strings.Cut(rest, "'"); ok && strings.HasPrefix(after, ":") {
			return strings.TrimSpace(after[1:])
		}
	}
	return line
}

func classifyReason(s string) error {
	switch {
	case containsAny(s, "permission denied", "operation not permitted", "must be root", "insufficient privileges"):
		return ErrPermission
	case containsAny(s, "dataset already exists", "tag already exists", "already exists", "conflicting snapshot"):
		return ErrExist
	case containsAny(s, "dataset does not exist", "no such pool", "parent does not exist",
		"no such tag", "could not find any snapshots", "no such dataset", "no datasets available"):
		return ErrNotExist
	case containsAny(s, "dataset is busy", "pool or dataset is busy", "has children", "has dependent clones",
		"snapshot is cloned", "being held", "device busy", "is busy",
		"more recent snapshots or bookmarks exist"):
		return ErrBusy
	case containsAny(s, "invalid character", "name is too long", "invalid dataset name", "invalid name",
		"leading slash", "empty component", "multiple '@'", "trailing slash", "is not expected here",
		"missing '@' delimiter", "descendant of current dataset name", "must be within same pool",
		"snapshots must be part of same dataset", "not a cloned filesystem"):
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
