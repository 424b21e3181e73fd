package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// pigeonhole puts n+1 pigeons (requested packages p0…pn) into n holes (versions 1.0.0…n.0.0):
// pigeon i in hole j conflicts with every other pigeon in hole j. It has no resolution, and
// proving that takes any backtracking search about n! steps.
func pigeonhole(n int) ([]Request, []Package) {
	var reqs []Request
	var universe []Package
	for i := 0; i <= n; i++ {
		name := fmt.Sprintf("p%d", i)
		reqs = append(reqs, req(name, "*"))
		for j := 1; j <= n; j++ {
			pkg := p(fmt.Sprintf("%s=%d.0.0", name, j))
			for k := 0; k <= n; k++ {
				if k != i {
					pkg.Conflicts = append(pkg.Conflicts, rel(fmt.Sprintf("p%d", k), fmt.Sprintf("%d.0.0", j)))
				}
			}
			universe = append(universe, pkg)
		}
	}
	return reqs, universe
}

// chain is a0 → a1 → … → a(n-1).
func chain(n int) []Package {
	var universe []Package
	for i := range n {
		pkg := p(fmt.Sprintf("a%d=1.0.0", i))
		if i+1 < n {
			pkg.Depends = []Relation{rel(fmt.Sprintf("a%d", i+1), "*")}
		}
		universe = append(universe, pkg)
	}
	return universe
}

func TestPigeonholeIsExhausted(t *testing.T) {
	reqs, universe := pigeonhole(4)
	_, err := Resolve(context.Background(), "dev", reqs, universe, Options{})
	if !errors.Is(err, ErrUnsatisfiable) {
		t.Fatalf("error %v; want ErrUnsatisfiable", err)
	}
}

func TestLimits(t *testing.T) {
	many := []Package{p("lib=1.0.0"), p("lib=2.0.0"), p("lib=3.0.0"), p("lib=4.0.0"), p("lib=5.0.0")}
	holeReqs, holes := pigeonhole(6)
	tests := map[string]struct {
		reqs     []Request
		universe []Package
		opt      Options
		limit    error
		msg      string
	}{
		"depth": {
			reqs: []Request{req("a0", "*")}, universe: chain(8), opt: Options{MaxDepth: 5},
			limit: ErrDepthLimit,
			msg:   "dependency chain longer than 5 (Options.MaxDepth): dev → a0 → a0 1.0.0 needs a1 → a1 1.0.0 needs a2 → a2 1.0.0 needs a3 → a3 1.0.0 needs a4 → a4 1.0.0 needs a5",
		},
		"depth, long chain shortened": {
			reqs: []Request{req("a0", "*")}, universe: chain(30), opt: Options{MaxDepth: 20},
			limit: ErrDepthLimit,
			msg:   "dependency chain longer than 20 (Options.MaxDepth): dev → a0 → a0 1.0.0 needs a1 → a1 1.0.0 needs a2 → a2 1.0.0 needs a3 → … 12 more … → a15 1.0.0 needs a16 → a16 1.0.0 needs a17 → a17 1.0.0 needs a18 → a18 1.0.0 needs a19 → a19 1.0.0 needs a20",
		},
		"candidates": {
			reqs: []Request{req("lib", "*")}, universe: many, opt: Options{MaxCandidates: 3},
			limit: ErrCandidateLimit,
			msg:   `5 packages are candidates for "lib", more than the limit of 3 (Options.MaxCandidates)`,
		},
		"candidates counts providers": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("sh=1.0.0"), p("bash=5.0.0", provides("sh")), p("bash=5.1.0", provides("sh"))},
			opt:      Options{MaxCandidates: 2},
			limit:    ErrCandidateLimit,
			msg:      `3 packages are candidates for "sh", more than the limit of 2 (Options.MaxCandidates)`,
		},
		"candidates counts what the constraints admit": {
			reqs: []Request{req("lib", ">=2.0.0")}, universe: many, opt: Options{MaxCandidates: 3},
			limit: ErrCandidateLimit,
			msg:   `4 packages are candidates for "lib", more than the limit of 3 (Options.MaxCandidates)`,
		},
		"steps": {
			reqs: holeReqs, universe: holes, opt: Options{MaxSteps: 50},
			limit: ErrStepLimit,
			msg:   "resolution gave up after 50 candidate tries (Options.MaxSteps); the deepest conflict so far: dev → p",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Resolve(context.Background(), "dev", tt.reqs, tt.universe, tt.opt)
			if !errors.Is(err, tt.limit) {
				t.Fatalf("error %v; want %v", err, tt.limit)
			}
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tt.limit {
				t.Errorf("error %T is not a *LimitError for %v", err, tt.limit)
			}
			for _, other := range []error{ErrDepthLimit, ErrCandidateLimit, ErrStepLimit, ErrTimeout, ErrUnsatisfiable} {
				if other != tt.limit && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("error:\n got %s\nwant prefix %s", err, tt.msg)
			}
		})
	}
}

