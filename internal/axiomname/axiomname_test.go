package axiomname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"bash", true},
		{"python3.12", true},
		{"lib_x-1.0", true},
		{"A", true},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{"", false},
		{".hidden", false},
		{".", false},
		{"..", false},
		{"zfs", false},
		{"snapshot", false},
		{"origin", false},
		{"gtk+", false},
		{"a/b", false},
		{"a b", false},
		{"a:b", false},
		{"a@b", false},
		{"-x", false},
		{"x-", true},
		{"é", false},
	} {
		if err := Check(tc.name); (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestCheckMessage pins how the offending character is reported: as the rune written, or as a
// hexadecimal byte when the name is not valid UTF-8 (never as a lone byte of a longer rune).
func TestCheckMessage(t *testing.T) {
	const allowed = "; only letters, digits, '.', '_' and '-' are allowed"
	for name, want := range map[string]string{
		"é":       `name "é" contains 'é'` + allowed,
		"ab€c":    `name "ab€c" contains '€'` + allowed,
		"a b":     `name "a b" contains ' '` + allowed,
		"a\tb":    `name "a\tb" contains '\t'` + allowed,
		"a\xffb":  `name "a\xffb" contains the byte 0xff, which is not valid UTF-8` + allowed,
		"x\uFFFD": `name "x�" contains '�'` + allowed, // a real U+FFFD is a rune like any other
	} {
		err := Check(name)
		if err == nil || err.Error() != want {
			t.Errorf("Check(%q) = %v\nwant %s", name, err, want)
		}
	}
}
