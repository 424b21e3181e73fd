package version

import (
	"strings"
	"testing"
)

func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{
		"", "*", "3.11.0", "~13.2", "~13", "~6.4", "^5.0.0", "^0.2.3", ">=1.0.0,<2.0.0", ">=2.40.0",
		">=1.0.0,>=2.0.0", "<3,<2,>1", " >= 1 , < 2 ", "=1.2", "1.2.3.4", "1_0", "+1", "1.2.3-beta",
		"4294967296", ">=1.0, 2.0", ">=2.0.0,<1.0.0", ">1.2.3,<1.2.4", "<0", ">4294967295.4294967295.4294967295", "~", ">=", ",", "^ 5", "\t~1.2\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraint(s)
		if err != nil {
			return
		}
		back, err := ParseConstraint(c.String())
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, c.String(), err)
		}
		if back != c || back.String() != c.String() {
			t.Fatalf("%q -> %q -> %q: not a round trip", s, c.String(), back.String())
		}
		var u Constraint
		if text, _ := c.MarshalText(); u.UnmarshalText(text) != nil || u != c {
			t.Fatalf("%q: text round trip gives %v", s, u)
		}
		// Satisfiable: the lowest version is admitted, and no version right before it is.
		if low, ok := c.lowest(); ok {
			if !c.Match(low) {
				t.Fatalf("%q: lowest version %s is not admitted", s, low)
			}
			if low.Patch > 0 && c.Match(Version{low.Major, low.Minor, low.Patch - 1}) {
				t.Fatalf("%q: admits a version below its lowest, %s", s, low)
			}
		}
		// Kind is determined by the first non-space character, as upstream's CLI infers it.
		t2 := strings.TrimSpace(s)
		switch {
		case t2 == "" || t2 == "*":
			if c.Kind() != Any {
				t.Fatalf("%q has kind %v", s, c.Kind())
			}
		case t2[0] == '^' && c.Kind() != Caret, t2[0] == '~' && c.Kind() != Tilde,
			(t2[0] == '<' || t2[0] == '>') && c.Kind() != Range:
			t.Fatalf("%q has kind %v", s, c.Kind())
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1", "13.2", "1.2.3", "0.0.0", "01.2", "4294967295.0.1", "4294967296",
		"1.2.3.4", "2_1", "+1", "1.2.3-beta", "", ".", "1..2", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 2 {
			t.Fatalf("Parse(%q) = %v, accepting more than digits and at most two dots", s, v)
		}
		back, err := Parse(v.String())
		if err != nil || back != v {
			t.Fatalf("%q -> %q -> %v, %v: not a round trip", s, v.String(), back, err)
		}
		if v.Compare(back) != 0 {
			t.Fatalf("%v.Compare(itself) != 0", v)
		}
	})
}
