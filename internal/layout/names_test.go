package layout

import (
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// A snapshot made of a dataset and a short name gives both back.
func TestSnapshotNames(t *testing.T) {
	l := Layout{Root: "tank/axiom"}
	vim := PackageID{Name: "vim", Version: version.MustParse("9.0.2"), Revision: 1, BuildID: "b42f989d"}
	for _, tc := range []struct {
		snap  Snapshot
		want  string
		ds    Dataset
		short string
	}{
		{l.Installed(vim), "tank/axiom/store/pkg/vim/9.0.2/1/b42f989d@installed", "tank/axiom/store/pkg/vim/9.0.2/1/b42f989d", SnapInstalled},
		{l.Generation("e", 1).Snapshot(SnapRealized), "tank/axiom/env/e/gen-1@realized", "tank/axiom/env/e/gen-1", SnapRealized},
		{l.Generation("e", 3).Snapshot(PrunedSnapshot(2)), "tank/axiom/env/e/gen-3@pruned-2", "tank/axiom/env/e/gen-3", "pruned-2"},
		{l.Temp("pkg-x", "0123abcd").Snapshot(SnapInstalled), "tank/axiom/tmp/pkg-x-0123abcd@installed", "tank/axiom/tmp/pkg-x-0123abcd", SnapInstalled},
		// Not a snapshot's name: its dataset is itself, with no short name.
		{Snapshot("tank/axiom/env/e"), "tank/axiom/env/e", "tank/axiom/env/e", ""},
	} {
		if string(tc.snap) != tc.want {
			t.Errorf("snapshot = %q, want %q", tc.snap, tc.want)
		}
		if got := tc.snap.Dataset(); got != tc.ds {
			t.Errorf("%q.Dataset() = %q, want %q", tc.snap, got, tc.ds)
		}
		if got := tc.snap.Short(); got != tc.short {
			t.Errorf("%q.Short() = %q, want %q", tc.snap, got, tc.short)
		}
	}
}

func TestParseSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"tank/axiom/env/e/gen-1@realized", true},
		{"p@s", true},
		{"tank/axiom/env/e/gen-1", false},
		{"", false},
		// Not names ZFS accepts, but not datasets' either: never destroyed as a dataset would be.
		{"tank/axiom/env/e/gen-1@", true},
		{"@realized", true},
		{"a@b@c", true},
	} {
		s, ok := ParseSnapshot(tc.name)
		if ok != tc.ok || ok && string(s) != tc.name {
			t.Errorf("ParseSnapshot(%q) = %q, %v; want ok=%v", tc.name, s, ok, tc.ok)
		}
	}
}

func TestDatasetParentBase(t *testing.T) {
	for _, tc := range []struct {
		ds     Dataset
		parent Dataset
		base   string
	}{
		{"tank/axiom/env/dev/gen-3", "tank/axiom/env/dev", "gen-3"},
		{"tank/axiom", "tank", "axiom"},
		{"tank", ".", "tank"},
	} {
		if got := tc.ds.Parent(); got != tc.parent {
			t.Errorf("%q.Parent() = %q, want %q", tc.ds, got, tc.parent)
		}
		if got := tc.ds.Base(); got != tc.base {
			t.Errorf("%q.Base() = %q, want %q", tc.ds, got, tc.base)
		}
	}
}

func TestUnder(t *testing.T) {
	for _, tc := range []struct {
		ds, parent Dataset
		want       bool
	}{
		{"tank/axiom/env/dev", "tank/axiom/env", true},
		{"tank/axiom/env", "tank/axiom/env", true},
		{"tank/axiom/envx", "tank/axiom/env", false},
		{"tank/axiom", "tank/axiom/env", false},
	} {
		if got := Under(tc.ds, tc.parent); got != tc.want {
			t.Errorf("Under(%q, %q) = %v, want %v", tc.ds, tc.parent, got, tc.want)
		}
	}
	if !Under("/axiom/env/dev/current", "/axiom") || Under("/axiomx", "/axiom") {
		t.Error("Under on paths")
	}
}

func TestStrings(t *testing.T) {
	snaps := []Snapshot{"a@x", "b@y"}
	if got := Strings(snaps); !slices.Equal(got, []string{"a@x", "b@y"}) {
		t.Errorf("Strings = %q", got)
	}
	if got := Strings([]Tag(nil)); got == nil || len(got) != 0 {
		t.Errorf("Strings(nil) = %#v, want an empty slice", got)
	}
}

// A name ParseSnapshot accepts is the snapshot its dataset and short name make again, and a
// dataset without '@' makes, with any short name, a snapshot that parses back into both.
func FuzzSnapshotNames(f *testing.F) {
	for _, s := range []string{"tank/a@installed", "tank/a", "@x", "a@", "a@b@c", ""} {
		f.Add(s, "realized")
	}
	f.Fuzz(func(t *testing.T, name, short string) {
		if s, ok := ParseSnapshot(name); ok {
			if again := s.Dataset().Snapshot(s.Short()); again != s {
				t.Fatalf("ParseSnapshot(%q): its parts make %q", name, again)
			}
		}
		if strings.Contains(name, "@") {
			return
		}
		ds := Dataset(name)
		s := ds.Snapshot(short)
		if _, ok := ParseSnapshot(string(s)); !ok || s.Dataset() != ds || s.Short() != short {
			t.Fatalf("%q.Snapshot(%q) = %q, which splits into %q, %q", ds, short, s, s.Dataset(), s.Short())
		}
	})
}
