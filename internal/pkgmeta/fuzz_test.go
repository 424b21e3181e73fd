package pkgmeta

import (
	"bytes"
	"testing"
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
