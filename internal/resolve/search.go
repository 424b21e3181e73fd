package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// demand is one constraint on a name: a request, or a dependency of a selected package.
type demand struct {
	id    int // of the name it constrains
	c     version.Constraint
	from  *sel // the selected package that depends on the name; nil for a request
	depth int  // 1 for a request, from.via.depth+1 for a dependency
}

// level is the decision level the demand exists because of: its package's, or -1 for a request.
func (d *demand) level() int {
	if d.from == nil {
		return -1
	}
	return d.from.level
}

// sel is one decision: a package selected, at a level, to satisfy the demand via. A fill is a
// decision that selects nothing new: a package already selected (for its own name) is chosen as
// the stand-in for via's name.
type sel struct {
	c         *cand
	level     int
	via       *demand
	activeLen int // len(solver.active) before the package's dependencies were added
	fill      bool
}

// solver holds the state of one resolution. The per-name slices (selected, demands, versioned,
// provided, excluders, mark) are indexed by name id.
type solver struct {
	ctx      context.Context
	opt      Options
	root     string
	backjump bool // conflict-directed backjumping
	learning bool // remembering dead ends as nogoods
	u        *universe
	start    time.Time     // when Resolve was called
	indexing time.Duration // how long indexing the universe took, before the search

	stack     []*sel      // decisions, by level
	selected  []*sel      // the package selected for a name
	demands   [][]*demand // active demands on a name, oldest first
	versioned []int       // how many of them admit only some versions
	active    []*demand   // every active demand, oldest first
	provided  []int       // how many selected packages stand in for a name
	standIn   []*sel      // the stand-in chosen for a name, when one was
	excluders [][]*sel    // selected packages whose conflicts or replaces name a name

	// admitted counts, for a name, its packages every demand on it admits, as of demandGen.
	admitted   []int
	admittedAt []int
	demandGen  []int

	mark []int // forwardCheckAll's visited names, by generation
	gen  int

	// nogoods lists, for a package (by idx), the learned sets of packages it belongs to that
	// cannot all be selected together.
	nogoods [][]*nogood

	steps     int
	best      *Error // the deepest failure so far
	bestDepth int
}

func newSolver(ctx context.Context, root string, u *universe, opt Options, backjump bool) *solver {
	n := len(u.names)
	s := &solver{
		ctx:        ctx,
		opt:        opt.withDefaults(),
		root:       root,
		backjump:   backjump,
		learning:   backjump,
		u:          u,
		start:      time.Now(),
		selected:   make([]*sel, n),
		demands:    make([][]*demand, n),
		versioned:  make([]int, n),
		provided:   make([]int, n),
		standIn:    make([]*sel, n),
		excluders:  make([][]*sel, n),
		admitted:   make([]int, n),
		admittedAt: make([]int, n),
		demandGen:  make([]int, n),
		mark:       make([]int, n),
		nogoods:    make([][]*nogood, u.count),
	}
	for i := range s.admittedAt {
		s.admittedAt[i] = -1
	}
	return s
}

func (s *solver) pushDemand(id int, c version.Constraint, from *sel, depth int) {
	d := &demand{id: id, c: c, from: from, depth: depth}
	s.demands[id] = append(s.demands[id], d)
	if !c.IsAny() {
		s.versioned[id]++
	}
	s.demandGen[id]++
	s.active = append(s.active, d)
}

// unsatisfied reports whether the demands on a name still need a package. A package of that
// name satisfies them (push and reject keep every demand matching it). Otherwise a versioned
// demand needs one; and without one, a name the universe has packages of needs one of them or
// the stand-in chosen for it, while a virtual name is satisfied by any selected stand-in.
func (s *solver) unsatisfied(id int) bool {
	switch {
	case s.selected[id] != nil:
		return false
	case s.versioned[id] > 0:
		return true
	case s.u.isReal(id):
		return s.standIn[id] == nil
	}
	return s.provided[id] == 0
}

// deferred reports whether a name can only be satisfied by a stand-in selected for some other
// reason: a virtual name whose stand-ins belong to several package names (so none is chosen for
// it), demanded with any version. It is decided last, when nothing else is left to select.
func (s *solver) deferred(id int) bool {
	return !s.u.isReal(id) && s.u.ambiguous[id] && s.versioned[id] == 0
}

