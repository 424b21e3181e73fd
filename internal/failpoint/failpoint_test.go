package failpoint

import (
	"regexp"
	"testing"
)

// Names are unique and shaped area/what; that each one is reached is proven by the crash test
// (cmd/axiom-reconcile, TestCrashAtEveryFailpointReal, realzfs and failpoints tags).
func TestNames(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z-]+/[a-z-]+$`)
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] || !shape.MatchString(n) {
			t.Errorf("failpoint %q is duplicated or misshapen", n)
		}
		seen[n] = true
	}
	if len(seen) < 20 {
		t.Errorf("only %d failpoints", len(seen))
	}
}
