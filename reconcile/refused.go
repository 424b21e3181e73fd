package reconcile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/resolve"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

// RefusedError is a profile's resolution failing for want of a package the sources hold but that
// was refused (or could not be read) and so was left out of the universe. It names the refusal
// first: "not found" would send the operator looking for a package that is right there.
type RefusedError struct {
	// Refused are the refusals of the names the failure involves.
	Refused []*source.Error
	// Err is the resolver's own explanation.
	Err error
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	for i, r := range e.Refused {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "needs package %q, which was refused: %v", r.Package, r)
	}
	fmt.Fprintf(&b, " (%v)", e.Err)
	return b.String()
}

func (e *RefusedError) Unwrap() error { return e.Err }

// refusalsIn picks, from the refused source packages, those a resolver failure involves: the
// name it found missing, or a name in its chain or reason (as a whole word, so that a refused
// "git" is not blamed for "git-man").
func refusalsIn(err error, refused []*source.Error) []*source.Error {
	var re *resolve.Error
	if !errors.As(err, &re) || len(refused) == 0 {
		return nil
	}
	words := map[string]bool{re.Missing: true}
	for _, s := range append(append([]string(nil), re.Chain...), re.Reason) {
		for _, w := range strings.Fields(s) {
			words[strings.Trim(w, `"'(),:;`)] = true
		}
	}
	var out []*source.Error
	for _, r := range refused {
		if r.Package != "" && words[r.Package] {
			out = append(out, r)
		}
	}
	return out
}

// refusalHint turns a resolver failure that involves refused source packages into a
// *RefusedError; other errors are returned unchanged.
func refusalHint(err error, refused []*source.Error) error {
	if rs := refusalsIn(err, refused); len(rs) > 0 {
		return &RefusedError{Refused: rs, Err: err}
	}
	return err
}

// refusalWarning is the warning a plan gives for a source package left out of this pass.
func refusalWarning(r *source.Error) string {
	return fmt.Sprintf("source package %q is left out (it cannot be chosen until fixed): %v", r.Package, r)
}
