package resolve

import (
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Relation names a package and the versions of it that a dependency, conflict or replacement
// applies to.
type Relation struct {
	Name       string
	Constraint version.Constraint
}

// Package is one package of the store: one candidate the resolver may select.
type Package struct {
	Name     string
	Version  version.Version
	Revision uint32
	BuildID  string
	// Depends are the package's dependencies (its deps.yaml).
	Depends []Relation
	// Provides are virtual names the package stands in for.
	Provides []string
	// Conflicts are packages that must not be selected alongside this one.
	Conflicts []Relation
	// Replaces are packages this one supersedes: never selected alongside a version the relation
	// admits; and when the relation admits every version of the name in the store, the package
	// stands in for the name (see the package documentation).
	Replaces []Relation
}

// Request is one package a profile asks for.
type Request struct {
	Name       string
	Constraint version.Constraint
}

// Options bound the search. A zero field takes its default.
type Options struct {
	// MaxDepth is the longest dependency chain allowed, counting the request as 1. Default 100.
	MaxDepth int
	// MaxCandidates is the most packages the resolver will consider for one name: the versions,
	// revisions and builds of it that every constraint on it admits, plus its stand-ins where
	// they may be chosen. Default 1000.
	MaxCandidates int
	// MaxSteps is the most candidate tries in total, backtracking included. Default 100000.
	MaxSteps int
}

// The defaults, upstream's declared (and never enforced) limits.
const (
	DefaultMaxDepth      = 100
	DefaultMaxCandidates = 1000
	DefaultMaxSteps      = 100000
)

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = DefaultMaxCandidates
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	return o
}

// Selected is one package of a resolution.
type Selected struct {
	Package
	// Requested is true when the package satisfies one of the requests (by its name, or as the
	// provider or replacement chosen for it), false when it is only a dependency.
	Requested bool
}
