// Package axiomname holds Axiom's rule for the names of packages, profiles and environments.
// Each such name becomes one component of a ZFS dataset name, so it is stricter than ZFS itself
// (upstream's store component validator, which upstream never applied to profiles or
// environments): [A-Za-z0-9._-], 1 to 255 bytes, no leading dot or dash, and not a word ZFS or
// Axiom reserves.
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

// Check returns nil if s is a valid package, profile or environment name, else an error saying
// what is wrong with it.
func Check(s string) error {
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
	for i, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			continue
		}
		// The offending character as the user wrote it: a whole rune, not its first byte.
		if c == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("name %q contains the byte 0x%02x, which is not valid UTF-8; only letters, digits, '.', '_' and '-' are allowed", s, s[i])
			}
		}
		return fmt.Errorf("name %q contains %q; only letters, digits, '.', '_' and '-' are allowed", s, c)
	}
	return nil
}
