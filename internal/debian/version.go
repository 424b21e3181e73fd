package debian

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Version is a Debian version, [epoch:]upstream[-revision].
type Version struct {
	Epoch    uint32
	Upstream string
	Revision string // empty for a native package
}

// ParseVersion parses a Debian version as dpkg does: the epoch is the decimal number before the
// first ':', the revision what follows the last '-', and the upstream part, which must start
// with a digit, what lies between. Characters are limited to those Debian policy allows
// (letters, digits and . + ~ - :, with '-' only in the upstream part of a version that has a
// revision, and ':' only in one that has an epoch).
func ParseVersion(s string) (Version, error) {
	if s != strings.TrimSpace(s) || s == "" {
		return Version{}, fmt.Errorf("version %q is empty or has surrounding spaces", s)
	}
	var v Version
	rest := s
	i := strings.IndexByte(rest, ':')
	hasEpoch := i >= 0
	if hasEpoch {
		n, err := strconv.ParseUint(rest[:i], 10, 32)
		if err != nil || !isDigits(rest[:i]) {
			return Version{}, fmt.Errorf("version %q: epoch %q is not a decimal number", s, rest[:i])
		}
		v.Epoch, rest = uint32(n), rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.Revision, rest = rest[i+1:], rest[:i]
		if v.Revision == "" {
			return Version{}, fmt.Errorf("version %q has an empty revision", s)
		}
		if c := badChar(v.Revision, ".+~"); c >= 0 {
			return Version{}, fmt.Errorf("version %q: revision %q contains %q", s, v.Revision, v.Revision[c])
		}
	}
	v.Upstream = rest
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return Version{}, fmt.Errorf("version %q: the upstream version must start with a digit", s)
	}
	allowed := ".+~"
	if v.Revision != "" {
		allowed += "-"
	}
	if hasEpoch {
		allowed += ":"
	}
	if c := badChar(rest, allowed); c >= 0 {
		return Version{}, fmt.Errorf("version %q: upstream version %q contains %q", s, rest, rest[c])
	}
	return v, nil
}

// MustParseVersion is ParseVersion for constants in tests and tables; it panics on error.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// badChar returns the index of the first byte of s that is neither alphanumeric nor in extra,
// or -1.
func badChar(s, extra string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit(c) || isAlpha(c) || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return i
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// String writes the version as Debian does; the epoch is shown when it is not 0, and when the
// upstream part holds a ':' (which only a version with an epoch may).
func (v Version) String() string {
	s := v.Upstream
	if v.Epoch > 0 || strings.IndexByte(v.Upstream, ':') >= 0 {
		s = strconv.FormatUint(uint64(v.Epoch), 10) + ":" + s
	}
	if v.Revision != "" {
		s += "-" + v.Revision
	}
	return s
}

// Compare orders versions as dpkg does: by epoch, then upstream, then revision, each string
// compared in alternating runs of non-digits (letters before other characters, '~' before
// everything, even the end) and of digits (numerically). It returns -1, 0 or +1.
func (v Version) Compare(w Version) int {
	switch {
	case v.Epoch < w.Epoch:
		return -1
	case v.Epoch > w.Epoch:
		return 1
	}
	if c := comparePart(v.Upstream, w.Upstream); c != 0 {
		return c
	}
	return comparePart(v.Revision, w.Revision)
}

// order is the weight of one character in a non-digit run; 0 is the end of the run.
func order(s string, i int) int {
	if i >= len(s) || isDigit(s[i]) {
		return 0
	}
	switch c := s[i]; {
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

func comparePart(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			if oa, ob := order(a, i), order(b, j); oa != ob {
				return sign(oa - ob)
			}
			i, j = i+1, j+1
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i, j = i+1, j+1
		}
		switch {
		case i < len(a) && isDigit(a[i]):
			return 1
		case j < len(b) && isDigit(b[j]):
			return -1
		case first != 0:
			return sign(first)
		}
	}
	return 0
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Axiom maps v to an Axiom version and revision by the rule in the package documentation:
// the leading numbers of the upstream part, the epoch dropped, and the leading number of the
// Debian revision (at least 1).
func (v Version) Axiom() (version.Version, uint32, error) {
	var nums [3]uint32
	rest := v.Upstream
	for k := range nums {
		n := 0
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 0 {
			if k == 0 {
				return version.Version{}, 0, fmt.Errorf("version %q: the upstream version does not start with a number", v)
			}
			break
		}
		x, err := strconv.ParseUint(rest[:n], 10, 32)
		if err != nil {
			return version.Version{}, 0, fmt.Errorf("version %q: %q is too large for an Axiom version", v, rest[:n])
		}
		nums[k], rest = uint32(x), rest[n:]
		if len(rest) < 2 || rest[0] != '.' || !isDigit(rest[1]) {
			break
		}
		rest = rest[1:]
	}
	rev := uint32(1)
	n := 0
	for n < len(v.Revision) && isDigit(v.Revision[n]) {
		n++
	}
	if n > 0 {
		x, err := strconv.ParseUint(v.Revision[:n], 10, 32)
		if err != nil {
			return version.Version{}, 0, fmt.Errorf("version %q: revision %q is too large for an Axiom revision", v, v.Revision[:n])
		}
		rev = max(rev, uint32(x))
	}
	return version.Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}, rev, nil
}
