package debian

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// mapSet maps every control file of testdata/control as one set.
func mapSet(t *testing.T) map[string]Result {
	t.Helper()
	ctrls := readSet(t)
	var all []Control
	for _, c := range ctrls {
		all = append(all, c)
	}
	set, err := NewSet(all)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Result{}
	for name, c := range ctrls {
		r, err := set.Map(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = r
	}
	return out
}

func depsText(d pkgmeta.Deps) string {
	var parts []string
	for _, dep := range d.Dependencies {
		parts = append(parts, pkgmeta.Relation(dep).String())
	}
	return strings.Join(parts, " ")
}

func TestMapRealSet(t *testing.T) {
	res := mapSet(t)
	if os.Getenv("DEBIAN_MAP_DUMP") != "" {
		for name, r := range res {
			t.Logf("%s %s-%d deps: %s\n  provides %v conflicts %v\n  notes: %s", name, r.Manifest.Version, r.Manifest.Revision,
				depsText(r.Deps), r.Manifest.Provides, r.Manifest.Conflicts, strings.Join(r.Notes, "\n    "))
		}
	}
}

func TestMapRealSetOutcomes(t *testing.T) {
	res := mapSet(t)
	for _, tc := range []struct {
		pkg, version string
		rev          uint32
		deps         string
		note         string // a note that must be there
	}{
		// >> and << around one upstream version, made inclusive and merged: exact.
		{"git", "2.39.5", 1, "git-man=2.39.5 libc6>=2.34.0 libpcre2-8-0>=10.34.0 zlib1g>=1.2.2",
			"Depends: perl: dropped, not in the set"},
		{"curl", "7.88.1", 10, "libc6>=2.34.0 libcurl4=7.88.1 zlib1g>=1.1.4", ""},
		{"bash", "5.2.15", 2, "base-files>=2.1.12 libc6>=2.36.0 libtinfo6>=6.0.0",
			"Depends: debianutils (>= 5.6-0.1): dropped, not in the set"},
		{"libstdc++6", "12.2.0", 14, "libc6>=2.36.0 libgcc-s1>=4.2.0",
			"Depends: gcc-12-base (= 12.2.0-14+deb12u1): dropped, not in the set"},
		{"zlib1g", "1.2.13", 1, "libc6>=2.14.0", "Conflicts: zlib1 (<= 1:1.0.4-7): dropped, not in the set"},
		{"libc6", "2.36.0", 9, "libgcc-s1", "Replaces: libc6-amd64: dropped"},
		{"gzip", "1.12.0", 1, "libc6>=2.33.0", "Depends: dpkg (>= 1.15.4) | install-info: dropped, not in the set"},
	} {
		r, ok := res[tc.pkg]
		if !ok {
			t.Fatalf("%s not mapped", tc.pkg)
		}
		m := r.Manifest
		if m.Name != tc.pkg || m.Version.String() != tc.version || m.Revision != tc.rev {
			t.Errorf("%s: %s %s-%d", tc.pkg, m.Name, m.Version, m.Revision)
		}
		if got := depsText(r.Deps); got != tc.deps {
			t.Errorf("%s deps: %s\nwant %s", tc.pkg, got, tc.deps)
		}
		if tc.note != "" && !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, tc.note) }) {
			t.Errorf("%s: no note %q in %q", tc.pkg, tc.note, r.Notes)
		}
	}
	git := res["git"].Manifest
	if git.Description != "fast, scalable, distributed revision control system" || git.Homepage != "https://git-scm.com/" ||
		!strings.HasPrefix(git.Maintainer, "Jonathan Nieder") || !slices.Equal(git.Provides, []string{"git-completion", "git-core"}) ||
		!slices.Equal(git.Tags, []string{"vcs"}) || len(git.Conflicts) != 0 {
		t.Errorf("git manifest: %+v", git)
	}
}

// TestMapRoundTrip: what Map makes, pkgmeta writes and reads back unchanged, with the Debian
// version and the notes in the manifest's debian: mapping.
func TestMapRoundTrip(t *testing.T) {
	for name, r := range mapSet(t) {
		m, err := pkgmeta.ParseManifest(r.Manifest.Marshal())
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, r.Manifest.Marshal())
		}
		a, b := m, r.Manifest
		a.Extra, b.Extra = nil, nil // compared below, by value: the reader normalises YAML styles
		if !a.Equal(b) || len(m.Extra) != 1 {
			t.Errorf("%s: manifest round trip differs:\n%s", name, r.Manifest.Marshal())
		}
		d, err := pkgmeta.ParseDeps(r.Deps.Marshal())
		if err != nil || depsText(d) != depsText(r.Deps) {
			t.Errorf("%s: deps round trip: %v, %s", name, err, r.Deps.Marshal())
		}
		var deb struct {
			Package, Version string
			Notes            []string
		}
		if err := m.Extra[0].Value.Decode(&deb); err != nil || m.Extra[0].Key != "debian" || deb.Package != name ||
			!slices.Equal(deb.Notes, r.Notes) {
			t.Errorf("%s: debian: %+v, %v", name, deb, err)
		}
	}
}