// next chooses the unsatisfied name to decide next: the one demanded closest to the root, then
// by name, names that are deferred coming after all others. It returns that name's earliest
// demand at that depth, the one the chosen package is recorded as satisfying.
func (s *solver) next() (via *demand) {
	names := s.u.names
	var last *demand
	for _, d := range s.active {
		if !s.unsatisfied(d.id) {
			continue
		}
		p := &via
		if s.deferred(d.id) {
			p = &last
		}
		if *p == nil || d.depth < (*p).depth || d.depth == (*p).depth && names[d.id] < names[(*p).id] {
			*p = d
		}
	}
	if via == nil {
		return last
	}
	return via
}

// candidates returns the packages that may satisfy the demands on a name, in the order they are
// tried: the real packages of that name, then (when every demand on it admits any version and
// its stand-ins are all of one package name) its stand-ins. Options.MaxCandidates bounds how
// many of them the demands admit.
func (s *solver) candidates(id int) (real, virtual []*cand, err error) {
	real = s.u.byName[id]
	if s.versioned[id] == 0 && !s.u.ambiguous[id] {
		virtual = s.u.virtual[id]
	}
	if n := s.admittedCount(id) + len(virtual); n > s.opt.MaxCandidates {
		return nil, nil, &LimitError{Limit: ErrCandidateLimit, Msg: fmt.Sprintf(
			"%d packages are candidates for %q, more than the limit of %d (Options.MaxCandidates)", n, s.u.names[id], s.opt.MaxCandidates)}
	}
	return real, virtual, nil
}

// admittedCount returns how many packages of a name every demand on it admits.
func (s *solver) admittedCount(id int) int {
	if s.admittedAt[id] == s.demandGen[id] {
		return s.admitted[id]
	}
	n := 0
	for _, p := range s.u.byName[id] {
		if !slices.ContainsFunc(s.demands[id], func(d *demand) bool { return !d.c.Match(p.Version) }) {
			n++
		}
	}
	s.admitted[id], s.admittedAt[id] = n, s.demandGen[id]
	return n
}

// pool returns the packages the forward check looks among for a name: its candidates, or, for a
// deferred name, every stand-in (one may yet be selected for another reason).
func (s *solver) pool(id int) (real, virtual []*cand, err error) {
	if s.deferred(id) {
		return nil, s.u.virtual[id], nil
	}
	return s.candidates(id)
}

// rejectKind says why a candidate cannot be selected now.
type rejectKind uint8

const (
	nameTaken   rejectKind = iota + 1 // another package of its name is selected
	ruledOut                          // a demand on its name does not admit its version
	conflicts                         // it and a selected package conflict (either declares it)
	replaces                          // it and a selected package replace one another
	depMismatch                       // a dependency of it does not admit the selected package of that name
	selfDep                           // it depends on its own name with a constraint its version fails
	learned                           // it would complete a nogood
)

// nogood is a set of packages learned not to be selectable together: a dead end's conflict set.
// Whatever else is selected, a resolution cannot hold them all, because each rejection the
// conflict set stands for is a property of the packages themselves (their versions, their
// relations, the demands they make), not of the search path that met them.
type nogood struct {
	members []*cand
}

// rejection is the reason a candidate cannot be selected with the current decisions.
type rejection struct {
	kind   rejectKind
	by     *sel    // the selected package involved
	dem    *demand // ruledOut: the demand
	rel    idRel   // conflicts, replaces, depMismatch, selfDep: the relation
	itSays bool    // conflicts, replaces: the candidate declares the relation (not by)
	ng     *nogood // learned: the nogood
}

// addLevels adds the decisions the rejection depends on to cs.
func (s *solver) addLevels(r rejection, cs *levels) {
	switch r.kind {
	case ruledOut:
		cs.add(r.dem.level())
	case selfDep:
	case learned:
		for _, m := range r.ng.members {
			if n := s.selected[m.id]; n != nil && n.c == m {
				cs.add(n.level)
			}
		}
	default:
		cs.add(r.by.level)
	}
}

