package axiomname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ok, pkgOK bool // Check, CheckPackage
	}{
		{"bash", true, true},
		{"python3.12", true, true},
		{"lib_x-1.0", true, true},
		{"A", true, true},
		{strings.Repeat("a", 255), true, true},
		{strings.Repeat("a", 256), false, false},
		{strings.Repeat("+", 255), false, true},
		{strings.Repeat("+", 256), false, false},
		{"", false, false},
		{".hidden", false, false},
		{".", false, false},
		{"..", false, false},
		{"zfs", false, false},
		{"snapshot", false, false},
		{"origin", false, false},
		{"gtk+", false, true},
		{"libstdc++6", false, true},
		{"g++-12", false, true},
		{"dvd+rw-tools", false, true},
		{"+x", false, true},
		{"a/b", false, false},
		{"a b", false, false},
		{"a:b", false, false}, // ':' is what '+' maps to in a dataset name, so never a name
		{"libstdc::6", false, false},
		{"a@b", false, false},
		{"-x", false, false},
		{"-+", false, false},
		{"x-", true, true},
		{"é", false, false},
	} {
		if err := Check(tc.name); (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err := CheckPackage(tc.name); (err == nil) != tc.pkgOK {
			t.Errorf("CheckPackage(%q) = %v, want ok=%v", tc.name, err, tc.pkgOK)
		}
	}
}

// TestCheckMessage pins how the offending character is reported: as the rune written, or as a
// hexadecimal byte when the name is not valid UTF-8 (never as a lone byte of a longer rune), with
// the characters the kind of name allows.
func TestCheckMessage(t *testing.T) {
	const allowed = "; only letters, digits, '.', '_' and '-' are allowed"
	const pkgAllowed = "; only letters, digits, '.', '_', '+' and '-' are allowed"
	for _, tc := range []struct {
		check      func(string) error
		name, want string
	}{
		{Check, "é", `name "é" contains 'é'` + allowed},
		{Check, "ab€c", `name "ab€c" contains '€'` + allowed},
		{Check, "a b", `name "a b" contains ' '` + allowed},
		{Check, "a\tb", `name "a\tb" contains '\t'` + allowed},
		{Check, "a\xffb", `name "a\xffb" contains the byte 0xff, which is not valid UTF-8` + allowed},
		{Check, "x\uFFFD", `name "x�" contains '�'` + allowed}, // a real U+FFFD is a rune like any other
		{Check, "gtk+", `name "gtk+" contains '+', which only package names may contain` + allowed},
		{CheckPackage, "a:b", `name "a:b" contains ':'` + pkgAllowed},
		{CheckPackage, "g++ 12", `name "g++ 12" contains ' '` + pkgAllowed},
		{CheckPackage, "a\xffb", `name "a\xffb" contains the byte 0xff, which is not valid UTF-8` + pkgAllowed},
	} {
		err := tc.check(tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("check(%q) = %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

// FuzzCheck: a package name is a profile name or contains '+'; neither kind ever contains ':'
// (the byte internal/layout maps '+' to) or '/'.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"bash", "libstdc++6", "a:b", "+", "-+", "zfs", ".x", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok, pkgOK := Check(s) == nil, CheckPackage(s) == nil
		if ok && !pkgOK {
			t.Fatalf("%q is a valid profile name but not a valid package name", s)
		}
		if pkgOK && !ok && !strings.Contains(s, "+") {
			t.Fatalf("%q is a valid package name only, without '+'", s)
		}
		if pkgOK && strings.ContainsAny(s, ":/@#") {
			t.Fatalf("valid package name %q contains a ZFS separator or ':'", s)
		}
	})
}
