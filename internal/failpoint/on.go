//go:build failpoints

package failpoint

import (
	"fmt"
	"os"
	"syscall"
)

// Enabled reports whether this binary honours failpoints.
const Enabled = true

// Hit kills the process if AXIOM_FAILPOINT names this point.
func Hit(name string) {
	if os.Getenv(Env) != name {
		return
	}
	fmt.Fprintf(os.Stderr, "failpoint %s: killing the process\n", name)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL is not deliverable late; never return
}
