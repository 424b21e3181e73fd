package zfs

import (
	"fmt"
	"strings"
)

// MaxNameLen is the longest full name ZFS accepts (ZFS_MAX_DATASET_NAME_LEN - 1).
const MaxNameLen = 255

// Names are checked here, before any process starts, with libzfs' rules (zfs_namecheck.c) plus
// one of our own: nothing may begin with '-', so no name can ever be read as an option. That
// rule is for what we put on a command line only: ZFS itself allows a component or snapshot
// beginning with '-' (`zfs create pool/a/-x` works, the name does not begin with '-'), so names
// read back from zfs are checked with ZFS' own rules (checkListed) and a foreign dataset so named
// never breaks an observation.

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

// checkListed checks a name zfs printed, with the rules libzfs and the kernel enforce
// (entity_namecheck in zfs_namecheck.c): within the length limit, no leading slash, components of
// [A-Za-z0-9_.: -] (and '%', which ZFS uses for its hidden datasets), none empty, "." or "..",
// at most one '@' or '#', and no '/' after it; the pool's name begins with a letter
// (pool_namecheck). Any other component may begin with '-'. It returns "" for a valid name, else
// the reason.
func checkListed(name string) string {
	switch {
	case name == "":
		return "empty name"
	case !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z'):
		return "a pool name begins with a letter"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("name is %d bytes long; ZFS allows %d", len(name), MaxNameLen)
	case name[0] == '/':
		return "leading slash"
	}
	delim := false
	for start := 0; ; {
		end := start
		for end < len(name) && name[end] != '/' && name[end] != '@' && name[end] != '#' {
			end++
		}
		comp := name[start:end]
		for i := 0; i < len(comp); i++ {
			if !validChar(comp[i]) && comp[i] != '%' {
				return fmt.Sprintf("invalid character %q in %q", comp[i], comp)
			}
		}
		switch {
		case comp == "":
			return "empty component"
		case comp == "." || comp == "..":
			return fmt.Sprintf("component %q is not allowed", comp)
		}
		if end == len(name) {
			return ""
		}
		switch name[end] {
		case '@', '#':
			if delim {
				return "more than one '@' or '#'"
			}
			delim = true
		case '/':
			if delim {
				return "'/' after '@' or '#'"
			}
		}
		start = end + 1
	}
}

// CheckRename checks that renaming from to to is a rename ZFS can do, before any process starts:
// a snapshot (or bookmark) stays a snapshot of the same filesystem; a filesystem stays a
// filesystem in the same pool and does not move below itself. Both names must be valid.
// (`zfs rename fs@a other` would not be refused: zfs reads "other" as a short snapshot name.)
func CheckRename(from, to string) error {
	for _, n := range []string{from, to} {
		if err := ValidateName(n); err != nil {
			return err
		}
	}
	if i := strings.IndexAny(from, "@#"); i >= 0 {
		if len(to) <= i || to[:i+1] != from[:i+1] {
			return invalidName(to, "a snapshot or bookmark is renamed within its filesystem (%s)", from[:i])
		}
		return nil
	}
	fromPool, _, _ := strings.Cut(from, "/")
	toPool, _, _ := strings.Cut(to, "/")
	switch {
	case strings.ContainsAny(to, "@#"):
		return invalidName(to, "a filesystem cannot be renamed to a snapshot or bookmark name")
	case fromPool != toPool:
		return invalidName(to, "a dataset cannot move to another pool (%s)", fromPool)
	case !strings.Contains(from, "/"):
		return invalidName(from, "a pool's root filesystem cannot be renamed")
	case strings.HasPrefix(to, from+"/"):
		return invalidName(to, "a dataset cannot be renamed below itself (%s)", from)
	}
	return nil
}

// ValidateHoldTag checks a tag for Hold: what ValidateTag checks, and no leading '.' (zfs
// reserves those tags for libzfs and refuses them).
func ValidateHoldTag(tag string) error {
	if strings.HasPrefix(tag, ".") {
		return invalidName(tag, "hold tag %q begins with '.'", tag)
	}
	return ValidateTag(tag)
}

// ValidateTag checks a hold tag for Release (and Hold): printable ASCII without spaces, no
// leading '-', within ZFS' limit.
func ValidateTag(tag string) error {
	switch {
	case tag == "":
		return invalidName(tag, "empty hold tag")
	case strings.HasPrefix(tag, "-"):
		return invalidName(tag, "hold tag %q begins with '-'", tag)
	case len(tag) > MaxNameLen:
		return invalidName(tag, "hold tag is %d bytes long; ZFS allows %d", len(tag), MaxNameLen)
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] < 0x21 || tag[i] > 0x7e {
			return invalidName(tag, "invalid character %q in hold tag %q", tag[i], tag)
		}
	}
	return nil
}

// ValidateProp checks a property name we pass to zfs (set, inherit, a guard): the characters of
// native and user property names, and no leading '-'.
func ValidateProp(prop string) error {
	switch {
	case !validPropName(prop):
		return invalidName(prop, "invalid property name %q", prop)
	case strings.HasPrefix(prop, "-"):
		return invalidName(prop, "property name %q begins with '-'", prop)
	}
	return nil
}

// ValidateUserProp checks a user property name: a valid property name with a ':' (module:name),
// which is what sets it apart from ZFS's native properties.
func ValidateUserProp(prop string) error {
	if err := ValidateProp(prop); err != nil {
		return err
	}
	if !strings.Contains(prop, ":") {
		return invalidName(prop, "%q is not a user property (module:name)", prop)
	}
	return nil
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
