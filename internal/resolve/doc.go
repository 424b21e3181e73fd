// Package resolve selects the packages a profile resolves to: given requests and the packages in
// the store (the universe), it picks one package per name so that every constraint holds.
//
// It owns package selection and nothing else. It is pure: no I/O, no globals, and the clock is
// read only to word a timeout; it imports only the standard library and internal/version
// (callers convert pkgmeta's files into Package values). The same inputs give the same result,
// whatever the order of the requests or of the universe.
//
// # Rules
//
// Upstream's greedy resolver (axiom-model.md §3) picks the newest version of each name as it
// meets it and never looks back: constraints from packages met later are not checked against a
// package already chosen, ties between revisions go to readdir order, virtual names resolve only
// by luck of order, cycles are silently cut, and its resource limits are declared but never
// enforced. This package keeps "newest wins" and fixes the rest:
//
//   - Candidate order. The candidates for a name are tried newest version first, then highest
//     revision, then build-id ascending (a byte-wise string comparison). The result is the first
//     resolution in that order: the search is depth-first and stops at the first complete,
//     consistent selection.
//   - Every constraint holds. Each request, and each dependency of every selected package,
//     constrains its name; a package is selected only if every constraint on its name admits its
//     version, and a constraint arriving later is checked against the package already selected
//     (a mismatch makes the search backtrack). Several constraints on one name all apply.
//   - One package per name.
//   - Search. Names are decided one at a time, closest to the root first, then by name (the
//     first demand on a name at that depth is the one its package is recorded as satisfying);
//     each decision tries the candidates in order. Three things prune the search without
//     changing its result, which is always the one plain backtracking in candidate order finds:
//     after every decision it checks that every name still needing a package has a candidate
//     left (forward checking); when a name runs out it jumps back to the latest decision that
//     contributed to the failure (conflict-directed backjumping); and it remembers each failure's
//     set of responsible packages, which can never all be selected together, so that the same
//     dead end is not explored again under unrelated choices (learned nogoods). On the layered
//     test stores of bench_test.go, backjumping alone needs up to two million candidate tries
//     where plain backtracking gives up; with learning it needs at most a few tens of thousands.
//   - Cycles (A needs B, B needs A) are allowed and resolve like any other dependencies: once A
//     is selected, B's dependency on A is a constraint on the selected A. Upstream's docs call
//     cycles errors; its code accepts them; packages in the wild have them.
//   - Virtual names (provides). A request or dependency for name N that admits any version is
//     satisfied by a selected package named N or by a selected package that provides N. When
//     nothing selected satisfies it, the real packages named N are tried first (candidate
//     order), then the providers of N (by provider name, then candidate order). A constraint
//     that names versions ("N >=2.0") is satisfied only by a package named N: virtual names
//     have no versions.
//   - Conflicts. Two packages are never both selected when either one's Conflicts has a
//     relation naming the other whose constraint admits the other's version. Relations name
//     real packages: a conflict with a virtual name does not reach its providers.
//   - Replaces. When A replaces B (a relation naming B that admits B's version), A and B are
//     never both selected; and A stands in for B like a provider: it may satisfy a request or
//     dependency for B that admits any version, after the real packages named B. Whatever the
//     relation's constraint, A stands in for every version of B it may be asked for this way.
//   - Requested. A selected package is Requested when it satisfies a request: by its name, or
//     as the provider or replacement selected for it.
//   - A package's relations to its own name are ignored, except a dependency on its own name,
//     which its own version must satisfy.
//
// # Failures and limits
//
// When no resolution exists the error is an *Error: the chain of requests and dependencies to
// the deepest failure the search met and its reason, such as
//
//	dev → bash ^5.0.0 → bash 5.2.0 needs readline >=8.0.0 → the store has readline 7.0.0
//
// The search is bounded by Options (chain depth, candidates per name, total candidate tries) and
// by the context's deadline; each bound gives a *LimitError matching its own sentinel
// (ErrDepthLimit, ErrCandidateLimit, ErrStepLimit, ErrTimeout), so a pathological store fails
// clearly instead of hanging the reconciler. The depth counted is that of the chain by which a
// name is first needed (requests are depth 1); the candidate limit applies to each name the
// search looks at, counting its providers where they count.
//
// Check tells whether a given selection (a lock, say) is still a valid resolution of the
// requests under the same rules, without resolving again.
package resolve
