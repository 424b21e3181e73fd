// Package english words counts in messages ("1 package", "3 packages"), in one place, so that
// the command line and the reconciler say them the same way.
package english

import "strconv"

// Count is n followed by noun, with an "s" unless n is 1. Every noun the project counts takes
// a regular plural.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
