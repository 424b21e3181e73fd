package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// A package GC skipped is reported with its dataset and its real name (a '+' in the name is a
// ':' in the dataset); a dataset that is not a package is reported as it is.
func TestReportAppliedNamesSkippedPackages(t *testing.T) {
	const pkg = "tank/axiom/store/pkg/libstdc::6/12.2.0/1/0123456789abcdef01234567"
	const parent = "tank/axiom/store/pkg/libstdc::6/12.2.0"
	var out bytes.Buffer
	g := &globals{env: &env{stdout: &out}}
	reportApplied(g, layout.Layout{Root: "tank/axiom"}, &reconcile.Applied{Skipped: map[string]string{pkg: "held", parent: "busy"}})
	for _, want := range []string{
		"Not collected: " + pkg + ", package libstdc++6 12.2.0-1 (01234567) (held since the plan)\n",
		"Not collected: " + parent + " (in use: ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
