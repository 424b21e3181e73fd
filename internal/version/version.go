// Package version implements Axiom's package versions and version constraints with upstream
// Axiom's exact matching rules (types.zig), so that a lock resolved here admits the same packages
// the `axiom` CLI would.
//
// Where upstream silently ignores part of its input (a fourth version component, a range term with
// no operator, `_` inside a number, a leading `+`) this package reports an error instead: a
// constraint that quietly means something else than it says is how a profile ends up locking the
// wrong package. Everything upstream accepts meaningfully is accepted here with the same meaning:
//
//   - a version is one to three dot-separated decimal numbers; missing parts are 0 (13.2 = 13.2.0);
//   - `*` or the empty string admits every version;
//   - a bare version admits exactly that version;
//   - `~X.Y.Z` admits [X.Y.Z, X.(Y+1).0): same major and minor, so `~13` admits [13.0.0, 13.1.0);
//   - `^X.Y.Z` admits [X.Y.Z, (X+1).0.0): same major, with no special case for 0.x, so `^0.2.3`
//     admits [0.2.3, 1.0.0);
//   - a range is a comma-separated AND of `>=`, `>`, `<=`, `<` terms; for each side the last term
//     given wins.
//
// This package imports nothing outside the standard library.
package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is an Axiom package version. Revisions and build-ids are not part of it: upstream never
// lets them take part in constraints or ordering.
type Version struct {
	Major, Minor, Patch uint32
}

// Parse parses "X", "X.Y" or "X.Y.Z" (decimal, unsigned, at most 32 bits each).
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, errors.New("empty version")
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return Version{}, fmt.Errorf("version %q has more than three components (X.Y.Z)", s)
	}
	var nums [3]uint32
	for i, p := range parts {
		if p == "" {
			return Version{}, fmt.Errorf("version %q has an empty component", s)
		}
		for _, r := range p {
			if r < '0' || r > '9' {
				return Version{}, fmt.Errorf("version %q: component %q is not a decimal number", s, p)
			}
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return Version{}, fmt.Errorf("version %q: component %q is out of range", s, p)
		}
		nums[i] = uint32(n)
	}
	return Version{nums[0], nums[1], nums[2]}, nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the canonical X.Y.Z form used in store paths and lock files.
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	switch {
	case v.Major != w.Major:
		return cmpU32(v.Major, w.Major)
	case v.Minor != w.Minor:
		return cmpU32(v.Minor, w.Minor)
	default:
		return cmpU32(v.Patch, w.Patch)
	}
}

// next returns the version right after v in version order: 1.2.3 is followed by 1.2.4, and
// 1.2.4294967295 by 1.3.0. ok is false for the last version there is.
func (v Version) next() (Version, bool) {
	const last = ^uint32(0)
	switch {
	case v.Patch < last:
		return Version{v.Major, v.Minor, v.Patch + 1}, true
	case v.Minor < last:
		return Version{v.Major, v.Minor + 1, 0}, true
	case v.Major < last:
		return Version{v.Major + 1, 0, 0}, true
	}
	return Version{}, false
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Version) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
