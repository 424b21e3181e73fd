package pkgmeta

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.yaml from the writers' output")

// golden is one writer test: the value, its written form in testdata/golden/<name>, and what
// reading that file back must give (the value with the writer's defaults and sorting applied).
type golden struct {
	name    string
	marshal func() []byte
	reread  func([]byte) (any, error)
	want    any
}

func tricky() []string {
	return []string{
		"shell", "1.0", "", " padded ", "key: value", "tab\there", `"quoted"`, "it's", "- dash",
		"#hash", "null", "~", "é", "line\u2028sep", "emoji 😀", "nul\x00", "multi\nline\n",
	}
}

func goldenCases(t *testing.T) []golden {
	upManifest, err := ParseManifest(readFile(t, "testdata/upstream/manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kmod, err := ParseManifest(readFile(t, "testdata/upstream/kmod-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	upDeps, err := ParseDeps(readFile(t, "testdata/upstream/deps.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	upProv, err := ParseProvenance(readFile(t, "testdata/upstream/provenance.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	upProfile, err := ParseProfile(readFile(t, "testdata/upstream/profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	upLock, err := ParseLock(readFile(t, "testdata/upstream/profile.lock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	upLock.ProfileDigest = upProfile.Digest()

	full := Manifest{
		Name:        "tricky",
		Version:     mustV("1.2.3"),
		Revision:    42,
		Description: "Line one\nname: evil\n- injected",
		License:     "MIT # not a comment",
		Homepage:    "https://example.org/a?b=c&d#frag",
		Maintainer:  "José Pérez <jose@example.org>",
		Origin:      "yes",
		Tags:        tricky(),
		Provides:    []string{"sh", "1.0", "true"},
		Conflicts:   []Relation{{Name: "zsh"}, {Name: "csh", Constraint: mustC("5.0.0")}, {Name: "ksh", Constraint: mustC(">=1.0.0,<2.0.0")}},
		Replaces:    []Relation{{Name: "bash-static", Constraint: mustC("^5.0.0")}, {Name: "old", Constraint: mustC("~1.2.0")}},
		Extra: []Field{
			{Key: "services", Value: node(t, "- name: x\n  user: \"yes\"\n  ports: [80, 443]\n")},
			{Key: "kernel", Value: node(t, "{kmod: true, freebsd_version_min: 1400000, idents: [GENERIC]}")},
			{Key: "a key: with colon", Value: node(t, "\"multi\\nline\"")},
			{Key: "empty", Value: node(t, "~")},
		},
	}
	fullWant := full
	fullWant.FormatVersion = "1.0"
	fullWant.Extra = []Field{full.Extra[2], full.Extra[3], full.Extra[1], full.Extra[0]}

	minimal := Manifest{Name: "a", Version: mustV("0.0.0")}
	minimalWant := minimal
	minimalWant.FormatVersion = "1.0"

	deps := Deps{Dependencies: []Dependency{
		{Name: "zlib", Constraint: mustC(">1.2.0,<=1.3.1")},
		{Name: "readline", Constraint: mustC("^8.0.0")},
		{Name: "1.0", Constraint: mustC("1.0.0")},
		{Name: "readline", Constraint: mustC("<9.0.0")},
		{Name: "libc"},
	}}
	depsWant := Deps{Dependencies: []Dependency{
		{Name: "1.0", Constraint: mustC("1.0.0")},
		{Name: "libc"},
		{Name: "readline", Constraint: mustC("<9.0.0")},
		{Name: "readline", Constraint: mustC("^8.0.0")},
		{Name: "zlib", Constraint: mustC(">1.2.0,<=1.3.1")},
	}}

	prov := Provenance{
		BuildTime:   -5,
		Builder:     "host: one",
		BuildFlags:  tricky(),
		Environment: map[string]string{"PATH": "/bin:/usr/bin", "": "empty key", "yes": "no", "X": "a\nb"},
	}

	profile := Profile{
		Name:        "null",
		Description: "Tools: the lot\n# not a comment",
		Packages: []Request{
			{Name: "vim"},
			{Name: "bash", Constraint: mustC("^5.0.0")},
			{Name: "git", Constraint: mustC(">=2.40.0")},
		},
	}
	profileWant := profile
	profileWant.FormatVersion = "1.0"
	profileWant.Packages = []Request{profile.Packages[1], profile.Packages[2], profile.Packages[0]}

	lockOf := func(l Lock) Lock { l.FormatVersion, l.LockVersion = "1.0", 1; return l }
	emptyLock := Lock{ProfileName: "empty"}
	plus := plusNames()

	parseM := func(b []byte) (any, error) { return ParseManifest(b) }
	parseD := func(b []byte) (any, error) { return ParseDeps(b) }
	parsePv := func(b []byte) (any, error) { return ParseProvenance(b) }
	parseP := func(b []byte) (any, error) { return ParseProfile(b) }
	parseL := func(b []byte) (any, error) { return ParseLock(b) }
	return []golden{
		{"manifest-upstream.yaml", upManifest.Marshal, parseM, upManifest},
		{"manifest-kmod.yaml", kmod.Marshal, parseM, kmod},
		{"manifest-tricky.yaml", full.Marshal, parseM, fullWant},
		{"manifest-minimal.yaml", minimal.Marshal, parseM, minimalWant},
		{"deps-upstream.yaml", upDeps.Marshal, parseD, upDeps},
		{"deps-sorted.yaml", deps.Marshal, parseD, depsWant},
		{"deps-empty.yaml", Deps{}.Marshal, parseD, Deps{}},
		{"provenance-upstream.yaml", upProv.Marshal, parsePv, upProv},
		{"provenance-tricky.yaml", prov.Marshal, parsePv, prov},
		{"provenance-zero.yaml", Provenance{}.Marshal, parsePv, Provenance{}},
		{"profile-upstream.yaml", upProfile.Marshal, parseP, upProfile},
		{"profile-tricky.yaml", profile.Marshal, parseP, profileWant},
		{"profile-empty.yaml", Profile{Name: "empty"}.Marshal, parseP, Profile{FormatVersion: "1.0", Name: "empty"}},
		{"lock-upstream.yaml", upLock.Marshal, parseL, upLock},
		{"lock-empty.yaml", emptyLock.Marshal, parseL, lockOf(emptyLock)},
		{"manifest-plus.yaml", plus.manifest.Marshal, parseM, plus.manifestWant},
		{"deps-plus.yaml", plus.deps.Marshal, parseD, plus.deps},
		{"profile-plus.yaml", plus.profile.Marshal, parseP, plus.profileWant},
		{"lock-plus.yaml", plus.lock.Marshal, parseL, lockOf(plus.lock)},
	}
}

// plusFiles are files naming packages with '+' in every place a package name can be, as real
// packages are named (libstdc++6, g++-12, dvd+rw-tools): written plain, read back unchanged.
type plusFiles struct {
	manifest, manifestWant Manifest
	deps                   Deps
	profile, profileWant   Profile
	lock                   Lock
}

func plusNames() plusFiles {
	var f plusFiles
	f.manifest = Manifest{
		Name: "libstdc++6", Version: mustV("12.2.0"), Revision: 14,
		Provides:  []string{"libstdc++", "c++-runtime"},
		Conflicts: []Relation{{Name: "g++-4.1", Constraint: mustC("<4.1.2")}, {Name: "libstdc++6-dbg"}},
		Replaces:  []Relation{{Name: "libstdc++6-12-dbg", Constraint: mustC("12.2.0")}},
	}
	f.manifestWant = f.manifest
	f.manifestWant.FormatVersion = "1.0"
	f.deps = Deps{Dependencies: []Dependency{
		{Name: "gcc-12-base", Constraint: mustC("12.2.0")},
		{Name: "libc6", Constraint: mustC(">=2.36.0")},
		{Name: "libstdc++6", Constraint: mustC(">=12.0.0")},
	}}
	f.profile = Profile{Name: "cxx", Packages: []Request{
		{Name: "g++-12", Constraint: mustC("^12.2.0")}, {Name: "dvd+rw-tools"}, {Name: "libstdc++6"},
	}}
	f.profileWant = f.profile
	f.profileWant.FormatVersion = "1.0"
	f.profileWant.Packages = []Request{f.profile.Packages[1], f.profile.Packages[0], f.profile.Packages[2]}
	f.lock = Lock{ProfileName: "cxx", ProfileDigest: f.profile.Digest(), Resolved: []LockEntry{
		{Name: "dvd+rw-tools", Version: mustV("7.1.0"), Revision: 1, BuildID: "0123456789abcdef01234567", Requested: true},
		{Name: "g++-12", Version: mustV("12.2.0"), Revision: 14, BuildID: "89abcdef0123456789abcdef", Requested: true},
		{Name: "libstdc++6", Version: mustV("12.2.0"), Revision: 14, BuildID: "fedcba9876543210fedcba98", Requested: true},
	}}
	return f
}

func TestGolden(t *testing.T) {
	for _, g := range goldenCases(t) {
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join("testdata", "golden", g.name)
			got := g.marshal()
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readFile(t, path)
			if !bytes.Equal(got, want) {
				t.Errorf("Marshal differs from %s (run go test -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
			}
			if !bytes.Equal(g.marshal(), got) {
				t.Error("Marshal is not deterministic")
			}
			back, err := g.reread(want)
			if err != nil {
				t.Fatalf("reading %s back: %v", path, err)
			}
			if d := diff(g.want, back); d != "" {
				t.Errorf("reading %s back (-want +got):\n%s", path, d)
			}
		})
	}
}

func TestDigests(t *testing.T) {
	p := Profile{Name: "dev", Packages: []Request{{Name: "bash", Constraint: mustC("^5.0.0")}, {Name: "vim"}}}
	d := p.Digest()
	if !digestRE.MatchString(d) {
		t.Fatalf("Profile.Digest() = %q; want sha256:<hex>", d)
	}
	// The digest is of the written form: order-independent, sensitive to every request.
	swapped := p
	swapped.Packages = []Request{p.Packages[1], p.Packages[0]}
	if swapped.Digest() != d {
		t.Error("Profile.Digest depends on the order of Packages")
	}
	changed := p
	changed.Packages = []Request{{Name: "bash", Constraint: mustC("^5.1.0")}, {Name: "vim"}}
	if changed.Digest() == d {
		t.Error("Profile.Digest ignores a changed constraint")
	}
	if (Profile{Name: "dev", FormatVersion: "1.0", Packages: p.Packages}).Digest() != d {
		t.Error("an empty FormatVersion and \"1.0\" digest differently, though both are written as 1.0")
	}

	l := Lock{ProfileName: "dev", ProfileDigest: d, Resolved: []LockEntry{
		{Name: "vim", Version: mustV("9.0.0"), Revision: 1, BuildID: "a"},
		{Name: "bash", Version: mustV("5.2.0"), Revision: 1, BuildID: "b", Requested: true},
	}}
	ld := l.Digest()
	if !digestRE.MatchString(ld) {
		t.Fatalf("Lock.Digest() = %q", ld)
	}
	reordered := l
	reordered.Resolved = []LockEntry{l.Resolved[1], l.Resolved[0]}
	if reordered.Digest() != ld {
		t.Error("Lock.Digest depends on entry order")
	}
	rebuilt := l
	rebuilt.Resolved = []LockEntry{l.Resolved[0], l.Resolved[1]}
	rebuilt.Resolved[0].BuildID = "c"
	if rebuilt.Digest() == ld {
		t.Error("Lock.Digest ignores a changed build_id")
	}
	parsed, err := ParseLock(l.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if parsed.ProfileDigest != d || parsed.Digest() != ld {
		t.Errorf("lock read back: profile_digest %q, digest %q; want %q, %q", parsed.ProfileDigest, parsed.Digest(), d, ld)
	}
}