// reject reports why p cannot be selected for the name id now, if it cannot. A stand-in that is
// already selected can always be chosen (as a fill).
func (s *solver) reject(p *cand, id int) (rejection, bool) {
	if p.id != id {
		if q := s.selected[p.id]; q != nil {
			if q.c == p {
				return rejection{}, false
			}
			return rejection{kind: nameTaken, by: q}, true
		}
	}
	for _, d := range s.demands[p.id] {
		if !d.c.Match(p.Version) {
			return rejection{kind: ruledOut, dem: d}, true
		}
	}
	for _, k := range [2]rejectKind{conflicts, replaces} {
		rels := p.conflicts
		if k == replaces {
			rels = p.replaces
		}
		for _, r := range rels {
			if q := s.selected[r.id]; q != nil && r.id != p.id && r.c.Match(q.c.Version) {
				return rejection{kind: k, by: q, rel: r, itSays: true}, true
			}
		}
	}
	for _, q := range s.excluders[p.id] {
		for _, k := range [2]rejectKind{conflicts, replaces} {
			rels := q.c.conflicts
			if k == replaces {
				rels = q.c.replaces
			}
			for _, r := range rels {
				if r.id == p.id && r.c.Match(p.Version) {
					return rejection{kind: k, by: q, rel: r}, true
				}
			}
		}
	}
	for _, e := range p.depends {
		if e.id == p.id {
			if !e.c.Match(p.Version) {
				return rejection{kind: selfDep, rel: e}, true
			}
			continue
		}
		if q := s.selected[e.id]; q != nil && !e.c.Match(q.c.Version) {
			return rejection{kind: depMismatch, by: q, rel: e}, true
		}
	}
	for _, ng := range s.nogoods[p.idx] {
		if s.completes(ng, p) {
			return rejection{kind: learned, ng: ng}, true
		}
	}
	if q := s.standIn[p.id]; q != nil {
		// p's name is filled by a stand-in (chosen after each package of the name was rejected or
		// failed): one package per name. Checked last, so that a reason of p's own, which holds
		// whatever is chosen at q's level, comes first.
		return rejection{kind: nameTaken, by: q}, true
	}
	return rejection{}, false
}

// completes reports whether every member of ng other than p is selected.
func (s *solver) completes(ng *nogood, p *cand) bool {
	for _, m := range ng.members {
		if m != p {
			if n := s.selected[m.id]; n == nil || n.c != m {
				return false
			}
		}
	}
	return true
}

// learn records the packages selected at the levels in cs as a nogood.
func (s *solver) learn(cs levels) {
	var ng nogood
	for l := range s.stack {
		if cs.has(l) {
			ng.members = append(ng.members, s.stack[l].c)
		}
	}
	if len(ng.members) == 0 {
		return // nothing can be selected alongside the requests: the search is over anyway
	}
	for _, m := range ng.members {
		s.nogoods[m.idx] = append(s.nogoods[m.idx], &ng)
	}
}

// push selects p for the demand via, at the next level, and adds its dependencies as demands.
// When p is already selected (a stand-in chosen for via's name), it records that choice only.
func (s *solver) push(p *cand, via *demand) int {
	n := &sel{c: p, level: len(s.stack), via: via, activeLen: len(s.active)}
	s.stack = append(s.stack, n)
	if p.id != via.id {
		s.standIn[via.id] = n
	}
	if s.selected[p.id] != nil {
		n.fill = true
		return n.level
	}
	s.selected[p.id] = n
	for _, v := range p.standsFor {
		s.provided[v]++
	}
	for _, x := range p.excludes {
		s.excluders[x] = append(s.excluders[x], n)
	}
	for _, e := range p.depends {
		s.pushDemand(e.id, e.c, n, via.depth+1)
	}
	return n.level
}

// pop undoes the last push.
func (s *solver) pop() {
	n := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	if n.c.id != n.via.id {
		s.standIn[n.via.id] = nil
	}
	if n.fill {
		return
	}
	p := n.c
	for i := len(p.depends) - 1; i >= 0; i-- {
		e := p.depends[i]
		s.demands[e.id] = s.demands[e.id][:len(s.demands[e.id])-1]
		if !e.c.IsAny() {
			s.versioned[e.id]--
		}
		s.demandGen[e.id]++
	}
	s.active = s.active[:n.activeLen]
	for _, x := range p.excludes {
		s.excluders[x] = s.excluders[x][:len(s.excluders[x])-1]
	}
	for _, v := range p.standsFor {
		s.provided[v]--
	}
	s.selected[p.id] = nil
}

// viable reports whether some candidate for a name can be selected now.
func (s *solver) viable(id int) (bool, error) {
	real, virtual, err := s.pool(id)
	if err != nil {
		return false, err
	}
	for _, list := range [2][]*cand{real, virtual} {
		for _, p := range list {
			if _, rejected := s.reject(p, id); !rejected {
				return true, nil
			}
		}
	}
	return false, nil
}

