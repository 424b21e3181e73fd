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
//     first demand on a name at that depth is the one its package is recorded as satisfying),
//     except that names only a stand-in selected for another reason can satisfy (see below) come
//     last; each decision tries the candidates in order. Three things prune the search without
//     changing its result, which is always the one plain backtracking in candidate order finds:
//     after every decision it checks that every name still needing a package has a candidate
//     left (forward checking); when a name runs out it jumps back to the latest decision that
//     contributed to the failure (conflict-directed backjumping); and it remembers each failure's
//     set of responsible packages, which can never all be selected together, so that the same
//     dead end is not explored again under unrelated choices (learned nogoods). On the layered
//     test stores of bench_test.go, backjumping alone needs up to two million candidate tries
//     where plain backtracking gives up; with learning it needs at most a few tens of thousands.
//     The order of names matters only where two names' first choices exclude each other and
//     either could give way: it picks which of the valid resolutions is found. Whether one
//     exists never depends on names, and where no such choice arises neither does what
//     satisfies each request (rename_test.go).
//   - Cycles (A needs B, B needs A) are allowed and resolve like any other dependencies: once A
//     is selected, B's dependency on A is a constraint on the selected A. Upstream's docs call
//     cycles errors; its code accepts them; packages in the wild have them.
//   - Stand-ins (provides, replaces). Upstream documents provides as "virtual packages this
//     package provides" and replaces as "packages this one obsoletes" (MANIFEST_FORMAT.md), and
//     its greedy resolver lets an already resolved provider satisfy a virtual name, or removes a
//     package its replacement meets — which way it goes depending on hash order (axiom-model.md
//     §3.2). This package keeps the intent, in a form no order can change. A package stands in
//     for a name N when it provides N, or when it replaces N with a relation admitting every
//     version of N in the store (so new, replacing only old <2.0.0, does not stand in for old
//     while old 2.0.0 exists; it still is never selected with old 1.x). A stand-in satisfies only
//     demands that admit any version: virtual names have no versions.
//   - Stand-ins for real names. A name the store has packages of is satisfied by one of them
//     whenever one can be selected: a stand-in selected anyway does not pre-empt it ({busybox
//     providing sh, sh} gives both, whatever busybox is called). Only when none can be selected
//     does a stand-in take the name's place, and only if all its stand-ins are packages of one
//     name (newest first); the stand-in may be one selected already.
//   - Stand-ins for virtual names. A virtual name (no package has it) is satisfied by any
//     selected stand-in. If none is selected and all its stand-ins are packages of one name, the
//     newest that fits is chosen for it. If its stand-ins have several names, none is chosen for
//     it — choosing would mean choosing by name, which upstream leaves to registration order and
//     this package will not — so it is decided last and satisfied only by a stand-in selected for
//     another reason; otherwise resolution fails saying which packages provide it, so that the
//     profile can request one (upstream declares VirtualPackageAmbiguous for this, but never
//     raises it).
//   - Conflicts. Two packages are never both selected when either one's Conflicts has a
//     relation naming the other whose constraint admits the other's version. Relations name
//     real packages: a conflict with a virtual name does not reach its providers.
//   - Replaces excludes as a conflict does: when A replaces B with a relation admitting B's
//     version, A and B are never both selected.
//   - Requested. A selected package is Requested when it satisfies a request: by its name, as
//     the stand-in chosen for it, or (for a virtual name) as a selected stand-in of it.
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
// search looks at, counting the packages of the name that every demand on it admits, and its
// stand-ins where they may be chosen. The context covers indexing the store as well as the
// search (the caller's deadline is one budget), and a timeout says which of them it ended.
//
// Check tells whether a given selection (a lock, say) is still a valid resolution of the
// requests under the same rules, without resolving again.
package resolve
