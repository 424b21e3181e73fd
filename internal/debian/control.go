package debian

import (
	"errors"
	"fmt"
	"strings"
)

// MaxControlSize is the largest control file ParseControl reads. Real ones are a few KiB
// (libc6's, with its long Breaks, is under 4 KiB).
const MaxControlSize = 1 << 20

// Control is the control file of a binary package: one stanza of fields. Names are matched
// case-insensitively, as Debian's are.
type Control struct {
	names  []string          // in file order, as spelled
	values map[string]string // by lower-case name
}

// SyntaxError is a control file that cannot be read, located at a line (1-based; 0 when the
// problem is with the file as a whole).
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return "control file: " + e.Msg
	}
	return fmt.Sprintf("control file line %d: %s", e.Line, e.Msg)
}

// ErrMissingField is returned (wrapped) when a field a package must have is absent.
var ErrMissingField = errors.New("missing field")

// ParseControl reads a binary package's control file (deb-control(5)): `Name: value` lines,
// continuation lines starting with a space or tab (a lone "." standing for an empty line in a
// multi-line value), one stanza. Blank lines after it are allowed; a second stanza, a line that
// is neither a field nor a continuation, a duplicate field, a comment, a NUL byte or invalid
// field name is an error naming its line.
func ParseControl(b []byte) (Control, error) {
	if len(b) > MaxControlSize {
		return Control{}, &SyntaxError{Msg: fmt.Sprintf("%d bytes; at most %d are read", len(b), MaxControlSize)}
	}
	c := Control{values: map[string]string{}}
	var cur string // lower-case name of the field being continued
	ended := false
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		switch {
		case strings.IndexByte(line, 0) >= 0:
			return Control{}, &SyntaxError{Line: n, Msg: "contains a NUL byte"}
		case strings.TrimSpace(line) == "":
			ended = len(c.names) > 0
			cur = ""
			continue
		case ended:
			return Control{}, &SyntaxError{Line: n, Msg: "a second stanza; a binary package's control file has one"}
		case line[0] == ' ' || line[0] == '\t':
			if cur == "" {
				return Control{}, &SyntaxError{Line: n, Msg: "a continuation line with no field before it"}
			}
			cont := strings.TrimSpace(line)
			if cont == "." {
				cont = ""
			}
			c.values[cur] += "\n" + cont
			continue
		case line[0] == '#':
			return Control{}, &SyntaxError{Line: n, Msg: "a comment; binary control files have none"}
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return Control{}, &SyntaxError{Line: n, Msg: fmt.Sprintf("%q is not a `Name: value` field", clip(line))}
		}
		if err := checkFieldName(name); err != nil {
			return Control{}, &SyntaxError{Line: n, Msg: err.Error()}
		}
		key := strings.ToLower(name)
		if _, dup := c.values[key]; dup {
			return Control{}, &SyntaxError{Line: n, Msg: fmt.Sprintf("field %s appears twice", name)}
		}
		c.names = append(c.names, name)
		c.values[key] = strings.TrimSpace(value)
		cur = key
	}
	if len(c.names) == 0 {
		return Control{}, &SyntaxError{Msg: "no fields"}
	}
	return c, nil
}

// checkFieldName applies deb822's rule: printable ASCII but ':' and space, not starting with '-'
// or '#'.
func checkFieldName(name string) error {
	if name == "" {
		return errors.New("a field with an empty name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("field name %q contains %q", clip(name), c)
		}
	}
	if name[0] == '-' {
		return fmt.Errorf("field name %q starts with '-'", clip(name))
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Field returns the value of the named field (any case) and whether it is present. A multi-line
// value keeps its lines, the first being what followed the colon.
func (c Control) Field(name string) (string, bool) {
	v, ok := c.values[strings.ToLower(name)]
	return v, ok
}

// Names lists the fields in file order, spelled as in the file.
func (c Control) Names() []string { return append([]string(nil), c.names...) }

// Package returns the Package field, checked as a Debian package name.
func (c Control) Package() (string, error) {
	v, ok := c.Field("Package")
	if !ok {
		return "", fmt.Errorf("Package: %w", ErrMissingField)
	}
	if err := checkPackageName(v); err != nil {
		return "", fmt.Errorf("Package: %w", err)
	}
	return v, nil
}

// Version returns the Version field, parsed.
func (c Control) Version() (Version, error) {
	v, ok := c.Field("Version")
	if !ok {
		return Version{}, fmt.Errorf("Version: %w", ErrMissingField)
	}
	ver, err := ParseVersion(v)
	if err != nil {
		return Version{}, fmt.Errorf("Version: %w", err)
	}
	return ver, nil
}

// Relations returns the named relation field (Depends, Pre-Depends, Conflicts, Breaks, Replaces,
// Provides) parsed; an absent field is no relations.
func (c Control) Relations(name string) ([][]Relation, error) {
	v, ok := c.Field(name)
	if !ok {
		return nil, nil
	}
	rs, err := ParseRelations(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rs, nil
}

// Synopsis returns the first line of Description.
func (c Control) Synopsis() string {
	d, _ := c.Field("Description")
	first, _, _ := strings.Cut(d, "\n")
	return first
}

// checkPackageName applies Debian policy §5.6.1: lower-case letters, digits, '+', '-' and '.',
// at least two characters, starting with a letter or digit.
func checkPackageName(s string) error {
	if len(s) < 2 {
		return fmt.Errorf("package name %q is shorter than two characters", clip(s))
	}
	if !isDigit(s[0]) && (s[0] < 'a' || s[0] > 'z') {
		return fmt.Errorf("package name %q must start with a lower-case letter or digit", clip(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && (c < 'a' || c > 'z') && c != '+' && c != '-' && c != '.' {
			return fmt.Errorf("package name %q contains %q", clip(s), c)
		}
	}
	return nil
}
