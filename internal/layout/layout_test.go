package layout

import (
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

func TestNames(t *testing.T) {
	l := Layout{Root: "zroot/axiom", Mountpoint: "/axiom"}
	id := PackageID{Name: "bash", Version: version.MustParse("5.2.21"), Revision: 1, BuildID: "3f2a9c1b0d4e5f60718293a4"}
	for got, want := range map[string]string{
		l.Package(id):                  "zroot/axiom/store/pkg/bash/5.2.21/1/3f2a9c1b0d4e5f60718293a4",
		l.Profile("dev"):               "zroot/axiom/profiles/dev",
		l.Generation("dev", 3):         "zroot/axiom/env/dev/gen-3",
		l.Path(l.Generation("dev", 3)): "/axiom/env/dev/gen-3",
		l.Path(l.Root):                 "/axiom",
		HoldTag("dev", 3):              "axiom-env:dev:3",
		id.String():                    "bash 5.2.21-1 (3f2a9c1b)",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for in, ok := range map[string]bool{"gen-1": true, "gen-42": true, "gen-0": false, "gen-01": false, "gen-": false, "gen-x": false, "current": false} {
		if _, got := ParseGeneration(in); got != ok {
			t.Errorf("ParseGeneration(%q) ok = %v", in, got)
		}
	}
	for in, ok := range map[string]bool{"bash/5.2.21/1/abc": true, "bash/5.2/1/abc": false, "bash/5.2.21/01/abc": false, "bash/5.2.21/1": false, "bash/5.2.21/1/abc/x": false} {
		id, got := ParsePackagePath(in)
		if got != ok {
			t.Errorf("ParsePackagePath(%q) ok = %v", in, got)
		}
		if ok && id.Path() != in {
			t.Errorf("round trip %q -> %q", in, id.Path())
		}
	}
}
