package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// A plan that fails because of the configuration or the store's content is terminal; one that
// fails on a zfs command, a file read or a time-out is transient, even beside terminal problems.
func TestPlanErrorTerminal(t *testing.T) {
	content := errors.New(`profile "tools" needs vim 9.0.2-1, which is neither in the store nor in a source`)
	for _, tc := range []struct {
		name string
		errs []error
		want bool
	}{
		{"configuration", []error{content}, true},
		{"two of them", []error{content, errors.New("unmanaged dataset in the way")}, true},
		{"zfs command", []error{fmt.Errorf("reading holds: %w", &zfs.Error{Op: "holds", Err: zfs.ErrBusy})}, false},
		{"file", []error{content, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}}, false},
		{"time-out", []error{fmt.Errorf("profile %q: %w", "tools", context.DeadlineExceeded)}, false},
	} {
		if got := (&PlanError{Errs: tc.errs}).Terminal(); got != tc.want {
			t.Errorf("%s: Terminal() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// On the model: a profile that needs a package no source has fails the plan terminally.
func TestPlanMissingPackageIsTerminal(t *testing.T) {
	e, _, mp := modelEngine(t)
	cfg := loadConfig(t, filepath.Join("..", "examples", "workstation"), "tank/axiom", mp)
	cfg.Sources = nil
	_, err := e.Plan(bg, cfg, PlanOptions{})
	var pe *PlanError
	if !errors.As(err, &pe) || !pe.Terminal() {
		t.Fatalf("plan without sources: %v, want a terminal *PlanError", err)
	}
}
