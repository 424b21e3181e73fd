package layout_test

import (
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// TestConstantsAgree: layout repeats two facts owned elsewhere, so that it stays a leaf package
// that validation can import; they must not drift.
func TestConstantsAgree(t *testing.T) {
	if layout.MaxNameLen != zfs.MaxNameLen {
		t.Errorf("layout.MaxNameLen = %d, zfs.MaxNameLen = %d", layout.MaxNameLen, zfs.MaxNameLen)
	}
	if layout.BuildIDLen != source.BuildIDLen {
		t.Errorf("layout.BuildIDLen = %d, source.BuildIDLen = %d", layout.BuildIDLen, source.BuildIDLen)
	}
}
