package pkgmeta

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The fuzz targets check that no input makes a parser panic, and that whatever parses is written
// so that it reads back as the same value and writes again as the same bytes. Seeds live in
// testdata/fuzz/<target>/ (upstream's examples, quoting variants, broken files); go test runs
// them as regression tests.

func FuzzParseManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRoundTrip(t, b, ParseManifest, Manifest.Marshal, Manifest.Equal)
	})
}

func FuzzParseDeps(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRoundTrip(t, b, ParseDeps, Deps.Marshal, func(a, b Deps) bool { return diff(a, b) == "" })
	})
}

func FuzzParseProvenance(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRoundTrip(t, b, ParseProvenance, Provenance.Marshal, func(a, b Provenance) bool { return diff(a, b) == "" })
	})
}

func FuzzParseProfile(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRoundTrip(t, b, ParseProfile, Profile.Marshal, func(a, b Profile) bool { return diff(a, b) == "" })
	})
}

func FuzzParseLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzRoundTrip(t, b, ParseLock, Lock.Marshal, func(a, b Lock) bool { return diff(a, b) == "" })
	})
}

func fuzzRoundTrip[T any](t *testing.T, b []byte, parse func([]byte) (T, error), marshal func(T) []byte, equal func(a, b T) bool) {
	x, err := parse(b)
	if err != nil {
		asError(t, err)
		return
	}
	out := marshal(x)
	y, err := parse(out)
	if err != nil {
		t.Fatalf("input parsed, but its written form does not: %v\ninput:\n%q\nwritten:\n%s", err, b, out)
	}
	if !equal(x, y) {
		t.Fatalf("written form reads back differently (-first +second):\n%s\ninput:\n%q\nwritten:\n%s", diff(x, y), b, out)
	}
	if again := marshal(y); !bytes.Equal(again, out) {
		t.Fatalf("writing is not stable:\n%s\nvs\n%s", out, again)
	}
}

// The Marshal fuzz targets go the other way: everything a writer writes, from values the fuzzer
// makes up (keys long, short, hostile; values of every kind), reads back equal and writes again
// as the same bytes. Invalid UTF-8, which YAML cannot carry, is left out.

func FuzzMarshalProvenance(f *testing.F) {
	f.Add("host", "CC", "clang", "-O2", 1)
	f.Add("h", strings.Repeat("k", 1100), "v", "", 1)
	f.Add("h", "builder", "x", "- a", 30)
	f.Add("h", "a:b", "name: evil", "#", 2)
	f.Fuzz(func(t *testing.T, builder, key, value, flag string, repeat int) {
		if !allValid(builder, key, value, flag) {
			t.Skip()
		}
		long := strings.Repeat(key, 1+int(uint(repeat)%64))
		p := Provenance{Builder: builder, BuildFlags: []string{flag}, Environment: map[string]string{key: value, long: value + flag}}
		want := p
		checkRoundTrip(t, 0, p.Marshal(), want, ParseProvenance, Provenance.Marshal)
	})
}

func FuzzMarshalManifest(f *testing.F) {
	f.Add("services", "name", "x", 1)
	f.Add("name:evil", "description", "evil", 1)
	f.Add("kernel", "kmod", "true", 2)
	f.Add("k", strings.Repeat("n", 1100), "v", 1)
	f.Fuzz(func(t *testing.T, key, nested, value string, repeat int) {
		if !allValid(key, nested, value) || slices.Contains(manifestKeyList, key) {
			t.Skip()
		}
		str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
		long := strings.Repeat(nested, 1+int(uint(repeat)%64))
		inner := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{str(nested), str(value)}}
		if long != nested {
			inner.Content = append(inner.Content, str(long), &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{str(value), str(long)}})
		}
		m := Manifest{Name: "x", Version: mustV("1.0.0"), Description: value, Extra: []Field{{Key: key, Value: normalize(inner)}}}
		want := m
		want.FormatVersion = "1.0"
		b := m.Marshal()
		got, err := ParseManifest(b)
		if err != nil {
			t.Fatalf("written manifest does not parse: %v\n%s", err, b)
		}
		if !got.Equal(want) {
			t.Fatalf("reads back differently (-want +got):\n%s\nwritten:\n%s", diff(want, got), b)
		}
		if again := got.Marshal(); !bytes.Equal(again, b) {
			t.Fatalf("writing what was read gives different bytes:\n%s\nvs\n%s", again, b)
		}
	})
}

func allValid(ss ...string) bool {
	return !slices.ContainsFunc(ss, func(s string) bool { return !utf8.ValidString(s) })
}
