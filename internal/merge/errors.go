package merge

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels carried by [EntryError.Err] and by [Write]'s errors; test with [errors.Is].
var (
	// ErrUnsafePath: an entry path (or a Placed path given to Write) that is empty, absolute,
	// not clean, has a "." or ".." component, or contains NUL; a symlink target that is empty
	// or contains NUL.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrInvalidInput: anything else wrong with an input or the arguments: an unknown policy
	// or entry type, a bad package name, the same path twice in one input, an entry beneath a
	// file or symlink of its own input, a negative size, a file without a Digest.
	ErrInvalidInput = errors.New("invalid merge input")
	// ErrUnexpectedFile: Write found something it did not put there: dest is not an empty
	// directory, or a directory it created was replaced.
	ErrUnexpectedFile = errors.New("unexpected file in the destination")
)

// EntryError is the error [Merge] returns for an input it rejects, and for a Digest that
// failed.
type EntryError struct {
	// Package is the input's label.
	Package string
	// Path is the entry's path inside the input; empty when the problem is with the input as a
	// whole (its name).
	Path string
	// Reason says what is wrong, for people.
	Reason string
	// Err is one of the package's sentinels or, for a failed Digest, the error it returned.
	Err error
}

func (e *EntryError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %v: %s", e.Package, e.Err, e.Reason)
	}
	return fmt.Sprintf("%s: %q: %v: %s", e.Package, e.Path, e.Err, e.Reason)
}

func (e *EntryError) Unwrap() error { return e.Err }

// ConflictError is the error [Merge] returns for conflicts its policy does not resolve: every
// conflict under PolicyError, and under PolicyKeepBoth every later directory that meets an
// earlier file or symlink. It lists all of them, sorted as [Result.Conflicts] is.
type ConflictError struct {
	Policy    Policy
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	n := len(e.Conflicts)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%d file conflict%s", n, plural)
	if e.Policy == PolicyKeepBoth {
		b.WriteString(" that keep-both cannot resolve (a directory cannot be kept beside a file or symlink)")
	}
	b.WriteString(":")
	for _, c := range e.Conflicts {
		b.WriteString("\n  ")
		b.WriteString(c.String())
	}
	return b.String()
}
