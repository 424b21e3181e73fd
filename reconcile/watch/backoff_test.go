package watch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := DefaultBackoff()
	const s, m = time.Second, time.Minute
	tests := []struct {
		failures int
		r        float64
		want     time.Duration
	}{
		{1, 0.5, 5 * s}, // r = 0.5: no jitter
		{2, 0.5, 10 * s},
		{3, 0.5, 20 * s},
		{6, 0.5, 160 * s},
		{7, 0.5, 5 * m}, // 320s, capped
		{1000, 0.5, 5 * m},
		{1, 0, 4 * s}, // -20%
		{1, 0.75, 5500 * time.Millisecond},
		{2, 0.9999999999, 12*s - 1}, // almost +20%
		{1000, 0, 4 * m},            // jitter below the cap
		{1000, 0.9999999999, 5 * m}, // never above it
	}
	for _, tt := range tests {
		got := b.delay(tt.failures, tt.r)
		if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
			t.Errorf("delay(%d, %v) = %v, want %v", tt.failures, tt.r, got, tt.want)
		}
	}
}

func TestBackoffDelayJitterStaysInBounds(t *testing.T) {
	b := DefaultBackoff()
	seen := make(map[time.Duration]bool)
	for range 1000 {
		d := b.Delay(1)
		if d < 4*time.Second || d > 6*time.Second {
			t.Fatalf("Delay(1) = %v, want within 5s ±20%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct delays in 1000: not jittered", len(seen))
	}
}

func TestBackoffValidate(t *testing.T) {
	def := DefaultBackoff()
	tests := map[string]struct {
		in      Backoff
		want    Backoff
		wantErr string // ConfigError field
	}{
		"zero is default":        {Backoff{}, def, ""},
		"initial only":           {Backoff{Initial: time.Second}, Backoff{Initial: time.Second, Max: def.Max}, ""},
		"big initial":            {Backoff{Initial: time.Hour}, Backoff{Initial: time.Hour, Max: time.Hour}, ""},
		"max only":               {Backoff{Max: time.Minute}, Backoff{Initial: def.Initial, Max: time.Minute}, ""},
		"jitter only is allowed": {Backoff{Jitter: 0.1}, Backoff{Initial: def.Initial, Max: def.Max, Jitter: 0.1}, ""},
		"negative":               {Backoff{Initial: -1}, Backoff{}, "Backoff.Initial"},
		"jitter 1":               {Backoff{Jitter: 1}, Backoff{}, "Backoff.Jitter"},
		"max < initial":          {Backoff{Initial: time.Minute, Max: time.Second}, Backoff{}, "Backoff.Max"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tt.in.validate()
			if tt.wantErr != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Field != tt.wantErr {
					t.Fatalf("validate(%+v) = %v, want ConfigError for %s", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("validate(%+v) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestHelpQuotesDefaults keeps the numbers in Help equal to the defaults the code uses.
func TestHelpQuotesDefaults(t *testing.T) {
	b := DefaultBackoff()
	for _, want := range []string{
		fmt.Sprintf("--debounce (default %s)", short(DefaultDebounce)),
		fmt.Sprintf("--interval (default %s)", short(DefaultInterval)),
		fmt.Sprintf("--settle-max (default %s)", short(DefaultSettleMax)),
		fmt.Sprintf("retry     after a failed pass: %s, doubling", short(b.Initial)),
		fmt.Sprintf("up to %s,", short(b.Max)),
		fmt.Sprintf("+/-%d%% (never above %s)", int(b.Jitter*100+0.5), short(b.Max)),
		fmt.Sprintf("resets the delay to %s.", short(b.Initial)),
	} {
		if !strings.Contains(strings.Join(strings.Fields(Help), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("Help does not say %q", want)
		}
	}
}

// short formats whole seconds, minutes or hours as 5s, 10m, 1h.
func short(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}
