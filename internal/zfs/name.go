package zfs

import (
	"fmt"
	"strings"
)

// MaxNameLen is the longest full name ZFS accepts (ZFS_MAX_DATASET_NAME_LEN - 1).
const MaxNameLen = 255

// Names are checked here, before any process starts, with libzfs' rules (zfs_namecheck.c) plus
// one of our own: nothing may begin with '-', so no name can ever be read as an option.

// ValidateDataset checks a filesystem or volume name: pool/a/b.
func ValidateDataset(name string) error {
	if strings.ContainsAny(name, "@#") {
		return invalidName(name, "a dataset name cannot contain '@' or '#'")
	}
	return result(name, checkFull(name, ""))
}

// ValidateSnapshot checks a snapshot name: pool/a@snap.
func ValidateSnapshot(name string) error {
	ds, snap, ok := strings.Cut(name, "@")
	if !ok {
		return invalidName(name, "a snapshot name needs '@'")
	}
	if strings.ContainsAny(ds, "#") || strings.ContainsAny(snap, "@#/") {
		return invalidName(name, "a snapshot name has one '@' and no '/', '@' or '#' after it")
	}
	if snap == "" {
		return invalidName(name, "empty snapshot name after '@'")
	}
	return result(name, checkFull(ds, snap))
}

// ValidateBookmark checks a bookmark name: pool/a#mark.
func ValidateBookmark(name string) error {
	ds, bm, ok := strings.Cut(name, "#")
	if !ok {
		return invalidName(name, "a bookmark name needs '#'")
	}
	if strings.ContainsAny(ds, "@") || strings.ContainsAny(bm, "@#/") {
		return invalidName(name, "a bookmark name has one '#' and no '/', '@' or '#' after it")
	}
	if bm == "" {
		return invalidName(name, "empty bookmark name after '#'")
	}
	return result(name, checkFull(ds, bm))
}

// ValidateName checks a dataset, snapshot or bookmark name, whichever it is.
func ValidateName(name string) error {
	switch {
	case strings.Contains(name, "@"):
		return ValidateSnapshot(name)
	case strings.Contains(name, "#"):
		return ValidateBookmark(name)
	}
	return ValidateDataset(name)
}

// ValidateComponent checks one component of a dataset name (what may stand between '/').
func ValidateComponent(c string) error { return result(c, checkComponent(c)) }

func result(name, reason string) error {
	if reason == "" {
		return nil
	}
	return invalidName(name, "%s", reason)
}

func checkComponent(c string) string {
	switch {
	case c == "":
		return "empty component"
	case c == "." || c == "..":
		return fmt.Sprintf("component %q is not allowed", c)
	case strings.HasPrefix(c, "-"):
		return fmt.Sprintf("component %q begins with '-'", c)
	}
	for i := 0; i < len(c); i++ {
		if !validChar(c[i]) {
			return fmt.Sprintf("invalid character %q in %q", c[i], c)
		}
	}
	return ""
}

func validChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '_' || b == '-' || b == '.' || b == ':' || b == ' '
}

// checkFull checks a dataset path and, if tail is not empty, the snapshot or bookmark part.
func checkFull(ds, tail string) string {
	full := len(ds)
	if tail != "" {
		full += 1 + len(tail)
	}
	switch {
	case ds == "":
		return "empty name"
	case full > MaxNameLen:
		return fmt.Sprintf("name is %d bytes long; ZFS allows %d", full, MaxNameLen)
	}
	comps := strings.Split(ds, "/")
	for _, c := range comps {
		if r := checkComponent(c); r != "" {
			return r
		}
	}
	if tail != "" {
		if r := checkComponent(tail); r != "" {
			return r
		}
	}
	return checkPool(comps[0])
}

func checkPool(pool string) string {
	if c := pool[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return fmt.Sprintf("pool name %q must begin with a letter", pool)
	}
	switch {
	case pool == "mirror" || pool == "spare" || pool == "log" ||
		strings.HasPrefix(pool, "raidz") || strings.HasPrefix(pool, "draid"):
		return fmt.Sprintf("pool name %q is reserved", pool)
	case len(pool) >= 2 && pool[0] == 'c' && pool[1] >= '0' && pool[1] <= '9':
		return fmt.Sprintf("pool name %q is reserved (c[0-9]...)", pool)
	}
	return ""
}

// nameError is the cause of an invalid-name *Error: it reads as the reason and is ErrInvalidName.
type nameError struct{ reason string }

func (e *nameError) Error() string        { return e.reason }
func (e *nameError) Is(target error) bool { return target == ErrInvalidName }

func invalidName(name, format string, args ...any) error {
	return &Error{Op: "validate", Name: name, ExitCode: -1, Err: &nameError{reason: fmt.Sprintf(format, args...)}}
}

// CheckSnapshotBatch checks names for one atomic Snapshot call: each a valid snapshot name, and
// no filesystem twice (ZFS refuses "multiple snapshots of same fs" in one transaction).
func CheckSnapshotBatch(names []string) error {
	seen := map[string]bool{}
	for _, s := range names {
		if err := ValidateSnapshot(s); err != nil {
			return err
		}
		fs, _, _ := strings.Cut(s, "@")
		if seen[fs] {
			return invalidName(s, "one snapshot per filesystem per call (%s appears twice)", fs)
		}
		seen[fs] = true
	}
	return nil
}
