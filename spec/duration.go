package spec

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// errNegativeDuration is parseDuration's answer for a duration below zero.
var errNegativeDuration = errors.New("must not be negative")

// parseDuration parses Go duration syntax ("90m", "1h30m", "0") and, because retention periods
// are naturally counted in days, a leading whole number of days: "7d", "1d12h". Negative
// durations are refused.
func parseDuration(s string) (time.Duration, error) {
	if strings.HasPrefix(s, "-") {
		return 0, errNegativeDuration
	}
	var days time.Duration
	rest := s
	if n, after, ok := strings.Cut(s, "d"); ok {
		if n == "" || strings.TrimLeft(n, "0123456789") != "" {
			return 0, notDuration(s)
		}
		count, err := strconv.ParseInt(n, 10, 64)
		if err != nil || count > int64(math.MaxInt64/day) {
			return 0, fmt.Errorf("%q is too long", s)
		}
		days, rest = time.Duration(count)*day, after
		if rest == "" {
			return days, nil
		}
		if rest[0] == '-' || rest[0] == '+' {
			return 0, notDuration(s)
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, notDuration(s)
	}
	if d < 0 {
		return 0, errNegativeDuration
	}
	if d > math.MaxInt64-days {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return days + d, nil
}

func notDuration(s string) error {
	return fmt.Errorf("%q is not a duration: write numbers with units, as in \"30m\", \"24h\", \"7d\" or \"1d12h\" (units h, m, s, ms, us, ns, and d for a leading whole number of days)", s)
}
