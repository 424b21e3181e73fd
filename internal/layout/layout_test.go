package layout

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

func TestNames(t *testing.T) {
	l := Layout{Root: "zroot/axiom", Mountpoint: "/axiom"}
	id := PackageID{Name: "bash", Version: version.MustParse("5.2.21"), Revision: 1, BuildID: "3f2a9c1b0d4e5f60718293a4"}
	plus := PackageID{Name: "libstdc++6", Version: version.MustParse("12.2.0"), Revision: 1, BuildID: "3f2a9c1b0d4e5f60718293a4"}
	for got, want := range map[string]string{
		string(l.Package(id)):          "zroot/axiom/store/pkg/bash/5.2.21/1/3f2a9c1b0d4e5f60718293a4",
		string(l.Installed(id)):        "zroot/axiom/store/pkg/bash/5.2.21/1/3f2a9c1b0d4e5f60718293a4@installed",
		string(l.Profile("dev")):       "zroot/axiom/profiles/dev",
		string(l.Env("dev")):           "zroot/axiom/env/dev",
		string(l.Generation("dev", 3)): "zroot/axiom/env/dev/gen-3",
		string(l.Store()):              "zroot/axiom/store",
		string(l.PkgRoot()):            "zroot/axiom/store/pkg",
		string(l.Profiles()):           "zroot/axiom/profiles",
		string(l.Envs()):               "zroot/axiom/env",
		string(l.Tmp()):                "zroot/axiom/tmp",
		l.Path(l.Generation("dev", 3)): "/axiom/env/dev/gen-3",
		l.Path(l.Root):                 "/axiom",
		string(HoldTag("dev", 3)):      "axiom-env:dev:3",
		id.String():                    "bash 5.2.21-1 (3f2a9c1b)",
		string(l.Package(plus)):        "zroot/axiom/store/pkg/libstdc::6/12.2.0/1/3f2a9c1b0d4e5f60718293a4",
		plus.Path():                    "libstdc++6/12.2.0/1/3f2a9c1b0d4e5f60718293a4",
		plus.String():                  "libstdc++6 12.2.0-1 (3f2a9c1b)",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if got := l.Containers(); !slices.Equal(got, []Dataset{l.Root, l.Store(), l.PkgRoot(), l.Profiles(), l.Envs(), l.Tmp()}) {
		t.Errorf("Containers = %q, want the root, then store, store/pkg, profiles, env, tmp", got)
	}
}

func TestParse(t *testing.T) {
	for in, ok := range map[string]bool{"gen-1": true, "gen-42": true, "gen-0": false, "gen-01": false, "gen-": false, "gen-x": false, "current": false, "gen-+1": false, "gen--1": false, "gen- 1": false, "gen-1 ": false} {
		if _, got := ParseGeneration(in); got != ok {
			t.Errorf("ParseGeneration(%q) ok = %v", in, got)
		}
	}
	for _, tc := range []struct {
		in             string
		pathOK, dataOK bool // ParsePackagePath, ParsePackageDataset
		name           string
	}{
		{"bash/5.2.21/1/abc", true, true, "bash"},
		{"bash/5.2/1/abc", false, false, ""},
		{"bash/5.2.21/01/abc", false, false, ""},
		{"bash/5.2.21/1", false, false, ""},
		{"bash/5.2.21/1/abc/x", false, false, ""},
		{"bash/5.2.21/1/", false, false, ""},
		{"/5.2.21/1/abc", false, false, ""},
		{"libstdc++6/12.2.0/1/abc", true, false, "libstdc++6"}, // a real name, never a dataset's
		{"libstdc::6/12.2.0/1/abc", false, true, "libstdc++6"}, // a dataset's, never a real name
		{"g::-12/12.2.0/1/abc", false, true, "g++-12"},
		{"a:+b/1.0.0/1/abc", false, false, ""}, // '+' in a component: no name maps to it
		{"zfs/1.0.0/1/abc", false, false, ""},  // names that fail CheckPackage
		{".x/1.0.0/1/abc", false, false, ""},
		{"-x/1.0.0/1/abc", false, false, ""},
		{"a b/1.0.0/1/abc", false, false, ""},
	} {
		if id, ok := ParsePackagePath(tc.in); ok != tc.pathOK || ok && (id.Name != tc.name || id.Path() != tc.in) {
			t.Errorf("ParsePackagePath(%q) = %+v, %v; want ok=%v name %q", tc.in, id, ok, tc.pathOK, tc.name)
		}
		if id, ok := ParsePackageDataset(tc.in); ok != tc.dataOK || ok && (id.Name != tc.name || id.DatasetPath() != tc.in) {
			t.Errorf("ParsePackageDataset(%q) = %+v, %v; want ok=%v name %q", tc.in, id, ok, tc.dataOK, tc.name)
		}
	}
}

func TestPackageAt(t *testing.T) {
	l := Layout{Root: "zroot/axiom"}
	id := PackageID{Name: "g++-12", Version: version.MustParse("12.2.0"), Revision: 14, BuildID: "3f2a9c1b0d4e5f60718293a4"}
	if got, ok := l.PackageAt(l.Package(id)); !ok || got != id {
		t.Errorf("PackageAt(%q) = %+v, %v; want %+v", l.Package(id), got, ok, id)
	}
	for _, ds := range []Dataset{
		"zroot/axiom/store/pkg/g++-12/12.2.0/14/x", // not a dataset name: '+' is never in one
		"zroot/axiom/store/pkg/g::-12/12.2.0/14",
		"zroot/axiom/store/pkgx/g::-12/12.2.0/14/x",
		"zroot/other/store/pkg/g::-12/12.2.0/14/x",
		"zroot/axiom/env/g::-12/12.2.0/14/x",
	} {
		if got, ok := l.PackageAt(ds); ok {
			t.Errorf("PackageAt(%q) = %+v, want no package", ds, got)
		}
	}
}

func TestPackageComponent(t *testing.T) {
	for name, want := range map[string]string{"bash": "bash", "libstdc++6": "libstdc::6", "g++-12": "g::-12", "dvd+rw-tools": "dvd:rw-tools", "+": ":"} {
		c := PackageComponent(name)
		if c != want {
			t.Errorf("PackageComponent(%q) = %q, want %q", name, c, want)
		}
		if back, ok := PackageName(c); !ok || back != name {
			t.Errorf("PackageName(%q) = %q, %v; want %q", c, back, ok, name)
		}
	}
	for _, c := range []string{"", "a+b", "a:+", "zfs", "snapshot", ".x", "-x", "a/b", "a b", "é"} {
		if name, ok := PackageName(c); ok {
			t.Errorf("PackageName(%q) = %q, want no name", c, name)
		}
	}
}

func TestTempNames(t *testing.T) {
	l := Layout{Root: "zroot/axiom"}
	for got, want := range map[Dataset]Dataset{
		l.Temp(TempPackagePrefix("3f2a9c1b0d4e5f60718293a4"), "0123abcd"): "zroot/axiom/tmp/pkg-3f2a9c1b0d4e5f60718293a4-0123abcd",
		l.Temp(TempGenerationPrefix("dev", 12), "0123abcd"):               "zroot/axiom/tmp/gen-dev-12-0123abcd",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if TempRandLen%2 != 0 {
		t.Errorf("TempRandLen = %d: random parts are hex-encoded bytes, so it must be even", TempRandLen)
	}
}

func TestDerivedNames(t *testing.T) {
	l := Layout{Root: "zroot/axiom"}
	id := PackageID{Name: "bash", Version: version.MustParse("5.2.21"), Revision: 1, BuildID: "3f2a9c1b0d4e5f60718293a4"}
	for _, tc := range []struct {
		got, want []string
	}{
		{l.ProfileNames("dev"), []string{"zroot/axiom/profiles/dev"}},
		{l.EnvNames("dev", 7), []string{
			"zroot/axiom/env/dev",
			"zroot/axiom/env/dev/gen-7",
			"zroot/axiom/env/dev/gen-7@realized",
			"zroot/axiom/tmp/gen-dev-7-XXXXXXXX",
			"zroot/axiom/tmp/gen-dev-7-XXXXXXXX@realized",
			"zroot/axiom/env/dev/gen-7@pruned-7",
		}},
		{l.PackageNames(id), []string{
			"zroot/axiom/store/pkg/bash/5.2.21/1/3f2a9c1b0d4e5f60718293a4",
			"zroot/axiom/store/pkg/bash/5.2.21/1/3f2a9c1b0d4e5f60718293a4@installed",
			"zroot/axiom/tmp/pkg-3f2a9c1b0d4e5f60718293a4-XXXXXXXX",
			"zroot/axiom/tmp/pkg-3f2a9c1b0d4e5f60718293a4-XXXXXXXX@installed",
		}},
		{l.PackageNames(MaxPackageID("x"))[:1], []string{
			"zroot/axiom/store/pkg/x/4294967295.4294967295.4294967295/4294967295/ffffffffffffffffffffffff",
		}},
		{l.PackageNames(MaxPackageID("g++"))[:2], []string{
			"zroot/axiom/store/pkg/g::/4294967295.4294967295.4294967295/4294967295/ffffffffffffffffffffffff",
			"zroot/axiom/store/pkg/g::/4294967295.4294967295.4294967295/4294967295/ffffffffffffffffffffffff@installed",
		}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
	if n := len(strconv.Itoa(MaxGeneration)); n != 10 {
		t.Errorf("MaxGeneration has %d digits, want 10", n)
	}
}

func TestCheckNames(t *testing.T) {
	ok := strings.Repeat("a", MaxNameLen)
	long := strings.Repeat("b", MaxNameLen+1)
	longer := strings.Repeat("c", MaxNameLen+2)
	if err := CheckNames([]string{"x", ok}); err != nil {
		t.Errorf("CheckNames of names at the limit: %v", err)
	}
	if err := CheckNames([]string(nil)); err != nil {
		t.Errorf("CheckNames(nil) = %v", err)
	}
	err := CheckNames([]string{"x", long, longer, ok, strings.Repeat("d", MaxNameLen+2)})
	var e *NameTooLongError
	if !errors.As(err, &e) || e.Name != longer || e.Index != 2 {
		t.Fatalf("CheckNames = %#v, want the first longest name, at index 2", err)
	}
	if want := "dataset name " + longer + " is 257 bytes long; ZFS allows at most 255"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

// TestNameLengthsCoverEverything: whenever an environment's names fit, so does its hold tag (a
// hold tag is limited like a name), and the generation names are longest at MaxGeneration.
func TestNameLengthsCoverEverything(t *testing.T) {
	for _, root := range []Dataset{"p", "zroot/axiom", Dataset(strings.Repeat("r", 200))} {
		l := Layout{Root: root}
		for n := 1; n <= MaxNameLen; n++ {
			env := strings.Repeat("e", n)
			if CheckNames(l.EnvNames(env, MaxGeneration)) != nil {
				continue
			}
			if tag := HoldTag(env, MaxGeneration); len(tag) > MaxNameLen {
				t.Fatalf("root %q, env of %d bytes: names fit but hold tag is %d bytes", root, n, len(tag))
			}
			for _, k := range []int{1, 99, MaxGeneration / 10} {
				if CheckNames(l.EnvNames(env, k)) != nil {
					t.Fatalf("root %q, env of %d bytes: generation %d too long but %d fits", root, n, k, MaxGeneration)
				}
			}
		}
	}
}

func TestPrunedSnapshot(t *testing.T) {
	l := Layout{Root: "zroot/axiom"}
	if s := PrunedSnapshot(12); s != "pruned-12" {
		t.Fatalf("PrunedSnapshot(12) = %q", s)
	}
	for name, want := range map[Snapshot]bool{
		"zroot/axiom/env/dev/gen-3@pruned-2":  true,
		"zroot/axiom/env/dev/gen-3@realized":  false,
		"zroot/axiom/env/dev/gen-3@pruned-02": false,
		"zroot/axiom/env/dev/mine@pruned-2":   false,
		"zroot/axiom/store/x/gen-3@pruned-2":  false,
		"zroot/axiom/env/dev/gen-3":           false,
		"zroot/axiom/env/gen-3@pruned-2":      false,
	} {
		if got := l.IsPrunedSnapshot(name); got != want {
			t.Errorf("IsPrunedSnapshot(%q) = %v, want %v", name, got, want)
		}
	}
}
