package resolve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Renaming packages consistently (every package, virtual and missing name, in packages,
// relations, provides and requests) must not change what satisfies a request: which names are
// real, which stand-ins a name has and whether they are of one name or several are the same
// after renaming, and the rules use nothing else of a name.
//
// The only thing names decide is the documented tie-break: the order in which names at the same
// depth are decided, which matters only when two names' first choices exclude each other and
// either could give way. TestRenamingKeepsSatisfiers uses universes where no such choice exists,
// and requires the same resolution; TestRenamingRandomUniverses uses the general ones, and
// requires the same outcome (solvable or not) and a renamed resolution that is valid for the
// original.

// renamer maps names to new ones, one to one.
type renamer map[string]string

// randRenamer makes a random one-to-one renaming of names, to names that sort differently.
func randRenamer(r *rand.Rand, names []string) renamer {
	perm := r.Perm(len(names))
	m := renamer{}
	for i, n := range names {
		m[n] = fmt.Sprintf("n%02d-%s", perm[i], strings.Repeat("z", r.IntN(3)))
	}
	return m
}

func (m renamer) inverse() renamer {
	inv := renamer{}
	for k, v := range m {
		inv[v] = k
	}
	return inv
}

func (m renamer) rels(rs []Relation) []Relation {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Name = m[out[i].Name]
	}
	return out
}

func (m renamer) pkg(p Package) Package {
	p.Name = m[p.Name]
	p.Depends, p.Conflicts, p.Replaces = m.rels(p.Depends), m.rels(p.Conflicts), m.rels(p.Replaces)
	p.Provides = slices.Clone(p.Provides)
	for i := range p.Provides {
		p.Provides[i] = m[p.Provides[i]]
	}
	return p
}

func (m renamer) apply(reqs []Request, universe []Package) ([]Request, []Package) {
	rr := make([]Request, len(reqs))
	for i, q := range reqs {
		rr[i] = Request{Name: m[q.Name], Constraint: q.Constraint}
	}
	ru := make([]Package, len(universe))
	for i, p := range universe {
		ru[i] = m.pkg(p)
	}
	return rr, ru
}

// allNames lists every name that occurs in reqs and universe.
func allNames(reqs []Request, universe []Package) []string {
	seen := map[string]bool{}
	for _, q := range reqs {
		seen[q.Name] = true
	}
	for _, p := range universe {
		seen[p.Name] = true
		for _, rs := range [][]Relation{p.Depends, p.Conflicts, p.Replaces} {
			for _, r := range rs {
				seen[r.Name] = true
			}
		}
		for _, v := range p.Provides {
			seen[v] = true
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	})
}

