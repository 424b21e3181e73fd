package debian

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readSet reads the real control files in testdata/control.
func readSet(t testing.TB) map[string]Control {
	t.Helper()
	paths, err := filepath.Glob("testdata/control/*")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no control files: %v", err)
	}
	out := map[string]Control{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseControl(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = c
	}
	return out
}

func TestParseControlReal(t *testing.T) {
	set := readSet(t)
	for name, c := range set {
		if got, err := c.Package(); err != nil || got != name {
			t.Errorf("%s: Package = %q, %v", name, got, err)
		}
		if _, err := c.Version(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, f := range []string{"Depends", "Pre-Depends", "Provides", "Conflicts", "Breaks", "Replaces", "Recommends", "Suggests"} {
			if _, err := c.Relations(f); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	git := set["git"]
	if v, _ := git.Field("version"); v != "1:2.39.5-0+deb12u3" {
		t.Errorf("git version %q", v)
	}
	if s := git.Synopsis(); s != "fast, scalable, distributed revision control system" {
		t.Errorf("git synopsis %q", s)
	}
	d, _ := git.Field("Description")
	if !strings.Contains(d, "\n\nGit is popular") && !strings.Contains(d, "\n\n") {
		t.Errorf("a \" .\" line should read as an empty line: %q", d)
	}
	if names := git.Names(); names[0] != "Package" || names[1] != "Version" {
		t.Errorf("names in file order: %v", names)
	}
}

func TestParseControlErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		msg  string
	}{
		{"", 0, "no fields"},
		{"\n\n", 0, "no fields"},
		{"Package: a\nPackage: b\n", 2, "appears twice"},
		{"Package: a\npackage: b\n", 2, "appears twice"},
		{" continued\n", 1, "no field before it"},
		{"Package: a\n\nPackage: b\n", 3, "second stanza"},
		{"Package: a\nno colon here\n", 2, "is not a `Name: value` field"},
		{"# comment\nPackage: a\n", 1, "comment"},
		{"Package: a\x00\n", 1, "NUL"},
		{": x\n", 1, "empty name"},
		{"Pack age: x\n", 1, "contains ' '"},
		{"-X: x\n", 1, "starts with '-'"},
		{strings.Repeat("x", MaxControlSize+1), 0, "at most"},
	} {
		_, err := ParseControl([]byte(tc.in))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tc.line || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("ParseControl(%.20q) = %v; want line %d, %q", tc.in, err, tc.line, tc.msg)
		}
	}
}

func TestControlFieldErrors(t *testing.T) {
	c, err := ParseControl([]byte("Package: Bad_Name\nVersion: x1\nDepends: a (>= )\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Package(); err == nil || !strings.Contains(err.Error(), "Package: package name \"Bad_Name\"") {
		t.Errorf("Package: %v", err)
	}
	if _, err := c.Version(); err == nil || !strings.Contains(err.Error(), "Version: ") {
		t.Errorf("Version: %v", err)
	}
	if _, err := c.Relations("Depends"); err == nil || !strings.Contains(err.Error(), "Depends: relation \"a (>= )\"") {
		t.Errorf("Depends: %v", err)
	}
	empty, err := ParseControl([]byte("Description: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := empty.Package(); !errors.Is(err, ErrMissingField) {
		t.Errorf("no Package: %v", err)
	}
	if _, err := empty.Version(); !errors.Is(err, ErrMissingField) {
		t.Errorf("no Version: %v", err)
	}
}

func TestParseRelations(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // groups joined by ", ", as String writes them
		err  string
	}{
		{in: "libc6 (>= 2.34), zlib1g (>= 1:1.2.2), perl", want: "libc6 (>= 2.34), zlib1g (>= 1:1.2.2), perl"},
		{in: "git-man (>> 1:2.39.5), git-man (<< 1:2.39.5-.)", want: "git-man (>> 1:2.39.5), git-man (<< 1:2.39.5-.)"},
		{in: "debconf | debconf-2.0", want: "debconf | debconf-2.0"},
		{in: "python3:any (>= 3.11~)", want: "python3:any (>= 3.11~)"},
		{in: "libstdc++6 (= 12.2.0-14+deb12u1)", want: "libstdc++6 (= 12.2.0-14+deb12u1)"},
		{in: "aa (< 1), bb (> 2)", want: "aa (<= 1), bb (>= 2)"},
		{in: "aa(>=1)", want: "aa (>= 1)"},
		{in: "aa ,, bb,", want: "aa, bb"},
		{in: "  ", want: ""},
		{in: "aa | ", err: "empty alternative"},
		{in: "aa (1.0)", err: "no operator"},
		{in: "aa (>= 1.0", err: "expected `name (op version)`"},
		{in: "aa (>= 1.0) x", err: "expected `name (op version)`"},
		{in: "a [amd64]", err: "source packages"},
		{in: "a <!nocheck>", err: "source packages"},
		{in: "a (>= 1) <stage1>", err: "source packages"},
		{in: "A", err: "shorter than two"},
		{in: "Abc", err: "must start with a lower-case"},
		{in: "ab_c", err: "contains '_'"},
		{in: "ab:", err: "architecture qualifier"},
		{in: "ab:x/y", err: "architecture qualifier"},
		{in: "ab (>= x)", err: "must start with a digit"},
	} {
		groups, err := ParseRelations(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRelations(%q) = %v, %v; want an error with %q", tc.in, groups, err, tc.err)
			}
			continue
		}
		var parts []string
		for _, g := range groups {
			parts = append(parts, groupString(g))
		}
		if got := strings.Join(parts, ", "); err != nil || got != tc.want {
			t.Errorf("ParseRelations(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestAdmits(t *testing.T) {
	have := MustParseVersion("1:2.39.5-0+deb12u3")
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"git-man (>> 1:2.39.5)", true},
		{"git-man (<< 1:2.39.5-.)", true},
		{"git-man (>= 1:2.39.5-0+deb12u3)", true},
		{"git-man (= 1:2.39.5-0+deb12u3)", true},
		{"git-man (= 1:2.39.5)", false},
		{"git-man (<= 1:2.39.5)", false},
		{"git-man (>> 2.40)", true}, // the epoch wins
		{"git-man (<< 2:1)", true},
		{"git-man", true},
	} {
		g, err := ParseRelations(tc.rel)
		if err != nil {
			t.Fatal(err)
		}
		if got := g[0][0].Admits(have); got != tc.want {
			t.Errorf("%s admits %s: %v", tc.rel, have, got)
		}
	}
}
