package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Every recursive destroy the reconciler runs (clean-temp, prune, remove-environment,
// remove-profile) goes through the same rule, checked when the plan is made and again, against a
// fresh observation, just before the destroy: everything below the dataset must be the
// reconciler's. A filesystem or volume without the local managed marker is someone else's (a
// dataset made by hand inside an environment, a child of a profile made by upstream's tools); a
// snapshot with a user hold or a clone is in use by someone. Either keeps the whole destroy from
// happening, and the error names it.

// notOurs lists what in the tree at name is not the reconciler's to destroy, one line each. A
// clone inside the tree goes with it (zfs destroy -r destroys it first); one outside is in use
// unless detachable says the destroy can first make it independent (a later generation of
// the same environment, see detachClones).
func notOurs(tree *zfs.Tree, name layout.Dataset, detachable func(clone layout.Dataset) bool) []string {
	var out []string
	for _, d := range tree.Under(string(name)) {
		if d.Type != zfs.Snapshot {
			if !managed(d) {
				out = append(out, d.Name+" is "+errUnmanagedInTheWay.Error())
			}
			continue
		}
		if d.UserRefs > 0 {
			out = append(out, fmt.Sprintf("%s has %s", d.Name, english.Count(int(d.UserRefs), "user hold")))
		}
		for _, c := range d.Clones {
			if clone := layout.Dataset(c); !layout.Under(clone, name) && (detachable == nil || !detachable(clone)) {
				out = append(out, fmt.Sprintf("%s is the origin of %s", d.Name, c))
			}
		}
	}
	return out
}

// NotOursError refuses a recursive destroy of a dataset that holds something that is not the
// reconciler's.
type NotOursError struct {
	Dataset layout.Dataset
	What    []string
}

func (e *NotOursError) Error() string {
	return fmt.Sprintf("%s cannot be destroyed: %s; %s (move that away, or destroy it yourself)", e.Dataset, strings.Join(e.What, "; "), destroysOnlyOwn)
}

// Is makes a NotOursError match errUnmanagedInTheWay.
func (e *NotOursError) Is(target error) bool { return target == errUnmanagedInTheWay }

// destroyOwned destroys name recursively if a fresh observation shows that everything below it is
// the reconciler's. A name that is gone is not an error.
func destroyOwned(ctx context.Context, c zfs.Client, name layout.Dataset) error {
	tree, err := c.Observe(ctx, string(name))
	if err != nil {
		return err
	}
	if _, ok := tree.Get(string(name)); !ok {
		return nil
	}
	if what := notOurs(tree, name, nil); len(what) > 0 {
		return &NotOursError{Dataset: name, What: what}
	}
	err = c.Destroy(ctx, string(name), zfs.DestroyOptions{Recursive: true})
	if errors.Is(err, zfs.ErrNotExist) {
		return nil
	}
	return err
}