// setOf builds a set from short control files: each entry is "name version" plus fields.
func setOf(t *testing.T, pkgs ...string) (*Set, map[string]Control) {
	t.Helper()
	ctrls := map[string]Control{}
	var all []Control
	for _, p := range pkgs {
		c, err := ParseControl([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		name, _ := c.Package()
		ctrls[name] = c
		all = append(all, c)
	}
	s, err := NewSet(all)
	if err != nil {
		t.Fatal(err)
	}
	return s, ctrls
}

func TestMapRules(t *testing.T) {
	s, ctrls := setOf(t,
		"Package: app\nVersion: 1:2.0-3\nDepends: nothere | mta, libx (>= 1.0), libx (<< 3), app (>= 1), liby (>= 9)\n"+
			"Pre-Depends: awk:any (>= 1.2), zz | libx\nConflicts: libold, libx (<< 1.5-1)\nBreaks: liby (>= 2.0~), app\nReplaces: liby\n",
		"Package: libx\nVersion: 1.5-2\n",
		"Package: liby\nVersion: 2.0a-1\n",
		"Package: mawk\nVersion: 1.3.4\nProvides: awk, mta\n",
		"Package: odd\nVersion: 1..5\nDepends: libx (>= 1.5-2)\n",
		"Package: wide\nVersion: 1\nDepends: odd (>= 1.0.9)\n",
	)
	r, err := s.Map(ctrls["app"])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := depsText(r.Deps), "awk libx>=1.0.0,<=3.0.0 mta"; got != want {
		t.Errorf("deps %q, want %q", got, want)
	}
	for _, n := range []string{
		"Pre-Depends: awk:any (>= 1.2): awk is a virtual package here (provided by mawk), so any version",
		"Depends: app (>= 1): a dependency on itself, dropped",
		"Depends: liby (>= 9): dropped, the set's liby 2.0a-1 does not satisfy it",
		"Conflicts: libx (<< 1.5-1): dropped, the set's libx 1.5-2 is not hit",
		"Conflicts: libold: dropped, not in the set",
		"Breaks: app: on itself, dropped",
		"Replaces: liby: dropped",
	} {
		if !slices.ContainsFunc(r.Notes, func(s string) bool { return strings.HasPrefix(s, n) }) {
			t.Errorf("no note %q in\n%s", n, strings.Join(r.Notes, "\n"))
		}
	}
	if len(r.Manifest.Conflicts) != 1 || r.Manifest.Conflicts[0].String() != "liby=2.0.0" {
		t.Errorf("conflicts %v; want liby=2.0.0 (Breaks hits the set's liby)", r.Manifest.Conflicts)
	}
	if r.Manifest.Version.String() != "2.0.0" || r.Manifest.Revision != 3 {
		t.Errorf("version %s-%d", r.Manifest.Version, r.Manifest.Revision)
	}
	// odd 1..5 maps to 1.0.0 although dpkg puts it above 1.0.9: the bound is widened, not kept.
	w, err := s.Map(ctrls["wide"])
	if err != nil {
		t.Fatal(err)
	}
	if depsText(w.Deps) != "odd" || !strings.Contains(strings.Join(w.Notes, ""), "kept with any version") {
		t.Errorf("wide: %s %q", depsText(w.Deps), w.Notes)
	}
}

func TestNewSetErrors(t *testing.T) {
	for _, tc := range []struct {
		pkgs []string
		err  string
	}{
		{[]string{"Package: aa\nVersion: 1\n", "Package: aa\nVersion: 2\n"}, "aa appears twice in the set (1 and 2)"},
		{[]string{"Version: 1\n"}, "Package: missing field"},
		{[]string{"Package: aa\n"}, "aa: Version: missing field"},
		{[]string{"Package: aa\nVersion: 1\nProvides: x y\n"}, "aa: Provides: "},
	} {
		var all []Control
		for _, p := range tc.pkgs {
			c, err := ParseControl([]byte(p))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, c)
		}
		if _, err := NewSet(all); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("NewSet(%q): %v; want %q", tc.pkgs, err, tc.err)
		}
	}
}

func TestMapErrors(t *testing.T) {
	s, _ := setOf(t, "Package: aa\nVersion: 1\n")
	for _, tc := range []struct{ ctrl, err string }{
		{"Package: bb\nVersion: 1\nDepends: aa (>= \n", "bb: Depends: relation"},
		{"Package: bb\nVersion: 99999999999.1\n", "too large"},
		{"Package: bb\nVersion: 1\nConflicts: aa (>= 1) | \n", "bb: Conflicts: "},
		{"Package: bb\nVersion: 1\nReplaces: ,x\n", "bb: Replaces: "},
		{"Package: bb\nVersion: 1\nProvides: (\n", "bb: Provides: "},
		{"Package: bb\n", "bb: Version: missing field"},
	} {
		c, err := ParseControl([]byte(tc.ctrl))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Map(c); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Map(%q): %v; want %q", tc.ctrl, err, tc.err)
		}
	}
}
