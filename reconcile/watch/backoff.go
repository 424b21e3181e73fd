package watch

import (
	"math/rand/v2"
	"time"
)

// Backoff is the delay before a retry after consecutive failed passes: Initial after the first
// failure, doubling with each further one up to Max, each delay multiplied by a random factor in
// [1-Jitter, 1+Jitter] and then held to at most Max. Jitter keeps hosts that fail together (a
// shared source went away) from retrying in lockstep. A successful pass resets the count.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Jitter  float64 // fraction in [0, 1)
}

// DefaultBackoff returns the backoff the daemon uses unless told otherwise: 5s doubling to 5m,
// ±20%. [Help] quotes these numbers; TestHelpQuotesDefaults keeps the two in step.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 5 * time.Second, Max: 5 * time.Minute, Jitter: 0.2}
}

// Delay returns the delay before the retry that follows the failures-th consecutive failure
// (failures ≥ 1).
func (b Backoff) Delay(failures int) time.Duration {
	return b.delay(failures, rand.Float64())
}

// delay is Delay with the random number r in [0, 1) given, so tests can pin it.
func (b Backoff) delay(failures int, r float64) time.Duration {
	d := b.Initial
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	d = time.Duration(float64(d) * (1 + b.Jitter*(2*r-1)))
	return min(d, b.Max)
}

// validate fills in defaults for zero fields and rejects what cannot be meant.
func (b Backoff) validate() (Backoff, error) {
	def := DefaultBackoff()
	if b == (Backoff{}) {
		return def, nil
	}
	switch {
	case b.Initial < 0:
		return b, &ConfigError{Field: "Backoff.Initial", Reason: "must not be negative"}
	case b.Max < 0:
		return b, &ConfigError{Field: "Backoff.Max", Reason: "must not be negative"}
	case b.Jitter < 0 || b.Jitter >= 1:
		return b, &ConfigError{Field: "Backoff.Jitter", Reason: "must be in [0, 1)"}
	}
	if b.Initial == 0 {
		b.Initial = def.Initial
	}
	if b.Max == 0 {
		b.Max = max(def.Max, b.Initial)
	}
	if b.Max < b.Initial {
		return b, &ConfigError{Field: "Backoff.Max", Reason: "must not be less than Backoff.Initial"}
	}
	return b, nil
}
