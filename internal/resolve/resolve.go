package resolve

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Resolve selects, from universe, one package per name such that every request and every
// dependency of every selected package is satisfied and no two selected packages conflict or
// replace one another. root names what is being resolved (usually the profile) in explanations.
// The result is sorted by name. See the package documentation for the rules.
//
// On failure the error is an *Error (errors.Is ErrUnsatisfiable, and ErrNotFound when a name is
// missing altogether), a *LimitError (ErrTimeout, ErrDepthLimit, ErrCandidateLimit,
// ErrStepLimit), an error wrapping the context's error if ctx was cancelled, or one matching
// ErrInvalidInput.
func Resolve(ctx context.Context, root string, reqs []Request, universe []Package, opt Options) ([]Selected, error) {
	return resolve(ctx, root, reqs, universe, opt, true)
}

// resolve is Resolve with backjumping optional: tests check that plain backtracking finds the
// same resolution.
func resolve(ctx context.Context, root string, reqs []Request, pkgs []Package, opt Options, backjump bool) ([]Selected, error) {
	start := time.Now()
	rs, err := canonicalRequests(reqs)
	if err != nil {
		return nil, err
	}
	u, err := newUniverse(ctx, pkgs)
	if err != nil {
		if ctx.Err() != nil {
			return nil, contextError(ctx, root, start, time.Since(start), true, len(pkgs))
		}
		return nil, err
	}
	for _, r := range rs {
		u.id(r.Name)
	}
	u.grow()
	s := newSolver(ctx, root, u, opt, backjump)
	s.start, s.indexing = start, time.Since(start)
	if err := s.checkContext(); err != nil {
		return nil, err
	}
	for _, r := range rs {
		s.pushDemand(u.ids[r.Name], r.Constraint, nil, 1)
	}
	_, failed, err := s.forwardCheckAll()
	if err != nil {
		return nil, err
	}
	if !failed {
		var ok bool
		if ok, _, err = s.search(); err != nil {
			return nil, err
		}
		failed = !ok
	}
	if failed {
		return nil, s.failure()
	}
	return s.result(rs), nil
}

// canonicalRequests sorts requests and drops exact duplicates, so that their order cannot
// matter.
func canonicalRequests(reqs []Request) ([]Request, error) {
	rs := slices.Clone(reqs)
	for _, r := range rs {
		if r.Name == "" {
			return nil, fmt.Errorf("%w: a request has no name", ErrInvalidInput)
		}
	}
	slices.SortFunc(rs, func(a, b Request) int { return compareRelation(Relation(a), Relation(b)) })
	return slices.Compact(rs), nil
}
