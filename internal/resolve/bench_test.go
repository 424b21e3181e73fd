package resolve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// layered makes a store shaped like a ports tree: layers of 20 names with 4 versions each,
// every package depending on 3 names of the next layer (some with major-version constraints),
// and one package in 15 conflicting with the 2.x line of a dependency, so that the search has
// to backtrack. layers=6 gives 480 packages.
func layered(layers int, seed uint64) ([]Request, []Package) {
	r := rand.New(rand.NewPCG(seed, seed))
	const width = 20
	name := func(layer, i int) string { return fmt.Sprintf("l%dn%02d", layer, i) }
	constraints := []string{"*", "*", "^1.0.0", "^2.0.0", ">=1.1.0"}
	var universe []Package
	for l := range layers {
		for i := range width {
			for _, v := range []string{"1.0.0", "1.1.0", "2.0.0", "2.1.0"} {
				pkg := p(name(l, i) + "=" + v)
				if l+1 < layers {
					for range 3 {
						pkg.Depends = append(pkg.Depends, rel(name(l+1, r.IntN(width)), constraints[r.IntN(len(constraints))]))
					}
					if r.IntN(15) == 0 {
						pkg.Conflicts = append(pkg.Conflicts, rel(name(l+1, r.IntN(width)), "^2.0.0"))
					}
				}
				universe = append(universe, pkg)
			}
		}
	}
	var reqs []Request
	for i := range 15 {
		reqs = append(reqs, req(name(0, i), "*"))
	}
	return reqs, universe
}

func BenchmarkResolve(b *testing.B) {
	reqs, universe := layered(6, 7)
	sel, err := Resolve(context.Background(), "bench", reqs, universe, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Resolve(context.Background(), "bench", reqs, universe, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(universe)), "packages")
	b.ReportMetric(float64(len(sel)), "selected")
}

// BenchmarkResolveUnsatisfiable measures proving that no resolution exists: the layered store
// plus a request nothing can satisfy.
func BenchmarkResolveUnsatisfiable(b *testing.B) {
	reqs, universe := layered(6, 7)
	reqs = append(reqs, req("l5n00", ">=9.0.0"))
	if _, err := Resolve(context.Background(), "bench", reqs, universe, Options{}); err == nil {
		b.Fatal("resolved")
	}
	for b.Loop() {
		if _, err := Resolve(context.Background(), "bench", reqs, universe, Options{}); err == nil {
			b.Fatal("resolved")
		}
	}
}

// TestLayeredStore: the benchmark's stores resolve to valid selections. (Plain backtracking,
// without backjumping, runs out of steps on several of them.)
func TestLayeredStore(t *testing.T) {
	for seed := range uint64(20) {
		reqs, universe := layered(6, seed)
		got, err := Resolve(context.Background(), "bench", reqs, universe, Options{})
		if err != nil {
			t.Errorf("seed %d: %v", seed, err)
			continue
		}
		if !valid(reqs, packagesOf(got), universe) {
			t.Errorf("seed %d: invalid resolution", seed)
		}
	}
}
