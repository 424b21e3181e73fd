//go:build !failpoints

package failpoint

// Enabled reports whether this binary honours failpoints.
const Enabled = false

// Hit does nothing in production builds.
func Hit(string) {}
