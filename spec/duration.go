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
// are naturally counted in days, a leading whole number of days: "7d", "1d12h". A sign may lead,
// as in Go; a negative duration is refused with errNegativeDuration, but "-0s" is zero like "0s".
func parseDuration(s string) (time.Duration, error) {
	rest, neg := s, false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		rest, neg = s[1:], s[0] == '-'
		if rest == "" || rest[0] == '-' || rest[0] == '+' {
			return 0, notDuration(s)
		}
	}
	d, err := parseUnsigned(s, rest)
	switch {
	case neg && errors.Is(err, errTooLong):
		return 0, errNegativeDuration
	case err != nil:
		return 0, err
	case neg && d != 0:
		return 0, errNegativeDuration
	}
	return d, nil
}

var errTooLong = errors.New("too long")

// parseUnsigned parses rest, the duration s without its sign.
func parseUnsigned(s, rest string) (time.Duration, error) {
	tooLong := fmt.Errorf("%q is %w", s, errTooLong)
	var days time.Duration
	if n, after, ok := strings.Cut(rest, "d"); ok {
		if n == "" || strings.TrimLeft(n, "0123456789") != "" {
			return 0, notDuration(s)
		}
		count, err := strconv.ParseInt(n, 10, 64)
		if err != nil || count > int64(math.MaxInt64/day) {
			return 0, tooLong
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
		return 0, notDuration(s) // time reports an overflow as an invalid duration, too
	}
	if d > math.MaxInt64-days {
		return 0, tooLong
	}
	return days + d, nil
}

func notDuration(s string) error {
	return fmt.Errorf("%q is not a duration: write numbers with units, as in \"30m\", \"24h\", \"7d\" or \"1d12h\" (units h, m, s, ms, us, ns, and d for a leading whole number of days)", s)
}
