package resolve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// layered makes a store shaped like a ports tree: layers of width names with 4 versions each,
// every package depending on 3 names of the next layer (some with major-version constraints),
// and one package in 15 conflicting with the 2.x line of a dependency, so that the search has
// to backtrack; the request is 15 names of the first layer. 6 layers of 20 give 480 packages.
func layered(layers, width int, seed uint64) ([]Request, []Package) {
	r := rand.New(rand.NewPCG(seed, seed))
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
	for i := range min(15, width) {
		reqs = append(reqs, req(name(0, i), "*"))
	}
	return reqs, universe
}

// BenchmarkResolve resolves the layered store of 480 packages, and a series of 5 layers of
// 100 to 10,000 packages (pkgs=N, issue 13 goal 6: the resolver at the scale of a large
// store), each with the same request of 15 names.
func BenchmarkResolve(b *testing.B) {
	for _, size := range []struct{ layers, width int }{{6, 20}, {5, 5}, {5, 50}, {5, 500}} {
		reqs, universe := layered(size.layers, size.width, 7)
		b.Run(fmt.Sprintf("pkgs=%d", len(universe)), func(b *testing.B) {
			sel, err := Resolve(context.Background(), "bench", reqs, universe, Options{})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Resolve(context.Background(), "bench", reqs, universe, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(sel)), "selected")
		})
	}
}

// BenchmarkResolveUnsatisfiable measures proving that no resolution exists: the layered store
// plus a request nothing can satisfy.
func BenchmarkResolveUnsatisfiable(b *testing.B) {
	reqs, universe := layered(6, 20, 7)
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
		reqs, universe := layered(6, 20, seed)
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