// forwardCheckAll looks, among every name that has demands, for one that needs a package but has
// no candidate left. If there is one, it records the failure and returns the decisions that
// caused it.
func (s *solver) forwardCheckAll() (levels, bool, error) {
	s.gen++
	var ids []int
	for _, d := range s.active {
		if s.mark[d.id] != s.gen {
			s.mark[d.id] = s.gen
			ids = append(ids, d.id)
		}
	}
	slices.Sort(ids)
	return s.forwardCheck(ids)
}

// forwardCheck is forwardCheckAll limited to the names in ids. After selecting a package,
// universe.affects of its name are the only names whose candidates can have changed. When
// several names are left without a candidate, it returns the conflict set that reaches furthest
// back (the smallest latest level), so that backjumping skips the most decisions; it records
// each of them for the explanation.
func (s *solver) forwardCheck(ids []int) (levels, bool, error) {
	var best levels
	failed := false
	for _, id := range ids {
		if len(s.demands[id]) == 0 || !s.unsatisfied(id) {
			continue
		}
		ok, err := s.viable(id)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			s.record(id)
			cs := s.conflictSet(id)
			if !failed || cs.max() < best.max() {
				best, failed = cs, true
			}
		}
	}
	return best, failed, nil
}

// needed returns the decisions that make a name need a package from its candidates: the
// earliest one its demands come from (none if it is requested), and, when a versioned demand
// keeps its providers out, the earliest such demand's.
func (s *solver) needed(id int) levels {
	var cs levels
	first, firstVersioned := s.demands[id][0].level(), -2
	for _, d := range s.demands[id] {
		first = min(first, d.level())
		if !d.c.IsAny() && (firstVersioned == -2 || d.level() < firstVersioned) {
			firstVersioned = d.level()
		}
	}
	cs.add(first)
	if firstVersioned != -2 && len(s.u.virtual[id]) > 0 {
		cs.add(firstVersioned)
	}
	return cs
}

// conflictSet returns the decisions that leave a name without a candidate: those that make it
// needed, and those each candidate's rejection depends on. No selection that keeps them can
// satisfy the name, which is what lets the search jump back over the decisions in between.
func (s *solver) conflictSet(id int) levels {
	cs := s.needed(id)
	real, virtual, _ := s.pool(id) // the limit was checked by viable
	for _, list := range [2][]*cand{real, virtual} {
		for _, p := range list {
			if r, rejected := s.reject(p, id); rejected {
				s.addLevels(r, &cs)
			}
		}
	}
	return cs
}

// search decides unsatisfied names one at a time, depth first, trying candidates in order. It
// returns true with the state holding a complete resolution, or false with the levels its
// failure depends on. With backjumping, a frame whose own decision is not among them returns at
// once, since no other choice of its could help (conflict-directed backjumping).
func (s *solver) search() (bool, levels, error) {
	via := s.next()
	if via == nil {
		return true, nil, nil
	}
	if via.depth > s.opt.MaxDepth {
		return false, nil, s.depthError(via)
	}
	if s.deferred(via.id) {
		// Nothing else is left to select, and no stand-in was selected for another reason: this
		// branch cannot satisfy the name. That depends on every decision made.
		s.record(via.id)
		var cs levels
		for l := range s.stack {
			cs.add(l)
		}
		if s.learning {
			s.learn(cs)
		}
		return false, cs, nil
	}
	real, virtual, err := s.candidates(via.id)
	if err != nil {
		return false, nil, err
	}
	cs := s.needed(via.id)
	tried := false
	for _, list := range [2][]*cand{real, virtual} {
		for _, p := range list {
			if err := s.tick(); err != nil {
				return false, nil, err
			}
			if r, rejected := s.reject(p, via.id); rejected {
				s.addLevels(r, &cs)
				continue
			}
			tried = true
			lvl := s.push(p, via)
			var sub levels
			var failed bool
			if !s.stack[lvl].fill { // a fill changes no other name's candidates
				if sub, failed, err = s.forwardCheck(s.u.affects[p.id]); err != nil {
					return false, nil, err
				}
			}
			if failed && s.learning {
				s.learn(sub)
			}
			if !failed {
				var ok bool
				ok, sub, err = s.search()
				if err != nil || ok {
					return ok, nil, err
				}
			}
			s.pop()
			if s.backjump && !sub.has(lvl) {
				return false, sub, nil
			}
			cs.merge(sub, lvl)
		}
	}
	if !tried { // not reached while the forward check keeps its invariant
		s.record(via.id)
	}
	if s.learning {
		s.learn(cs)
	}
	return false, cs, nil
}

