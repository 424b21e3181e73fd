package debian

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseVersion(f *testing.F) {
	for _, s := range append(wellFormed, "1:2.39.5-0+deb12u2", "2:1.8+git20210923~", "1:2:3-4", "0:1", "1.0-", "x:1",
		"99999999999:1", "1..2", "4294967296", "1.0-4294967296", "~", "1.0~~-a~") {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := ParseVersion(a)
		if err != nil {
			return
		}
		back, err := ParseVersion(va.String())
		if err != nil || back.Compare(va) != 0 {
			t.Fatalf("%q -> %q -> %+v, %v", a, va.String(), back, err)
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%q is not equal to itself", a)
		}
		if x, rev, err := va.Axiom(); err == nil && rev == 0 {
			t.Fatalf("%q -> %v with revision 0", a, x)
		}
		vb, err := ParseVersion(b)
		if err != nil {
			return
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("%q vs %q is not antisymmetric", a, b)
		}
	})
}

func FuzzParseRelations(f *testing.F) {
	for _, s := range []string{
		"libc6 (>= 2.34), libcurl3-gnutls (>= 7.56.1), git-man (>> 1:2.39.5), git-man (<< 1:2.39.5-.)",
		"debconf | debconf-2.0", "python3:any (>= 3.11~)", "aa (< 1), bb (> 2)", "aa [amd64]", "aa <!nocheck>",
		"aa (", "aa ()", "aa (= )", ",,|", "aa:", "libstdc++6 (= 12.2.0-14+deb12u1)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		groups, err := ParseRelations(s)
		if err != nil {
			return
		}
		var parts []string
		for _, g := range groups {
			if len(g) == 0 {
				t.Fatalf("%q: an empty group", s)
			}
			parts = append(parts, groupString(g))
		}
		text := strings.Join(parts, ", ")
		again, err := ParseRelations(text)
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, text, err)
		}
		for i := range again {
			if groupString(again[i]) != parts[i] {
				t.Fatalf("%q -> %q: not a round trip", s, text)
			}
		}
	})
}

// FuzzParseControl feeds control files to the parser and, when they parse, to the mapping as a
// set of one beside the real set; nothing may panic, and every error names what it is about.
func FuzzParseControl(f *testing.F) {
	paths, _ := filepath.Glob("testdata/control/*")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Package: aa\nVersion: 1\nDepends: bb | cc (>> 1:2-.), aa\nBreaks: bb (<< 9)\nProvides: cc\n"))
	f.Add([]byte(" x\n\nPackage: a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseControl(b)
		if err != nil {
			return
		}
		for _, n := range c.Names() {
			if _, ok := c.Field(strings.ToUpper(n)); !ok {
				t.Fatalf("field %q is listed but not found", n)
			}
		}
		s, err := NewSet([]Control{c, mustControl(t, "Package: bb\nVersion: 2:1.0-1\nProvides: dd\n")})
		if err != nil {
			return
		}
		r, err := s.Map(c)
		if err != nil {
			return
		}
		if r.Manifest.Revision == 0 || r.Manifest.Name == "" {
			t.Fatalf("mapped to %+v", r.Manifest)
		}
		for _, d := range r.Deps.Dependencies {
			if d.Name != "bb" && d.Name != "dd" {
				t.Fatalf("a dependency on %s, which the set does not have", d.Name)
			}
		}
	})
}

func mustControl(t *testing.T, s string) Control {
	t.Helper()
	c, err := ParseControl([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
