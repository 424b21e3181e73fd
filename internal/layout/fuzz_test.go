package layout

import (
	"strconv"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// FuzzParseNames: the names the layout reads back (a package's path as plans name it, its
// dataset path below store/pkg, and a generation's gen-K) are read only in their canonical form,
// so what is read prints back to exactly the name it was read from; anything else is refused,
// not guessed at.
func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"bash/5.2.21/1/3f2a9c1b", "bash/5.2/1/x", "a/1.0.0/01/b", "a/01.0.0/1/b", "a/1.0.0/1/b/c", "/1.0.0/1/b",
		"libstdc++6/12.2.0/1/x", "libstdc::6/12.2.0/1/x", "a:+/1.0.0/1/b", "zfs/1.0.0/1/b",
		"gen-1", "gen-01", "gen-0", "gen--1", "gen-+1", "gen-99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := ParsePackagePath(s); ok {
			if id.Path() != s {
				t.Fatalf("ParsePackagePath(%q) = %+v, which prints as %q", s, id, id.Path())
			}
			if axiomname.CheckPackage(id.Name) != nil || id.BuildID == "" {
				t.Fatalf("ParsePackagePath(%q) = %+v", s, id)
			}
		}
		if id, ok := ParsePackageDataset(s); ok {
			if id.DatasetPath() != s {
				t.Fatalf("ParsePackageDataset(%q) = %+v, which maps back to %q", s, id, id.DatasetPath())
			}
			if axiomname.CheckPackage(id.Name) != nil || id.BuildID == "" {
				t.Fatalf("ParsePackageDataset(%q) = %+v", s, id)
			}
		}
		if k, ok := ParseGenerationNumber(s); ok && (k <= 0 || strconv.Itoa(k) != s) {
			t.Fatalf("ParseGenerationNumber(%q) = %d", s, k)
		}
		if k, ok := ParseGeneration(s); ok {
			if k <= 0 || GenerationName(k) != s {
				t.Fatalf("ParseGeneration(%q) = %d, which prints as %q", s, k, GenerationName(k))
			}
		}
	})
}

// FuzzPackageComponent: the mapping between package names and dataset components is a
// bijection between valid names and the components PackageName accepts: a valid name maps to a
// valid ZFS component of the same length and back to itself (so PackageName accepts every image),
// and a component PackageName accepts is the image of the valid name it returns (so it accepts
// nothing else).
func FuzzPackageComponent(f *testing.F) {
	for _, s := range []string{"bash", "libstdc++6", "libstdc::6", "g++-12", "a:+b", "+", ":", "zfs", "-x", "a b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if axiomname.CheckPackage(s) == nil {
			c := PackageComponent(s)
			if len(c) != len(s) {
				t.Fatalf("PackageComponent(%q) = %q: %d bytes, not %d", s, c, len(c), len(s))
			}
			if err := zfs.ValidateComponent(c); err != nil {
				t.Fatalf("PackageComponent(%q) = %q, which ZFS refuses: %v", s, c, err)
			}
			if back, ok := PackageName(c); !ok || back != s {
				t.Fatalf("PackageName(PackageComponent(%q)) = %q, %v", s, back, ok)
			}
		}
		if name, ok := PackageName(s); ok {
			if axiomname.CheckPackage(name) != nil || PackageComponent(name) != s {
				t.Fatalf("PackageName(%q) = %q, which is invalid or maps to %q", s, name, PackageComponent(name))
			}
		}
	})
}