// TestWithinLimits: the limits are maxima, not off by one.
func TestWithinLimits(t *testing.T) {
	if _, err := Resolve(context.Background(), "dev", []Request{req("a0", "*")}, chain(5), Options{MaxDepth: 5}); err != nil {
		t.Errorf("a chain of 5 with MaxDepth 5: %v", err)
	}
	many := []Package{p("lib=1.0.0"), p("lib=2.0.0"), p("lib=3.0.0")}
	if _, err := Resolve(context.Background(), "dev", []Request{req("lib", "*")}, many, Options{MaxCandidates: 3}); err != nil {
		t.Errorf("3 candidates with MaxCandidates 3: %v", err)
	}
	// Only the packages the constraints admit count: 5 in the store, 2 admitted.
	more := append(slices.Clone(many), p("lib=4.0.0"), p("lib=5.0.0"))
	if _, err := Resolve(context.Background(), "dev", []Request{req("lib", ">=4.0.0")}, more, Options{MaxCandidates: 2}); err != nil {
		t.Errorf("2 admitted candidates of 5 with MaxCandidates 2: %v", err)
	}
	withApp := append(slices.Clone(more), p("app=1.0.0", dep("lib", ">=4.0.0")))
	if _, err := Resolve(context.Background(), "dev", []Request{req("app", "*")}, withApp, Options{MaxCandidates: 2}); err != nil {
		t.Errorf("2 candidates admitted by a dependency, of 5, with MaxCandidates 2: %v", err)
	}
	if _, err := Resolve(context.Background(), "dev", []Request{req("lib", "*")}, many, Options{MaxSteps: 1}); err != nil {
		t.Errorf("one try with MaxSteps 1: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	reqs, universe := pigeonhole(11)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Resolve(ctx, "dev", reqs, universe, Options{MaxSteps: 1 << 40})
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v; want ErrTimeout and context.DeadlineExceeded", err)
	}
	if !strings.HasPrefix(err.Error(), "resolution took longer than ") {
		t.Errorf("error %q", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Resolve returned %v after its deadline", elapsed)
	}
}

func TestContextDone(t *testing.T) {
	reqs, universe := pigeonhole(3)

	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := Resolve(expired, "dev", reqs, universe, Options{})
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired context: error %v; want ErrTimeout", err)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = Resolve(cancelled, "dev", reqs, universe, Options{})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled context: error %v; want context.Canceled and not ErrTimeout", err)
	}
}

// expiringContext reports a deadline an hour away, but its deadline passes (Err returns
// context.DeadlineExceeded) from its (after+1)th look on: a clock that runs out at a chosen
// point of the work.
type expiringContext struct {
	context.Context
	deadline time.Time
	looks    int
	after    int
}

func (c *expiringContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *expiringContext) Err() error {
	c.looks++
	if c.looks > c.after {
		return context.DeadlineExceeded
	}
	return nil
}

// TestTimeoutWhileIndexing: the context bounds indexing the store too, and the error says that
// the deadline passed there, not that it had passed before resolution started.
func TestTimeoutWhileIndexing(t *testing.T) {
	reqs, universe := pigeonhole(60) // 3660 packages with 60 conflicts each: indexing takes a while
	ctx := &expiringContext{Context: context.Background(), deadline: time.Now().Add(time.Hour), after: 1}
	_, err := Resolve(ctx, "dev", reqs, universe, Options{MaxSteps: 1 << 40})
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v; want ErrTimeout and context.DeadlineExceeded", err)
	}
	want := "resolution took longer than 1h0m0s: the deadline passed while indexing the 3660 packages of the store, before the search began"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}

	// With a real clock: whichever part the deadline ends, the error says which, and it comes
	// soon after the deadline.
	real, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Resolve(real, "dev", reqs, universe, Options{MaxSteps: 1 << 40})
	if !errors.Is(err, ErrTimeout) || !strings.HasPrefix(err.Error(), "resolution took longer than ") {
		t.Errorf("error %v; want ErrTimeout saying what took longer than the deadline allowed", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Resolve returned %v after its deadline", elapsed)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := Resolve(cancelled, "dev", reqs, universe, Options{}); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled context: error %v; want context.Canceled and not ErrTimeout", err)
	}
}
