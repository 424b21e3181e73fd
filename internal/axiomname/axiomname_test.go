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
