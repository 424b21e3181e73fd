package reconcile

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The diff stage: functions from the configuration, the observed state and the plan's options
// to the changes each resource wants. They read what observe recorded and what the resolve
// stage decided, and return values: no zfs command, no file, no context. What one of them needs
// from another (the locks the profiles leave, the generations that stay, the holds the plan
// releases) is passed in as a value; order.go calls them in turn and puts the plan together.

// diffInput is what every diff function reads. Nothing writes it after diff begins.
type diffInput struct {
	cfg *spec.Config
	s   *state
	l   layout.Layout
	opt PlanOptions
	// now is the plan's clock (its time, and the time GC grace periods end by).
	now time.Time
	// budget is the deletion budget: gc.max_deletes, or the option that overrides it.
	budget  int
	sources map[layout.PackageID]*source.Package
	// res is what the resolve stage decided for each profile.
	res resolutions
}

// findings are what a diff reports besides its steps: problems that fail the plan, warnings
// (things the plan cannot do and someone should look at) and notes (things it leaves alone on
// purpose).
type findings struct {
	errs     []error
	warnings []string
	notes    []string
}

func (f *findings) fail(format string, args ...any) {
	f.errs = append(f.errs, fmt.Errorf(format, args...))
}

func (f *findings) warn(format string, args ...any) {
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
}

func (f *findings) note(format string, args ...any) {
	f.notes = append(f.notes, fmt.Sprintf(format, args...))
}

func (f *findings) add(o findings) {
	f.errs = append(f.errs, o.errs...)
	f.warnings = append(f.warnings, o.warnings...)
	f.notes = append(f.notes, o.notes...)
}

// checkLen refuses, at plan time, an item whose dataset or snapshot names (a layout *Names list)
// would be longer than ZFS allows, so nothing is applied that would fail halfway. Validation
// already checks every name against the worst case (spec uses the same layout functions), so
// this only guards the planner against a configuration that did not come through spec.Load.
func (f *findings) checkLen(what string, names []string, src *Pos) bool {
	var tl *layout.NameTooLongError
	if err := layout.CheckNames(names); !errors.As(err, &tl) {
		return true
	}
	at := ""
	if src != nil {
		at = " (" + src.String() + ")"
	}
	f.fail("%s would need the name %s, %d bytes: more than the %d ZFS allows%s; use a shorter store dataset or name",
		what, tl.Name, len(tl.Name), layout.MaxNameLen, at)
	return false
}

// cannotDestroy is the problem of a destroy the plan wants that would take something the
// reconciler does not own with it.
func (f *findings) cannotDestroy(what, undo string, in []string) {
	f.fail("%s: %s; %s (%s)", what, strings.Join(in, "; "), destroysOnlyOwn, undo)
}

// destroysOnlyOwn ends every refusal to destroy something that holds what is not the
// reconciler's, at plan time and at apply time (NotOursError).
const destroysOnlyOwn = "axiom-reconcile destroys only what it owns, so nothing was destroyed"

func comparePackageID(a, b layout.PackageID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

func actionFor(isNew bool) string {
	if isNew {
		return Add
	}
	return Change
}

func describeProps(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

func countTags(m map[layout.Tag][]layout.Snapshot) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}
