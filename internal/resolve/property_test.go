package resolve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Random universes over a few names, small enough to check by brute force:
//
//   - a resolution satisfies every constraint (checked by valid, written independently of the
//     resolver);
//   - when Resolve finds none, no selection at all is valid (brute force);
//   - backjumping changes nothing: plain backtracking finds the same resolution;
//   - the order of the universe and of the requests changes nothing.

var (
	randNames       = []string{"a", "b", "c", "d", "e", "f"}
	randVirtual     = []string{"v", "w"}
	randVersions    = []string{"1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0"}
	randConstraints = []string{"*", "*", "*", "^1.0.0", "^2.0.0", ">=1.1.0", "<2.0.0", "~1.1.0", "2.0.0", ">=2.0.0,<3.0.0", ">2.0.0"}
)

func randRel(r *rand.Rand, names []string) Relation {
	name := names[r.IntN(len(names))]
	switch r.IntN(30) {
	case 0:
		name = "missing"
	case 1, 2:
		name = randVirtual[r.IntN(len(randVirtual))]
	}
	return rel(name, randConstraints[r.IntN(len(randConstraints))])
}

// randUniverse makes a universe and requests. Relations may name packages the universe lacks
// ("missing") and virtual names.
func randUniverse(r *rand.Rand) ([]Request, []Package) {
	return randUniverseOf(r, randNames[:2+r.IntN(len(randNames)-1)])
}

func randUniverseOf(r *rand.Rand, names []string) ([]Request, []Package) {
	var universe []Package
	for _, name := range names {
		for range 1 + r.IntN(3) {
			pkg := Package{
				Name:     name,
				Version:  version.MustParse(randVersions[r.IntN(len(randVersions))]),
				Revision: uint32(1 + r.IntN(2)),
				BuildID:  string(rune('a' + r.IntN(2))),
			}
			for range r.IntN(3) {
				pkg.Depends = append(pkg.Depends, randRel(r, names))
			}
			if r.IntN(4) == 0 {
				pkg.Provides = append(pkg.Provides, randVirtual[r.IntN(len(randVirtual))])
			}
			if r.IntN(8) == 0 {
				pkg.Provides = append(pkg.Provides, randNames[r.IntN(len(randNames))])
			}
			if r.IntN(5) == 0 {
				pkg.Conflicts = append(pkg.Conflicts, randRel(r, randNames))
			}
			if r.IntN(7) == 0 {
				pkg.Replaces = append(pkg.Replaces, randRel(r, randNames))
			}
			if slices.ContainsFunc(universe, func(q Package) bool { return compareCand(&q, &pkg) == 0 }) {
				continue // same identity, different metadata: invalid input, tested elsewhere
			}
			universe = append(universe, pkg)
			if r.IntN(10) == 0 {
				universe = append(universe, pkg) // an identical duplicate
			}
		}
	}
	var reqs []Request
	for range 1 + r.IntN(3) {
		reqs = append(reqs, Request(randRel(r, names)))
	}
	return reqs, universe
}

// valid is the specification of a resolution, written independently of the resolver's code:
// consistent (every constraint holds) and justified (nothing is selected without a reason).
func valid(reqs []Request, sel, universe []Package) bool {
	sp := newSpec(universe)
	return sp.consistent(reqs, sel) && sp.justified(reqs, sel)
}

// spec answers the questions about a universe the rules ask.
type spec struct {
	real     map[string]bool      // names the universe has packages of
	versions map[string][]Package // its packages, by name
	standIns map[string][]Package // by name: the packages that may stand in for it
}

func newSpec(universe []Package) spec {
	sp := spec{real: map[string]bool{}, versions: map[string][]Package{}, standIns: map[string][]Package{}}
	for _, p := range universe {
		sp.real[p.Name] = true
		sp.versions[p.Name] = append(sp.versions[p.Name], p)
	}
	for _, p := range universe {
		for _, name := range sp.standsFor(p) {
			sp.standIns[name] = append(sp.standIns[name], p)
		}
	}
	return sp
}

