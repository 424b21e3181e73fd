package resolve

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// The search works on small integers rather than names: every name that occurs anywhere (in
// a package, a relation or a request) gets an id, and the solver's state is slices indexed by it.

// idRel is a Relation with its name's id.
type idRel struct {
	id int
	c  version.Constraint
}

// cand is a package of the universe as the search sees it: normalised (its slices are its own,
// sorted and without duplicates) and with ids for every name it mentions.
type cand struct {
	Package
	idx       int // position among the universe's packages
	id        int
	depends   []idRel
	conflicts []idRel
	replaces  []idRel
	// standsFor are the names, other than its own, it provides or replaces (each once).
	standsFor []int
	// excludes are the names, other than its own, its conflicts or replaces name (each once).
	excludes []int
}

// universe indexes the packages by name and by the virtual names they stand in for.
type universe struct {
	names []string       // by id
	ids   map[string]int // by name
	// byName lists, for a name, its packages in candidate order.
	byName [][]*cand
	count  int // packages (after collapsing duplicates)
	// virtual lists, for a name, its stand-ins: the packages of other names that provide it, or
	// replace it with a relation admitting every version of it the universe holds, by package
	// name and then candidate order.
	virtual [][]*cand
	// ambiguous tells, for a name, that its stand-ins belong to more than one package name, so
	// that choosing one would mean choosing by name: such stand-ins are never chosen for it (see
	// the package documentation).
	ambiguous []bool
	// ambiguousVersion and ambiguousRev tell which versions (and version-revisions) of a name
	// have several packages, so that explanations name the revision (and build) only where it
	// matters.
	ambiguousVersion map[pkgVersion]bool
	ambiguousRev     map[pkgRev]bool
	// affects lists, for a name, the names whose candidates selecting a package of that name
	// can rule out (see link); the forward check after a selection looks at these only.
	affects [][]int
}

type pkgVersion struct {
	name string
	v    version.Version
}

type pkgRev struct {
	pkgVersion
	rev uint32
}

// id returns name's id, giving it one if it has none.
func (u *universe) id(name string) int {
	if id, ok := u.ids[name]; ok {
		return id
	}
	id := len(u.names)
	u.names = append(u.names, name)
	u.ids[name] = id
	u.byName = append(u.byName, nil)
	u.virtual = append(u.virtual, nil)
	return id
}

func (u *universe) idRels(rs []Relation) []idRel {
	if len(rs) == 0 {
		return nil
	}
	out := make([]idRel, len(rs))
	for i, r := range rs {
		out[i] = idRel{id: u.id(r.Name), c: r.Constraint}
	}
	return out
}

// compareCand is the candidate order: by name, then newest version first, then highest
// revision, then build-id ascending.
func compareCand(a, b *Package) int {
	return cmp.Or(
		cmp.Compare(a.Name, b.Name),
		b.Version.Compare(a.Version),
		cmp.Compare(b.Revision, a.Revision),
		cmp.Compare(a.BuildID, b.BuildID),
	)
}

// compareRelation orders relations by name, then by constraint text (rendered only for equal
// names: it is the costly part).
func compareRelation(a, b Relation) int {
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.Constraint.String(), b.Constraint.String())
}

// normalizePackage returns a copy of p whose slices are fresh, sorted and free of duplicates,
// so that neither the caller's slices nor their order can influence the result.
func normalizePackage(p Package) Package {
	p.Depends = sortedRelations(p.Depends)
	p.Conflicts = sortedRelations(p.Conflicts)
	p.Replaces = sortedRelations(p.Replaces)
	if len(p.Provides) > 0 {
		p.Provides = slices.Compact(slices.Sorted(slices.Values(p.Provides)))
	} else {
		p.Provides = nil
	}
	return p
}

func sortedRelations(rs []Relation) []Relation {
	if len(rs) == 0 {
		return nil
	}
	out := slices.Clone(rs)
	slices.SortFunc(out, compareRelation)
	return slices.Compact(out)
}

