package archive

import (
	"errors"
	"fmt"
)

// Sentinels carried by [Error.Err]; test for them with [errors.Is].
var (
	// ErrUnsafePath: a name that is empty, absolute, too long, has a ".." component, or
	// contains NUL, a control character, a backslash or a percent-encoded '.', '/', '\' or
	// control character; a symlink target that is empty, too long or contains NUL.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrLinkEscape: an entry beneath a symlink (writing it would write through the link); a
	// hard link whose target is outside the tree or not an earlier regular file. (Where a
	// symlink points is never an error: targets are data and are never followed.)
	ErrLinkEscape = errors.New("link escapes the tree")
	// ErrSpecialFile: a device node, FIFO, socket or any other entry that is not a regular
	// file, directory or link.
	ErrSpecialFile = errors.New("special file")
	// ErrDuplicate: two entries with the same cleaned path, or an entry beneath a file.
	ErrDuplicate = errors.New("duplicate entry")
	// ErrTooLarge: a file, the total content, the number of entries or a name exceeds [Limits].
	ErrTooLarge = errors.New("over the limit")
	// ErrFormat: the input is not what its name says (suffix, magic bytes, compression,
	// tar structure, truncated content, a size on an entry that has no content).
	ErrFormat = errors.New("bad archive")
	// ErrChanged: the second pass found the input different from the first.
	ErrChanged = errors.New("changed while being read")
)

// Error is the error [Walk] and [WalkDir] return when they reject their input, and the error
// their readers return when content cannot be read.
type Error struct {
	// Archive is the path of the archive or directory being read.
	Archive string
	// Entry is the entry's name as recorded in the archive (or its slash-separated path in the
	// directory); empty when the problem is with the whole input.
	Entry string
	// Reason says what is wrong, for people.
	Reason string
	// Err is one of the package's sentinels or, for a failure of the operating system (opening
	// or reading the input), the error the operating system reported.
	Err error
}

func (e *Error) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: %v: %s", e.Archive, e.Err, e.Reason)
	}
	return fmt.Sprintf("%s: entry %q: %v: %s", e.Archive, e.Entry, e.Err, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// reject makes an Error for an entry; the walker fills in Archive.
func reject(sentinel error, entry, format string, args ...any) *Error {
	return &Error{Entry: entry, Err: sentinel, Reason: fmt.Sprintf(format, args...)}
}