// standsFor lists the names p may stand in for: those it provides, and those it replaces with a
// relation that admits every version of them in the universe.
func (sp spec) standsFor(p Package) []string {
	var out []string
	for _, v := range p.Provides {
		if v != p.Name {
			out = append(out, v)
		}
	}
	for _, r := range p.Replaces {
		covers := true
		for _, q := range sp.versions[r.Name] {
			covers = covers && r.Constraint.Match(q.Version)
		}
		if covers && r.Name != p.Name {
			out = append(out, r.Name)
		}
	}
	return out
}

// oneName reports whether a name's stand-ins all have one package name (or there are none).
func (sp spec) oneName(name string) bool {
	ss := sp.standIns[name]
	return !slices.ContainsFunc(ss, func(q Package) bool { return q.Name != ss[0].Name })
}

// consistent: one package per name; no two that conflict or replace one another; every request
// and dependency satisfied, by the selected package of its name (whose version it admits) or,
// when it admits any version, by a selected stand-in — except that a name the universe has
// packages of, whose stand-ins have several names, has none.
func consistent(reqs []Request, sel, universe []Package) bool {
	return newSpec(universe).consistent(reqs, sel)
}

func (sp spec) consistent(reqs []Request, sel []Package) bool {
	byName := map[string]Package{}
	for _, p := range sel {
		if _, dup := byName[p.Name]; dup {
			return false
		}
		byName[p.Name] = p
	}
	ok := func(name string, c version.Constraint) bool {
		if p, has := byName[name]; has {
			return c.Match(p.Version)
		}
		if !c.IsAny() || sp.real[name] && !sp.oneName(name) {
			return false
		}
		for _, p := range sel {
			if slices.Contains(sp.standsFor(p), name) {
				return true
			}
		}
		return false
	}
	for _, q := range reqs {
		if !ok(q.Name, q.Constraint) {
			return false
		}
	}
	for _, p := range sel {
		for _, d := range p.Depends {
			if !ok(d.Name, d.Constraint) {
				return false
			}
		}
		for _, rs := range [][]Relation{p.Conflicts, p.Replaces} {
			for _, r := range rs {
				if q, has := byName[r.Name]; has && r.Name != p.Name && r.Constraint.Match(q.Version) {
					return false
				}
			}
		}
	}
	return true
}

// justified: every selected package is reached from the requests, where a request or dependency
// reaches the selected package of its name, or else the selected stand-in for it when its
// stand-ins have one package name. (With several, none is chosen for the name: it is satisfied
// only by one reached for another reason.)
func (sp spec) justified(reqs []Request, sel []Package) bool {
	byName := map[string]Package{}
	for _, p := range sel {
		byName[p.Name] = p
	}
	reached := map[string]bool{}
	var queue []string
	for _, q := range reqs {
		queue = append(queue, q.Name)
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		target, has := byName[name]
		if !has {
			if ss := sp.standIns[name]; len(ss) > 0 && sp.oneName(name) {
				target, has = byName[ss[0].Name]
				has = has && slices.Contains(sp.standsFor(target), name)
			}
		}
		if !has || reached[target.Name] {
			continue
		}
		reached[target.Name] = true
		for _, d := range target.Depends {
			queue = append(queue, d.Name)
		}
	}
	return len(reached) == len(byName)
}

// anyValid reports whether some selection of universe is valid, trying them all.
func anyValid(reqs []Request, universe []Package) bool {
	byName := map[string][]Package{}
	var names []string
	for _, p := range universe {
		if byName[p.Name] == nil {
			names = append(names, p.Name)
		}
		byName[p.Name] = append(byName[p.Name], p)
	}
	sp := newSpec(universe)
	var sel []Package
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(names) {
			return sp.consistent(reqs, sel) && sp.justified(reqs, sel)
		}
		if try(i + 1) {
			return true
		}
		for _, p := range byName[names[i]] {
			sel = append(sel, p)
			found := try(i + 1)
			sel = sel[:len(sel)-1]
			if found {
				return true
			}
		}
		return false
	}
	return try(0)
}