func samePackage(a, b *Package) bool {
	return compareCand(a, b) == 0 &&
		slices.Equal(a.Depends, b.Depends) && slices.Equal(a.Conflicts, b.Conflicts) &&
		slices.Equal(a.Replaces, b.Replaces) && slices.Equal(a.Provides, b.Provides)
}

// newUniverse validates and indexes pkgs. Identical duplicates collapse into one; two packages
// with the same name, version, revision and build-id but different metadata are an error. ctx is
// looked at now and then, since a large store takes a while: a cancelled or expired ctx ends the
// indexing with its error.
func newUniverse(ctx context.Context, pkgs []Package) (*universe, error) {
	norm, err := normalizeAll(ctx, pkgs)
	if err != nil {
		return nil, err
	}
	u := &universe{
		ids:              map[string]int{},
		ambiguousVersion: map[pkgVersion]bool{},
		ambiguousRev:     map[pkgRev]bool{},
	}
	all, err := u.addCandidates(norm)
	if err != nil {
		return nil, err
	}
	if err := u.addVirtuals(ctx, all); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	u.link()
	return u, nil
}

// normalizeAll checks and normalizes every package and sorts them in candidate order.
func normalizeAll(ctx context.Context, pkgs []Package) ([]Package, error) {
	norm := make([]Package, 0, len(pkgs))
	for i, p := range pkgs {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := checkPackage(&p); err != nil {
			return nil, err
		}
		norm = append(norm, normalizePackage(p))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(norm, func(a, b Package) int { return compareCand(&a, &b) })
	return norm, nil
}

// addCandidates makes a candidate of each package of norm (in candidate order), dropping
// identical duplicates and noting the ambiguous versions and revisions.
func (u *universe) addCandidates(norm []Package) ([]*cand, error) {
	var prev *Package
	var all []*cand
	for i := range norm {
		p := &norm[i]
		if prev != nil && compareCand(prev, p) == 0 {
			if !samePackage(prev, p) {
				return nil, fmt.Errorf("%w: %s %s revision %d build %q is listed twice with different metadata",
					ErrInvalidInput, p.Name, p.Version, p.Revision, p.BuildID)
			}
			continue // an identical duplicate
		}
		if prev != nil && prev.Name == p.Name && prev.Version == p.Version {
			u.ambiguousVersion[pkgVersion{p.Name, p.Version}] = true
			if prev.Revision == p.Revision {
				u.ambiguousRev[pkgRev{pkgVersion{p.Name, p.Version}, p.Revision}] = true
			}
		}
		prev = p
		c := &cand{
			Package:   *p,
			idx:       u.count,
			id:        u.id(p.Name),
			depends:   u.idRels(p.Depends),
			conflicts: u.idRels(p.Conflicts),
			replaces:  u.idRels(p.Replaces),
		}
		for _, rs := range [2][]idRel{c.conflicts, c.replaces} {
			for _, r := range rs {
				c.excludes = append(c.excludes, r.id)
			}
		}
		c.excludes = uniqueOthers(c.excludes, c.id)
		u.count++
		u.byName[c.id] = append(u.byName[c.id], c)
		all = append(all, c)
	}
	return all, nil
}

// addVirtuals works out what each candidate stands in for. That depends on every version of
// the names it replaces, so it is done once all packages are known. Candidates are in candidate
// order, so each virtual list is too.
func (u *universe) addVirtuals(ctx context.Context, all []*cand) error {
	for i, c := range all {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, v := range c.Provides {
			c.standsFor = append(c.standsFor, u.id(v))
		}
		for _, r := range c.replaces {
			if u.covers(r) {
				c.standsFor = append(c.standsFor, r.id)
			}
		}
		c.standsFor = uniqueOthers(c.standsFor, c.id)
		for _, v := range c.standsFor {
			u.virtual[v] = append(u.virtual[v], c)
		}
	}
	u.ambiguous = make([]bool, len(u.names))
	for id, vs := range u.virtual {
		u.ambiguous[id] = slices.ContainsFunc(vs, func(c *cand) bool { return c.id != vs[0].id })
	}
	return nil
}

// covers reports whether a replaces relation admits every version of its name in the universe
// (and so whether the replacing package may stand in for that name): a package that replaces only
// old <2.0.0 does not stand in for old while old 2.0.0 exists.
func (u *universe) covers(r idRel) bool {
	return !slices.ContainsFunc(u.byName[r.id], func(q *cand) bool { return !r.c.Match(q.Version) })
}

// grow extends the per-name slices to names added since newUniverse (requests for names no
// package mentions).
func (u *universe) grow() {
	for len(u.ambiguous) < len(u.names) {
		u.ambiguous = append(u.ambiguous, false)
	}
	for len(u.affects) < len(u.names) {
		u.affects = append(u.affects, nil)
	}
}

// isReal reports whether some package of the universe has the name (it is not a virtual name).
func (u *universe) isReal(id int) bool { return len(u.byName[id]) > 0 }

// link computes, for every name, affects: the names some candidate of which selecting a package
// of that name can make unselectable. A candidate c is a candidate for its own name and for the
// names it stands for (c.standsFor); selecting p rules c out when
//
//   - c has p's name but stands in for another name (one package per name);
//   - p depends on c's name (a new constraint on it);
//   - c's conflicts or replaces name p (declared by c), or p's name c (declared by p);
//   - c depends on p's name (its constraint may not admit p's version).
//
// So p affects, for each such c, c's name and the names c stands for. Every other name keeps its
// candidates, so checking these after each selection keeps the forward check's invariant: every
// name that still needs a package has a candidate left. The sets are computed per name (the
// union over its packages), a superset of what each package needs, which is still sound.
func (u *universe) link() {
	n := len(u.names)
	forName := make([][]int, n)  // the names packages named x are candidates for
	depNames := make([][]int, n) // the names packages named x depend on
	excNames := make([][]int, n) // the names packages named x conflict with or replace
	for id, cands := range u.byName {
		forName[id] = []int{id}
		for _, c := range cands {
			forName[id] = append(forName[id], c.standsFor...)
			for _, d := range c.depends {
				depNames[id] = append(depNames[id], d.id)
			}
			excNames[id] = append(excNames[id], c.excludes...)
		}
		forName[id] = sortedUnique(forName[id])
		depNames[id] = sortedUnique(depNames[id])
		excNames[id] = sortedUnique(excNames[id])
	}
	u.affects = make([][]int, n)
	for id := range u.byName {
		if len(u.byName[id]) == 0 {
			continue
		}
		a := u.affects[id]
		a = append(a, forName[id]...)
		for _, d := range depNames[id] {
			a = append(a, forName[d]...)
			u.affects[d] = append(u.affects[d], forName[id]...) // id depends on d
		}
		for _, x := range excNames[id] {
			a = append(a, forName[x]...)
			u.affects[x] = append(u.affects[x], forName[id]...) // id excludes x
		}
		u.affects[id] = a
	}
	for id := range u.affects {
		u.affects[id] = sortedUnique(u.affects[id])
	}
}

func sortedUnique(ids []int) []int {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// uniqueOthers sorts ids and drops duplicates and self.
func uniqueOthers(ids []int, self int) []int {
	ids = sortedUnique(ids)
	if i := slices.Index(ids, self); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		return nil
	}
	return ids
}

func checkPackage(p *Package) error {
	if p.Name == "" {
		return fmt.Errorf("%w: a package has no name", ErrInvalidInput)
	}
	for _, rs := range [][]Relation{p.Depends, p.Conflicts, p.Replaces} {
		for _, r := range rs {
			if r.Name == "" {
				return fmt.Errorf("%w: %s %s has a relation without a name", ErrInvalidInput, p.Name, p.Version)
			}
		}
	}
	if slices.Contains(p.Provides, "") {
		return fmt.Errorf("%w: %s %s provides an empty name", ErrInvalidInput, p.Name, p.Version)
	}
	return nil
}
