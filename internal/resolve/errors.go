package resolve

import (
	"errors"
	"strings"
)

// Sentinels, for errors.Is.
var (
	// ErrUnsatisfiable: no selection satisfies every constraint. The error is an *Error.
	ErrUnsatisfiable = errors.New("no selection of packages satisfies every constraint")
	// ErrNotFound: the failure comes down to a name no package has or provides. The error is an
	// *Error (which also matches ErrUnsatisfiable) with Missing set.
	ErrNotFound = errors.New("package not found")
	// ErrTimeout: the context's deadline passed. The error also matches
	// context.DeadlineExceeded, and is a *LimitError.
	ErrTimeout = errors.New("resolution timed out")
	// ErrDepthLimit: a dependency chain is longer than Options.MaxDepth. *LimitError.
	ErrDepthLimit = errors.New("dependency depth limit exceeded")
	// ErrCandidateLimit: a name has more candidates than Options.MaxCandidates. *LimitError.
	ErrCandidateLimit = errors.New("candidate limit exceeded")
	// ErrStepLimit: the search tried more than Options.MaxSteps candidates. *LimitError.
	ErrStepLimit = errors.New("step limit exceeded")
	// ErrInvalidInput: a request or package has no name, or the universe lists one package
	// twice with different metadata.
	ErrInvalidInput = errors.New("invalid resolver input")
)

// Error explains why no resolution exists, as the chain of requests and dependencies that led to
// the failure, ending with its reason:
//
//	dev → bash ^5.0.0 → bash 5.2.0 needs readline >=8.0.0 → the store has readline 7.0.0
//
// When the search backtracked, it is the deepest failure it met (the first of the deepest, in
// search order, so the same inputs always give the same explanation).
type Error struct {
	// Chain starts with the root (the profile's name), then the request, then one
	// "<package> <version> needs <name> <constraint>" step per dependency.
	Chain []string
	// Reason says what went wrong at the end of the chain.
	Reason string
	// Missing is the name no package has or provides, when that is the reason.
	Missing string
}

func (e *Error) Error() string {
	return strings.Join(append(append([]string(nil), e.Chain...), e.Reason), " → ")
}

// Unwrap makes an *Error match ErrUnsatisfiable, and ErrNotFound when Missing is set.
func (e *Error) Unwrap() []error {
	if e.Missing != "" {
		return []error{ErrUnsatisfiable, ErrNotFound}
	}
	return []error{ErrUnsatisfiable}
}

// LimitError reports that a resolution was abandoned at one of its limits.
type LimitError struct {
	// Limit is ErrTimeout, ErrDepthLimit, ErrCandidateLimit or ErrStepLimit.
	Limit error
	Msg   string
	cause error // the context's error, for ErrTimeout
}

func (e *LimitError) Error() string { return e.Msg }

// Unwrap makes a *LimitError match its Limit sentinel and, for timeouts, the context's error.
func (e *LimitError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Limit, e.cause}
	}
	return []error{e.Limit}
}