// outcome renders a result or error for comparisons.
func outcome(sel []Selected, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(show(sel))
}

func TestRandomUniverses(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var solved, unsolvable int
	for i := range 3000 {
		reqs, universe := randUniverse(r)
		checkUniverse(t, i, r, reqs, universe)
		if _, err := Resolve(context.Background(), "dev", reqs, universe, Options{}); err == nil {
			solved++
		} else {
			unsolvable++
		}
	}
	// The generator must exercise both outcomes, or the test proves little.
	t.Logf("%d solved, %d unsolvable", solved, unsolvable)
	if solved < 300 || unsolvable < 300 {
		t.Errorf("%d solved, %d unsolvable of 3000: adjust the generator", solved, unsolvable)
	}
}

// FuzzResolve drives the same checks from fuzzed seeds.
func FuzzResolve(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 42, 1 << 40} {
		f.Add(seed, seed^0x9e3779b97f4a7c15)
	}
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		r := rand.New(rand.NewPCG(s1, s2))
		reqs, universe := randUniverse(r)
		checkUniverse(t, 0, r, reqs, universe)
	})
}

func checkUniverse(t *testing.T, i int, r *rand.Rand, reqs []Request, universe []Package) {
	t.Helper()
	ctx := context.Background()
	describe := func() string { return fmt.Sprintf("case %d: requests %v\nuniverse %+v", i, reqs, universe) }
	got, err := Resolve(ctx, "dev", reqs, universe, Options{})
	var re *Error
	switch {
	case err == nil:
		if !valid(reqs, packagesOf(got), universe) {
			t.Fatalf("%s\nresolution %q violates a constraint or selects a package without a reason", describe(), show(got))
		}
		if err := Check("dev", reqs, packagesOf(got), universe); err != nil {
			t.Fatalf("%s\nCheck rejects the resolution %q: %v", describe(), show(got), err)
		}
		if !slices.IsSortedFunc(got, func(a, b Selected) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("%s\nresolution not sorted by name: %q", describe(), show(got))
		}
		for _, s := range got {
			want := slices.ContainsFunc(reqs, func(q Request) bool { return q.Name == s.Name })
			if want && !s.Requested {
				t.Fatalf("%s\n%s is requested by name but not marked Requested", describe(), s.Name)
			}
		}
	case errors.As(err, &re):
		if anyValid(reqs, universe) {
			t.Fatalf("%s\nResolve failed (%v) but a valid selection exists", describe(), err)
		}
	default:
		t.Fatalf("%s\nunexpected error %v", describe(), err)
	}

	plain, perr := resolve(ctx, "dev", reqs, universe, Options{}, false)
	if (err == nil) != (perr == nil) || err == nil && !slices.Equal(show(got), show(plain)) {
		t.Fatalf("%s\nbackjumping gives %s, plain backtracking %s", describe(), outcome(got, err), outcome(plain, perr))
	}

	sreqs, suniverse := slices.Clone(reqs), slices.Clone(universe)
	r.Shuffle(len(sreqs), func(i, j int) { sreqs[i], sreqs[j] = sreqs[j], sreqs[i] })
	r.Shuffle(len(suniverse), func(i, j int) { suniverse[i], suniverse[j] = suniverse[j], suniverse[i] })
	for k := range suniverse {
		q := &suniverse[k]
		q.Depends = slices.Clone(q.Depends)
		slices.Reverse(q.Depends)
	}
	shuffled, serr := Resolve(ctx, "dev", sreqs, suniverse, Options{})
	if outcome(got, err) != outcome(shuffled, serr) {
		t.Fatalf("%s\nshuffled inputs give %s; original %s", describe(), outcome(shuffled, serr), outcome(got, err))
	}
}

