package spec

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseDuration: durations are never negative, and without a day count they mean what Go's
// time.ParseDuration says they mean.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "90m", "1h30m", "7d", "1d12h", "-0s", "-1s", "+5m", "d", "1d-1h", "106751d", "106752d", "1.5h", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %s, negative", s, d)
		}
		if !strings.Contains(s, "d") {
			if g, gerr := time.ParseDuration(s); gerr != nil || g != d {
				t.Fatalf("parseDuration(%q) = %s; time.ParseDuration says %s, %v", s, d, g, gerr)
			}
		}
	})
}