// back renames a resolution back and sorts it by name.
func (m renamer) back(sel []Selected) []Selected {
	out := make([]Selected, len(sel))
	for i, s := range sel {
		out[i] = Selected{Package: m.pkg(s.Package), Requested: s.Requested}
	}
	slices.SortFunc(out, func(a, b Selected) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// satisfiers renders, for each request, what satisfies it in a resolution: the package of its
// name, or the selected packages that may stand in for it.
func satisfiers(reqs []Request, sel []Selected, universe []Package) []string {
	sp := newSpec(universe)
	var out []string
	for _, q := range reqs {
		var by []string
		for _, s := range sel {
			if s.Name == q.Name {
				by = []string{s.Name + "=" + s.Version.String()}
				break
			}
			if slices.Contains(sp.standsFor(s.Package), q.Name) {
				by = append(by, s.Name+"="+s.Version.String())
			}
		}
		out = append(out, q.Name+" by "+strings.Join(by, ","))
	}
	return out
}

// standInUniverse makes a universe without choices that names could decide: one version per
// name, dependencies that admit any version, no conflicts, and replacements only by packages
// (r*) that replace one name, stand in for nothing else and are never depended on, so what they
// exclude is fixed by the requests. Stand-ins are everywhere: providers of virtual names (v*,
// often of several names) and of real names, replacements covering their name or not. A virtual
// name with providers of several names is never depended on (only requested): a dependency on
// one makes whether a package fits depend on the rest of the selection, which is a choice again.
func standInUniverse(r *rand.Rand) ([]Request, []Package) {
	names := []string{"a", "b", "c", "d", "e", "f"}[:3+r.IntN(4)]
	virtuals := []string{"v", "w", "x"}
	replacers := []string{"r1", "r2"}
	versionOf := map[string]version.Version{}
	var universe []Package
	for _, name := range names {
		p := Package{Name: name, Version: version.MustParse(randVersions[r.IntN(len(randVersions))]), Revision: 1, BuildID: name}
		versionOf[name] = p.Version
		for range r.IntN(3) {
			target := names[r.IntN(len(names))]
			switch r.IntN(6) {
			case 0:
				target = virtuals[r.IntN(len(virtuals))]
			case 1:
				target = "missing"
			}
			p.Depends = append(p.Depends, rel(target, "*"))
		}
		for range r.IntN(3) {
			if r.IntN(2) == 0 {
				p.Provides = append(p.Provides, virtuals[r.IntN(len(virtuals))])
			} else if other := names[r.IntN(len(names))]; other != name {
				p.Provides = append(p.Provides, other)
			}
		}
		universe = append(universe, p)
	}
	for _, name := range replacers[:r.IntN(3)] {
		target := names[r.IntN(len(names))]
		c := []string{"*", "<" + versionOf[target].String(), ">=" + versionOf[target].String(), "<1.0.0"}[r.IntN(4)]
		p := Package{Name: name, Version: version.MustParse("1.0.0"), Revision: 1, BuildID: name, Replaces: []Relation{rel(target, c)}}
		if r.IntN(2) == 0 {
			p.Depends = append(p.Depends, rel(names[r.IntN(len(names))], "*"))
		}
		universe = append(universe, p)
	}
	sp := newSpec(universe)
	for i := range universe {
		universe[i].Depends = slices.DeleteFunc(universe[i].Depends, func(d Relation) bool { return !sp.real[d.Name] && !sp.oneName(d.Name) })
	}
	pool := append(append(append(slices.Clone(names), virtuals...), replacers...), "missing")
	var reqs []Request
	for range 1 + r.IntN(4) {
		c := "*"
		if r.IntN(6) == 0 {
			c = randConstraints[r.IntN(len(randConstraints))]
		}
		reqs = append(reqs, req(pool[r.IntN(len(pool))], c))
	}
	return reqs, universe
}

// resolveRenamed resolves reqs in universe, then again with every name renamed at random, and
// fails the test unless both succeed or both fail. It returns the first resolution and the
// renamed one named back (ok false when both failed).
func resolveRenamed(t *testing.T, i int, r *rand.Rand, reqs []Request, universe []Package) (got, back []Selected, m renamer, ok bool) {
	t.Helper()
	got, err := Resolve(context.Background(), "dev", reqs, universe, Options{})
	m = randRenamer(r, allNames(reqs, universe))
	rreqs, runiverse := m.apply(reqs, universe)
	rgot, rerr := Resolve(context.Background(), "dev", rreqs, runiverse, Options{})
	if (err == nil) != (rerr == nil) {
		t.Fatalf("case %d: requests %v\nuniverse %+v\nresolves to %s, renamed %s", i, reqs, universe, outcome(got, err), outcome(rgot, rerr))
	}
	if err != nil {
		return nil, nil, m, false
	}
	return got, m.inverse().back(rgot), m, true
}

func TestRenamingKeepsSatisfiers(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	var solved, byStandIn, byReuse int
	for i := range 3000 {
		reqs, universe := standInUniverse(r)
		got, back, m, ok := resolveRenamed(t, i, r, reqs, universe)
		if !ok {
			continue
		}
		solved++
		if !slices.Equal(show(got), show(back)) {
			t.Fatalf("case %d: requests %v\nuniverse %+v\nrenaming %v\nresolves to %q\nrenamed, to %q (named back)\nsatisfiers %q and %q",
				i, reqs, universe, m, show(got), show(back), satisfiers(reqs, got, universe), satisfiers(reqs, back, universe))
		}
		for _, q := range reqs {
			sp := newSpec(universe)
			if !slices.ContainsFunc(got, func(s Selected) bool { return s.Name == q.Name }) && q.Name != "missing" {
				if sp.oneName(q.Name) {
					byStandIn++
				} else {
					byReuse++
				}
			}
		}
	}
	// The generator must exercise the stand-in rules, or the test proves little.
	t.Logf("%d of 3000 solved; requests satisfied by a chosen stand-in %d times, by a selected one of several names %d times", solved, byStandIn, byReuse)
	if solved < 500 || byStandIn < 150 || byReuse < 25 {
		t.Errorf("the generator exercises too little: %d solved, %d stand-ins, %d reused", solved, byStandIn, byReuse)
	}
}

func TestRenamingRandomUniverses(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for i := range 3000 {
		reqs, universe := randUniverse(r)
		_, rback, _, ok := resolveRenamed(t, i, r, reqs, universe)
		if !ok {
			continue
		}
		back := packagesOf(rback)
		if !valid(reqs, back, universe) || Check("dev", reqs, back, universe) != nil {
			t.Fatalf("case %d: requests %v\nuniverse %+v\nthe renamed resolution, named back, %v is not valid", i, reqs, universe, back)
		}
	}
}
