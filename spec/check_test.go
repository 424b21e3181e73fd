package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// TestNameLengthLimits checks the longest profile, environment and package names each store
// allows, from the dataset names the reconciler builds (written out here, independently of
// package layout):
//
//	<store>/profiles/<profile>                                        store + 10 + name
//	<store>/tmp/gen-<env>-<10 digits>-<8 random>@realized             store + 38 + name
//	<store>/store/pkg/<package>/<32>/<10>/<24 build-id>@installed     store + 90 + name
//
// against ZFS's 255 bytes. One byte more is an error at the name, saying how long the derived
// name would be. A package name with '+' counts the same: its dataset component (with ':' for
// '+') is as long as the name.
func TestNameLengthLimits(t *testing.T) {
	for _, store := range []string{"p", "zroot/axiom", "tank/" + strings.Repeat("s", 90)} {
		for _, tc := range []struct {
			kind  string
			fixed int
			line  int
			fill  string // the name is made of this character
		}{
			{"profile", 10, 4, "p"},
			{"package", 90, 5, "k"},
			{"package", 90, 5, "+"},
			{"environment", 38, 7, "e"},
		} {
			longest := 255 - len(store) - tc.fixed
			for _, n := range []int{longest, longest + 1} {
				names := map[string]string{"profile": "p", "package": "k", "environment": "e"}
				names[tc.kind] = strings.Repeat(tc.fill, n)
				src := fmt.Sprintf("store {\n  dataset = %q\n}\nprofile %q {\n  package %q {}\n}\nenvironment %q {\n  profile = %q\n}\n",
					store, names["profile"], names["package"], names["environment"], names["profile"])
				cfg, diags := new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "cfg")
				if n == longest {
					if diags.HasErrors() {
						t.Errorf("store %q, %s name of %d bytes: %v", store, tc.kind, n, diags)
					}
					if cfg == nil {
						t.Errorf("store %q, %s name of %d bytes: no config", store, tc.kind, n)
					}
					continue
				}
				if len(diags) != 1 {
					t.Errorf("store %q, %s name of %d bytes: %d diagnostics, want 1: %v", store, tc.kind, n, len(diags), diags)
					continue
				}
				d := diags[0]
				wantSummary := strings.ToUpper(tc.kind[:1]) + tc.kind[1:] + " name too long for the store"
				if d.Summary != wantSummary || d.Subject.Start.Line != tc.line {
					t.Errorf("store %q, %s name of %d bytes: %q at line %d, want %q at line %d", store, tc.kind, n, d.Summary, d.Subject.Start.Line, wantSummary, tc.line)
				}
				for _, want := range []string{fmt.Sprintf("is %d bytes long", n), "would be 256 bytes long", "at most 255 bytes", "by at least 1 byte,"} {
					if !strings.Contains(d.Detail, want) {
						t.Errorf("store %q, %s: detail %q does not say %q", store, tc.kind, d.Detail, want)
					}
				}
			}
		}
	}
}

// TestStoreTooLongForItsTree: a store dataset valid by itself but too long for store/pkg below
// it is reported at the dataset, and the names are not reported on top.
func TestStoreTooLongForItsTree(t *testing.T) {
	store := "tank/" + strings.Repeat("s", 246) // 251 bytes; store/pkg makes it 261
	src := fmt.Sprintf("store {\n  dataset = %q\n}\nprofile \"p\" {}\n", store)
	_, diags := new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "cfg")
	if len(diags) != 1 || diags[0].Summary != "Store dataset name too long" || diags[0].Subject.Start.Line != 2 ||
		!strings.Contains(diags[0].Detail, "/store/pkg would be 261 bytes long") {
		t.Errorf("diagnostics %v", diags)
	}
}