// largerUniverse makes a universe of 14 names with 2 to 4 versions each and looser constraints
// than randUniverse, so that most are solvable but take backtracking.
func largerUniverse(r *rand.Rand) ([]Request, []Package) {
	var names []string
	for i := range 14 {
		names = append(names, fmt.Sprintf("n%02d", i))
	}
	loose := []string{"*", "*", "*", "*", "^1.0.0", "^2.0.0", ">=1.1.0", "<2.0.0"}
	var universe []Package
	for _, name := range names {
		perm := r.Perm(len(randVersions))
		for _, vi := range perm[:2+r.IntN(3)] {
			pkg := Package{Name: name, Version: version.MustParse(randVersions[vi]), Revision: 1, BuildID: "x"}
			for range r.IntN(4) {
				pkg.Depends = append(pkg.Depends, rel(names[r.IntN(len(names))], loose[r.IntN(len(loose))]))
			}
			if r.IntN(8) == 0 {
				pkg.Conflicts = append(pkg.Conflicts, rel(names[r.IntN(len(names))], []string{"*", "^2.0.0", "^1.0.0"}[r.IntN(3)]))
			}
			if r.IntN(12) == 0 {
				pkg.Provides = append(pkg.Provides, names[r.IntN(len(names))])
			}
			if r.IntN(20) == 0 {
				pkg.Replaces = append(pkg.Replaces, rel(names[r.IntN(len(names))], "<2.0.0"))
			}
			universe = append(universe, pkg)
		}
	}
	var reqs []Request
	for range 3 + r.IntN(4) {
		reqs = append(reqs, req(names[r.IntN(len(names))], loose[r.IntN(len(loose))]))
	}
	return reqs, universe
}

// TestLargerRandomUniverses: on universes too large for brute force, backjumping and learning
// find exactly what plain backtracking finds (when it finishes), and it is valid.
func TestLargerRandomUniverses(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	compared, solved := 0, 0
	const n = 500
	for i := range n {
		reqs, universe := largerUniverse(r)
		got, err := Resolve(context.Background(), "dev", reqs, universe, Options{})
		var le *LimitError
		if errors.As(err, &le) {
			t.Fatalf("case %d: %v", i, err)
		}
		if err == nil {
			solved++
			if !valid(reqs, packagesOf(got), universe) {
				t.Fatalf("case %d: invalid resolution %q", i, show(got))
			}
		}
		plain, perr := resolve(context.Background(), "dev", reqs, universe, Options{MaxSteps: 20000}, false)
		if errors.As(perr, &le) {
			continue
		}
		compared++
		if (err == nil) != (perr == nil) || err == nil && !slices.Equal(show(got), show(plain)) {
			t.Fatalf("case %d: requests %v\nuniverse %+v\nbackjumping %s\nplain %s", i, reqs, universe, outcome(got, err), outcome(plain, perr))
		}
	}
	t.Logf("%d of %d solved; %d compared with plain backtracking", solved, n, compared)
	if solved < n/5 || compared < n/2 {
		t.Errorf("the generator makes too few solvable (%d) or tractable (%d) cases", solved, compared)
	}
}

// TestValidAgreesWithCheck: the exported Check and the test's own specification of a
// consistent selection agree on random selections, valid or not.
func TestValidAgreesWithCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for i := range 5000 {
		reqs, universe := randUniverse(r)
		var sel []Package
		seen := map[string]bool{}
		for _, p := range universe {
			if !seen[p.Name] && r.IntN(2) == 0 {
				seen[p.Name] = true
				sel = append(sel, p)
			}
		}
		if v, err := consistent(reqs, sel, universe), Check("dev", reqs, sel, universe); v != (err == nil) {
			t.Fatalf("case %d: consistent = %v, Check = %v\nrequests %v\nselection %+v\nuniverse %+v", i, v, err, reqs, sel, universe)
		}
	}
}
