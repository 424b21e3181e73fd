package zfstest

import (
	"context"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

func TestConformanceModel(t *testing.T) {
	RunSuite(t, func(t *testing.T) Target {
		m := NewModel("pool")
		if err := m.Create(context.Background(), "pool/root", zfs.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		return Target{Client: m, Root: "pool/root"}
	})
}
