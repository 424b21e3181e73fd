package spec

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// suggest returns the option closest to given, if one is close enough to be a plausible typo or
// abbreviation, else "". Ties go to the earlier option, so callers pass options in a fixed order.
func suggest(given string, options []string) string {
	best, bestDist := "", 0
	for _, o := range options {
		dist := levenshtein.Distance(strings.ToLower(given), strings.ToLower(o), nil)
		if dist > max(2, len(given)/3) || dist >= len(given) {
			// Not a typo; but "prio" for "priority" is still a likely meaning.
			if len(given) < 3 || !strings.HasPrefix(strings.ToLower(o), strings.ToLower(given)) {
				continue
			}
			dist = len(o) // rank prefixes behind real near-misses
		}
		if best == "" || dist < bestDist {
			best, bestDist = o, dist
		}
	}
	return best
}

// didYouMean formats suggest's answer as a sentence to append to a detail, or "".
func didYouMean(given string, options []string) string {
	if s := suggest(given, options); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quoteAll quotes each string.
func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, o := range s {
		q[i] = fmt.Sprintf("%q", o)
	}
	return q
}

// quotedList renders options as `"a", "b" or "c"`.
func quotedList(options []string) string {
	q := quoteAll(options)
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