// tick counts one candidate try against MaxSteps and looks at the context now and then.
func (s *solver) tick() error {
	s.steps++
	if s.steps > s.opt.MaxSteps {
		msg := fmt.Sprintf("resolution gave up after %d candidate tries (Options.MaxSteps)", s.opt.MaxSteps)
		if s.best != nil {
			msg += "; the deepest conflict so far: " + s.best.Error()
		}
		return &LimitError{Limit: ErrStepLimit, Msg: msg}
	}
	if s.steps%64 == 0 {
		return s.checkContext()
	}
	return nil
}

func (s *solver) checkContext() error {
	if s.ctx.Err() == nil {
		return nil
	}
	return contextError(s.ctx, s.root, s.start, s.indexing, false, s.u.count)
}

// contextError is the error for a resolution that started at start and whose ctx is done, while
// indexing the universe of n packages or (after indexing took the given time) in the search.
func contextError(ctx context.Context, root string, start time.Time, indexing time.Duration, inIndex bool, n int) error {
	err := ctx.Err()
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("resolution of %s stopped: %w", root, err)
	}
	dl, ok := ctx.Deadline()
	var msg string
	switch {
	case !ok || !dl.After(start):
		msg = "resolution's deadline had passed before it started"
	case inIndex:
		msg = fmt.Sprintf("resolution took longer than %s: the deadline passed while indexing the %d packages of the store, before the search began",
			dl.Sub(start).Round(time.Millisecond), n)
	default:
		msg = fmt.Sprintf("resolution took longer than %s (indexing the %d packages of the store took %s of it, the search the rest)",
			dl.Sub(start).Round(time.Millisecond), n, indexing.Round(time.Millisecond))
	}
	return &LimitError{Limit: ErrTimeout, Msg: msg, cause: err}
}

// failure is the error for a search that found no resolution.
func (s *solver) failure() error {
	if s.best == nil { // not reached: forwardCheck records every failure
		return &Error{Chain: []string{s.root}, Reason: "no selection satisfies every constraint"}
	}
	return s.best
}

// result lists the selected packages by name, marking those that satisfy a request: the package
// of its name, or the stand-in chosen for it, or (for a virtual name) every selected stand-in.
func (s *solver) result(reqs []Request) []Selected {
	requested := map[*cand]bool{}
	for _, r := range reqs {
		id := s.u.ids[r.Name]
		switch {
		case s.selected[id] != nil:
			requested[s.selected[id].c] = true
		case s.standIn[id] != nil:
			requested[s.standIn[id].c] = true
		default:
			for _, p := range s.u.virtual[id] {
				if n := s.selected[p.id]; n != nil && n.c == p {
					requested[p] = true
				}
			}
		}
	}
	out := make([]Selected, 0, len(s.stack))
	for _, n := range s.stack {
		if !n.fill {
			out = append(out, Selected{Package: n.c.Package, Requested: requested[n.c]})
		}
	}
	slices.SortFunc(out, func(a, b Selected) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// levels is a set of decision levels.
type levels []uint64

func (l *levels) add(i int) {
	if i < 0 {
		return
	}
	for len(*l) <= i/64 {
		*l = append(*l, 0)
	}
	(*l)[i/64] |= 1 << (i % 64)
}

func (l levels) has(i int) bool {
	return i >= 0 && i/64 < len(l) && l[i/64]&(1<<(i%64)) != 0
}

// max returns the highest level in l, or -1 when l is empty.
func (l levels) max() int {
	for w := len(l) - 1; w >= 0; w-- {
		if l[w] != 0 {
			return w*64 + 63 - bits.LeadingZeros64(l[w])
		}
	}
	return -1
}

// merge adds o's levels to l, except one.
func (l *levels) merge(o levels, except int) {
	for len(*l) < len(o) {
		*l = append(*l, 0)
	}
	for w, bits := range o {
		if except >= 0 && except/64 == w {
			bits &^= 1 << (except % 64)
		}
		(*l)[w] |= bits
	}
}
