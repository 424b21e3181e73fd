package source

import (
	"errors"
	"fmt"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
)

var (
	// ErrInvalid marks a package whose metadata is missing or invalid: no manifest.yaml, a
	// manifest, deps or provenance file that does not parse, a bad package name, a
	// metadata file or root/ of the wrong type.
	ErrInvalid = errors.New("invalid package")
	// ErrChanged marks a package whose origin no longer reads as what Scan found: its content,
	// modes, tree or metadata changed, or it was removed. Scan again.
	ErrChanged = errors.New("package changed since it was scanned")
)

// Error is a problem with one package (or one source directory). Its Err wraps [ErrInvalid],
// [ErrChanged], an [*archive.Error] (whose sentinels work with [errors.Is] through it) or an
// I/O error.
type Error struct {
	// Origin is the absolute path of the package directory or archive, or of the source
	// directory for problems with the directory itself.
	Origin string
	// Entry is the slash-separated path inside the package (as the archive records it, for an
	// archive's own rejections); empty when the problem is with the package as a whole.
	Entry string
	// Package names the refused package when the problem is with one package (see
	// [Refusals]): its manifest's name when that could be read, else a name taken from its
	// file name. Empty for a problem with a source directory itself.
	Package string
	Err     error
}

func (e *Error) Error() string {
	var ae *archive.Error
	if errors.As(e.Err, &ae) && ae.Archive == e.Origin && !errors.Is(e.Err, ErrChanged) {
		return ae.Error() // already names the origin and the entry
	}
	if e.Entry == "" {
		return fmt.Sprintf("%s: %v", e.Origin, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Origin, e.Entry, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// invalid makes an ErrInvalid error for an entry of a package.
func invalid(origin, entry string, format string, args ...any) *Error {
	return &Error{Origin: origin, Entry: entry, Err: fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))}
}

// changed makes an ErrChanged error for an entry of a package.
func changed(origin, entry string, format string, args ...any) *Error {
	return &Error{Origin: origin, Entry: entry, Err: fmt.Errorf("%w: %s", ErrChanged, fmt.Sprintf(format, args...))}
}
