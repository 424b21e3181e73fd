//go:build realzfs

package e2e

import (
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// checkSignedAndVerified checks that the package dataset ds records keyID as its signer, and
// that a fast verify finds nothing to report in the store. (A deep verify of the store finds
// nothing either, hard links, set-uid files and absolute links included, but reading every file
// takes about two minutes in the emulated guest: BenchmarkVerifySmall does it.)
func checkSignedAndVerified(t *testing.T, e *reconcile.Engine, c *zfs.CLI, cfg *spec.Config, ds, keyID string) {
	t.Helper()
	tree, err := c.Observe(bg, ds)
	must(t, err)
	d, _ := tree.Get(ds)
	if v, _ := d.Local(layout.PropSignedBy); v != keyID {
		t.Errorf("%s: %s=%q, want %s", ds, layout.PropSignedBy, v, keyID)
	}
	start := time.Now()
	rep, err := e.Verify(bg, cfg, reconcile.VerifyOptions{})
	must(t, err)
	t.Logf("verify of %d real packages and %d generations: %s", rep.Packages, rep.Generations, time.Since(start).Round(time.Millisecond))
	if len(rep.Findings) != 0 || rep.Packages == 0 || rep.Generations == 0 {
		t.Errorf("verify of the real store: %+v %v", rep.Findings, rep.Notes)
	}
}
