package source

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// Refusals returns the packages that err, an error from [Scan], says were refused or could not be
// read: each an [*Error] whose Package is set. Problems with a source directory itself (it is
// missing, or is a package rather than a directory of them) are not among them; see
// [DirErrors]. A refused package is left out of what Scan returns and never blocks the others, so
// a caller reports refusals as warnings and goes on.
func Refusals(err error) []*Error {
	var out []*Error
	for _, e := range scanErrors(err) {
		if e.Package != "" {
			out = append(out, e)
		}
	}
	return out
}

// DirErrors returns the problems err, an error from [Scan], has with the source directories
// themselves, and any error that is not an [*Error] (such as a cancelled context). A caller
// cannot go on without knowing what a source directory holds, so these are errors.
func DirErrors(err error) []error {
	var out []error
	for _, e := range flatten(err) {
		var se *Error
		if !errors.As(e, &se) || se.Package == "" {
			out = append(out, e)
		}
	}
	return out
}

func scanErrors(err error) []*Error {
	var out []*Error
	for _, e := range flatten(err) {
		var se *Error
		if errors.As(e, &se) {
			out = append(out, se)
		}
	}
	return out
}

// flatten lists the errors an errors.Join holds (err itself when it is not one).
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// refused marks err, the failure to read the package at origin, as a refusal of that package,
// naming it as well as it can be named (see [Error.Package]).
func refused(origin string, err error) error {
	var se *Error
	if !errors.As(err, &se) {
		se = &Error{Origin: origin, Err: err}
	}
	se.Package = packageName(origin)
	return se
}

// packageName is the name a refused package is known by: its manifest's name when a directory's
// manifest.yaml can still be read, else its file name without an archive suffix and without a
// trailing version ("iproute2-6.1.0.tar.xz" → "iproute2"), which is how source directories
// name packages by convention.
func packageName(origin string) string {
	if b, err := nonblock.ReadRegular(filepath.Join(origin, manifestFile), pkgmeta.MaxSize); err == nil {
		if m, err := pkgmeta.ParseManifest(b); err == nil && m.Name != "" {
			return m.Name
		}
	}
	base := filepath.Base(origin)
	if i := strings.Index(base, ".tar"); i > 0 {
		base = base[:i]
	} else if ext := filepath.Ext(base); ext != "" && len(ext) <= 5 && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	if loc := trailingVersion.FindStringIndex(base); loc != nil && loc[0] > 0 {
		base = base[:loc[0]]
	}
	return base
}

// trailingVersion matches "-1.2.3", "-5.2", "-2.39.5-r1" at the end of a package's file name.
var trailingVersion = regexp.MustCompile(`-[0-9][0-9A-Za-z.+~_-]*$`)

// unsupportedArchive reports whether a file name looks like an archive this package cannot
// read, so that a package shipped as one is reported rather than silently ignored.
func unsupportedArchive(name string) bool {
	lower := strings.ToLower(name)
	if strings.Contains(lower, ".tar.") {
		return true
	}
	for _, s := range []string{".zip", ".7z", ".rar", ".tlz", ".tbz", ".deb", ".rpm", ".pkg"} {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}
