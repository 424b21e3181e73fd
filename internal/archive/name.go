package archive

import (
	"fmt"
	"strings"
)

// cleanName checks a recorded entry name and returns its clean, relative, slash-separated
// form. Leading "./", empty and "." components are dropped; the root itself cleans to "".
// The returned error is a reason for ErrUnsafePath.
func cleanName(name string, maxLen int) (string, error) {
	if name == "" {
		return "", fmt.Errorf("name is empty")
	}
	if len(name) > maxLen {
		return "", fmt.Errorf("name is %d bytes long; at most %d are allowed", len(name), maxLen)
	}
	if err := checkChars(name); err != nil {
		return "", err
	}
	if name[0] == '/' {
		return "", fmt.Errorf("name is an absolute path")
	}
	parts := strings.Split(name, "/")
	kept := parts[:0]
	for _, p := range parts {
		switch p {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf(`name has a ".." component`)
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "/"), nil
}

// checkTarget checks a symlink target: not empty, not longer than maxLen, no NUL (which no
// file system can store). Nothing else: a target is data, stored as shipped and never followed
// by this package or its callers, so an absolute target or one leaving the tree is fine.
func checkTarget(target string, maxLen int) error {
	switch {
	case target == "":
		return fmt.Errorf("symlink target is empty")
	case len(target) > maxLen:
		return fmt.Errorf("symlink target is %d bytes long; at most %d are allowed", len(target), maxLen)
	case strings.IndexByte(target, 0) >= 0:
		return fmt.Errorf("symlink target %q contains a NUL byte", target)
	}
	return nil
}

// checkChars rejects NUL, control characters, backslashes and the percent-encodings of '.',
// '/', '\' and control characters (%2e, %2f, %5c, %00, %0c, ... in either case): a later
// consumer that URL-decodes a name must not find a traversal in it.
func checkChars(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			return fmt.Errorf("contains a NUL byte")
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("contains control character %#02x", c)
		case c == '\\':
			return fmt.Errorf("contains a backslash")
		case c == '%' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				continue
			}
			if d := hi<<4 | lo; d == '.' || d == '/' || d == '\\' || d < 0x20 || d == 0x7f {
				return fmt.Errorf("contains percent-encoded %q (%s)", rune(d), s[i:i+3])
			}
		}
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
