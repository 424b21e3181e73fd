package pkgmeta

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Property: for every value x, Parse(x.Marshal()) equals x (after the writer's documented
// defaults and sorting), and writing the result again gives the same bytes.

// fragments are pieces random strings are made of: YAML indicators, things that look like other
// types, separators, escapes and Unicode that needs care.
var fragments = []string{
	"", "a", "Z", "bash", " ", "  ", ":", ": ", "#", " #", "-", "- ", "--- ", "...", "?", "!", "&",
	"*", "|", ">", "%", "@", "`", "'", `"`, `\`, "[", "]", "{", "}", ",", "=", "~", "^", "<", "/",
	"\n", "\r", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029",
	"\ufeff", "\ufffe", "\uffff", "é", "日本", "😀", "\U0010FFFF", "yes", "No", "null", "~",
	"true", "1", "1.0", "0x1F", "1e3", "1_000", "2024-01-02", "1:20", ".inf", "key: value",
	"https://x.org/a?b#c", "sha256:ab", "-O2", "<<",
}

func randString(r *rand.Rand) string {
	var b bytes.Buffer
	if r.IntN(40) == 0 {
		// Long enough for the limits on keys: yaml.v3 writes keys over 128 characters in
		// explicit form, and YAML forbids implicit keys over 1024.
		for n := 100 + r.IntN(1100); b.Len() < n; {
			b.WriteString(fragments[r.IntN(len(fragments))])
		}
		return b.String()
	}
	for range r.IntN(5) {
		b.WriteString(fragments[r.IntN(len(fragments))])
	}
	return b.String()
}

// trickyNames are valid names that look like other YAML types.
var trickyNames = []string{"true", "null", "yes", "1.0", "123", "0x1F", "1e3", "_", "x-", "a-b", "Y", "2024-01-02"}

func randName(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return trickyNames[r.IntN(len(trickyNames))]
	}
	const chars = "abcXYZ019._-"
	for {
		n := make([]byte, 1+r.IntN(8))
		for i := range n {
			n[i] = chars[r.IntN(len(chars))]
		}
		if axiomname.Check(string(n)) == nil {
			return string(n)
		}
	}
}

// trickyPackageNames are valid package names with '+', which only package names may contain,
// some of which a YAML reader would take for numbers if they were written plain.
var trickyPackageNames = []string{"libstdc++6", "g++-12", "dvd+rw-tools", "+", "+1", "+.5", "1+1", "c++", "+inf"}

// randPackageName returns a valid package name, with '+' now and then.
func randPackageName(r *rand.Rand) string {
	if r.IntN(6) == 0 {
		return trickyPackageNames[r.IntN(len(trickyPackageNames))]
	}
	n := []byte(randName(r))
	if r.IntN(3) == 0 {
		n[r.IntN(len(n))] = '+'
	}
	if axiomname.CheckPackage(string(n)) != nil {
		return randName(r)
	}
	return string(n)
}

// randNames returns n package names.
func randNames(r *rand.Rand, n int, unique bool) []string {
	var out []string
	seen := map[string]bool{}
	for len(out) < n {
		s := randPackageName(r)
		if unique && seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func randU32(r *rand.Rand) uint32 {
	if r.IntN(3) == 0 {
		return r.Uint32()
	}
	return uint32(r.IntN(20))
}

func randVersion(r *rand.Rand) version.Version {
	return version.Version{Major: randU32(r), Minor: randU32(r), Patch: randU32(r)}
}

func randConstraint(r *rand.Rand) version.Constraint {
	vs := randVersion(r).String()
	var s string
	switch r.IntN(8) {
	case 0:
		s = "*"
	case 1:
		s = vs
	case 2:
		s = "~" + vs
	case 3:
		s = "^" + vs
	case 4:
		s = ">=" + vs
	case 5:
		s = "<" + vs
	case 6:
		s = ">" + vs + ",<=" + randVersion(r).String()
	default:
		s = ">=" + vs + ",<" + randVersion(r).String()
	}
	return version.MustParseConstraint(s)
}

func randStrings(r *rand.Rand) []string {
	n := r.IntN(4)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = randString(r)
	}
	return out
}

func randRelations(r *rand.Rand) []Relation {
	var out []Relation
	for _, n := range randNames(r, r.IntN(4), false) {
		out = append(out, Relation{Name: n, Constraint: randConstraint(r)})
	}
	return out
}

// randNode builds an arbitrary YAML value for Manifest.Extra.
func randNode(r *rand.Rand, depth int) *yaml.Node {
	k := r.IntN(8)
	if depth > 2 {
		k = r.IntN(5)
	}
	switch k {
	case 0, 1:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: randString(r)}
	case 2:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(r.IntN(2000) - 1000)}
	case 3:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(r.IntN(2) == 0)}
	case 4:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case 5:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: "1.5"}
	case 6:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for range r.IntN(4) {
			n.Content = append(n.Content, randNode(r, depth+1))
		}
		return n
	default:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		seen := map[string]bool{}
		for range r.IntN(4) {
			key := randString(r)
			if seen[key] {
				continue
			}
			seen[key] = true
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, randNode(r, depth+1))
		}
		return n
	}
}

func randManifest(r *rand.Rand) Manifest {
	m := Manifest{
		Name: randPackageName(r), Version: randVersion(r), Revision: randU32(r),
		Description: randString(r), License: randString(r), Homepage: randString(r),
		Maintainer: randString(r), Origin: randString(r),
		Tags: randStrings(r), Provides: randNames(r, r.IntN(3), false),
		Conflicts: randRelations(r), Replaces: randRelations(r),
	}
	if r.IntN(2) == 0 {
		m.FormatVersion = "1.0"
	}
	seen := map[string]bool{}
	for _, k := range manifestKeyList {
		seen[k] = true
	}
	for range r.IntN(4) {
		key := randString(r)
		if seen[key] {
			continue
		}
		seen[key] = true
		m.Extra = append(m.Extra, Field{Key: key, Value: normalize(randNode(r, 0))})
	}
	return m
}

// manifestKeyList are the keys Manifest interprets; Extra cannot hold them.
var manifestKeyList = []string{
	"format_version", "name", "version", "revision", "description", "license", "homepage",
	"maintainer", "origin", "tags", "provides", "conflicts", "replaces",
}

func TestRoundTripManifest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		m := randManifest(r)
		want := m
		if want.FormatVersion == "" {
			want.FormatVersion = "1.0"
		}
		want.Extra = slices.Clone(m.Extra)
		slices.SortStableFunc(want.Extra, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
		checkRoundTrip(t, i, m.Marshal(), want, ParseManifest, Manifest.Marshal)
		if got, err := ParseManifest(m.Marshal()); err == nil && !got.Equal(want) {
			t.Fatalf("case %d: Manifest.Equal is false for a round trip", i)
		}
	}
}

func TestRoundTripDeps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		var d Deps
		for _, n := range randNames(r, r.IntN(5), false) {
			d.Dependencies = append(d.Dependencies, Dependency{Name: n, Constraint: randConstraint(r)})
		}
		want := Deps{Dependencies: slices.Clone(d.Dependencies)}
		sortDeps(want.Dependencies)
		checkRoundTrip(t, i, d.Marshal(), want, ParseDeps, Deps.Marshal)
	}
}

func TestRoundTripProvenance(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 3000 {
		p := Provenance{
			BuildTime: r.Int64() - r.Int64(), Builder: randString(r), BuildUser: randString(r),
			SourceURL: randString(r), SourceHash: randString(r), Compiler: randString(r),
			CompilerVersion: randString(r), BuildFlags: randStrings(r),
		}
		if n := r.IntN(4); n > 0 {
			p.Environment = map[string]string{}
			for range n {
				p.Environment[randString(r)] = randString(r)
			}
		}
		want := p
		want.Environment = maps.Clone(p.Environment)
		checkRoundTrip(t, i, p.Marshal(), want, ParseProvenance, Provenance.Marshal)
	}
}

func TestRoundTripProfile(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 3000 {
		p := Profile{Name: randName(r), Description: randString(r)}
		if r.IntN(2) == 0 {
			p.FormatVersion = "1.0"
		}
		for _, n := range randNames(r, r.IntN(5), true) {
			p.Packages = append(p.Packages, Request{Name: n, Constraint: randConstraint(r)})
		}
		want := p
		want.FormatVersion = "1.0"
		want.Packages = slices.Clone(p.Packages)
		sortRequests(want.Packages)
		checkRoundTrip(t, i, p.Marshal(), want, ParseProfile, Profile.Marshal)
	}
}

func TestRoundTripLock(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 3000 {
		l := Lock{ProfileName: randName(r)}
		if r.IntN(2) == 0 {
			l.FormatVersion, l.LockVersion = "1.0", 1
		}
		if r.IntN(2) == 0 {
			l.ProfileDigest = Profile{Name: randName(r)}.Digest()
		}
		for _, n := range randNames(r, r.IntN(5), true) {
			l.Resolved = append(l.Resolved, LockEntry{
				Name: n, Version: randVersion(r), Revision: randU32(r), BuildID: randName(r), Requested: r.IntN(2) == 0,
			})
		}
		want := l
		want.FormatVersion, want.LockVersion = "1.0", 1
		want.Resolved = slices.Clone(l.Resolved)
		sortLock(want.Resolved)
		checkRoundTrip(t, i, l.Marshal(), want, ParseLock, Lock.Marshal)
	}
}

// checkRoundTrip parses written bytes, compares with want, and checks that writing the result
// gives the same bytes again.
func checkRoundTrip[T any](t *testing.T, i int, written []byte, want T, parse func([]byte) (T, error), marshal func(T) []byte) {
	t.Helper()
	got, err := parse(written)
	if err != nil {
		t.Fatalf("case %d: reading the written file: %v\n%s", i, err, written)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("case %d: round trip (-want +got):\n%s\nwritten:\n%s", i, d, written)
	}
	if again := marshal(got); !bytes.Equal(again, written) {
		t.Fatalf("case %d: writing what was read gives different bytes:\n%s\nvs\n%s", i, again, written)
	}
}
