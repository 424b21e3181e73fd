package layout

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseNames: the two names the layout reads back from ZFS (a package's path below
// store/pkg and a generation's gen-K) are read only in their canonical form, so what is read
// prints back to exactly the name it was read from; anything else is refused, not guessed at.
func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"bash/5.2.21/1/3f2a9c1b", "bash/5.2/1/x", "a/1.0.0/01/b", "a/01.0.0/1/b", "a/1.0.0/1/b/c", "/1.0.0/1/b", "gen-1", "gen-01", "gen-0", "gen--1", "gen-+1", "gen-99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := ParsePackagePath(s); ok {
			if id.Path() != s {
				t.Fatalf("ParsePackagePath(%q) = %+v, which prints as %q", s, id, id.Path())
			}
			if id.Name == "" || id.BuildID == "" || strings.Contains(id.Name, "/") {
				t.Fatalf("ParsePackagePath(%q) = %+v", s, id)
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
