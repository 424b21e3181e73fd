// Package axiomname holds Axiom's rules for the names of packages, profiles and environments.
//
// Profile and environment names become one component of a ZFS dataset name as they are, so they
// are stricter than ZFS itself (upstream's store component validator, which upstream never
// applied to profiles or environments): [A-Za-z0-9._-], 1 to 255 bytes, no leading dot or dash,
// and not a word ZFS or Axiom reserves (Check).
//
// Package names follow the same rule and also allow '+', as upstream documents them
// ([A-Za-z0-9_+-]) and as real packages are named (libstdc++6, g++-12, dvd+rw-tools)
// (CheckPackage). ZFS does not allow '+' in a dataset name, so a package's dataset component is
// not its name: internal/layout maps one to the other, '+' to ':'. That is why no name here may
// contain ':' — the mapping is only reversible if package names never do.
package axiomname

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// MaxLen is the longest name allowed.
const MaxLen = 255

// Reserved lists names that cannot be used: path references and words ZFS tools treat specially.
var Reserved = []string{".", "..", "zfs", "zpool", "snapshot", "bookmark", "clone", "origin"}

// Check returns nil if s is a valid profile or environment name (or any name that is used as a
// dataset component as it is), else an error saying what is wrong with it.
func Check(s string) error { return check(s, false) }

// CheckPackage returns nil if s is a valid package name, else an error saying what is wrong with
// it. It is Check's rule with '+' allowed as well.
func CheckPackage(s string) error { return check(s, true) }

func check(s string, plus bool) error {
	switch {
	case s == "":
		return fmt.Errorf("name is empty")
	case len(s) > MaxLen:
		return fmt.Errorf("name is %d bytes long; at most %d are allowed", len(s), MaxLen)
	case slices.Contains(Reserved, s):
		return fmt.Errorf("name %q is reserved", s)
	case s[0] == '.':
		return fmt.Errorf("name %q begins with a dot", s)
	case s[0] == '-':
		return fmt.Errorf("name %q begins with '-', which commands would read as an option", s)
	}
	allowed := "only letters, digits, '.', '_' and '-' are allowed"
	if plus {
		allowed = "only letters, digits, '.', '_', '+' and '-' are allowed"
	}
	for i, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || plus && c == '+' {
			continue
		}
		// The offending character as the user wrote it: a whole rune, not its first byte.
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("name %q contains the byte 0x%02x, which is not valid UTF-8; %s", s, s[i], allowed)
			}
		}
		if c == '+' {
			return fmt.Errorf("name %q contains %q, which only package names may contain; %s", s, c, allowed)
		}
		return fmt.Errorf("name %q contains %q; %s", s, c, allowed)
	}
	return nil
}
