package version

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// A generated constraint: its text in one of the many forms the parser accepts, and what it
// means, as an interval model written from axiom-model.md §2.7 without using this package.
type genConstraint struct {
	text   string
	kind   Kind
	base   [3]uint64
	lo, hi *genBound // range sides; nil when not bounded
}

type genBound struct {
	v         [3]uint64
	inclusive bool
}

const max32 = 1<<32 - 1

// component draws a version component, often a boundary value.
func component(r *rand.Rand) uint64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return max32
	case 2:
		return max32 - uint64(r.IntN(2))
	}
	return uint64(r.IntN(12))
}

// versionText writes v in a random accepted form: trailing zero components may be left out and
// numbers may have leading zeros.
func versionText(r *rand.Rand, v [3]uint64) string {
	n := 3
	for n > 1 && v[n-1] == 0 && r.IntN(2) == 0 {
		n--
	}
	parts := make([]string, n)
	for i := range n {
		parts[i] = strings.Repeat("0", r.IntN(2)*r.IntN(3)) + fmt.Sprint(v[i])
	}
	return strings.Join(parts, ".")
}

func space(r *rand.Rand) string { return strings.Repeat(" ", r.IntN(2)*r.IntN(3)) }

func genVersion(r *rand.Rand) [3]uint64 {
	return [3]uint64{component(r), component(r), component(r)}
}

func generate(r *rand.Rand) genConstraint {
	g := genConstraint{kind: Kind(r.IntN(5))}
	switch g.kind {
	case Any:
		g.text = []string{"", "*", " * ", "  "}[r.IntN(4)]
	case Exact, Tilde, Caret:
		g.base = genVersion(r)
		sym := map[Kind]string{Exact: "", Tilde: "~", Caret: "^"}[g.kind]
		g.text = space(r) + sym + space(r) + versionText(r, g.base) + space(r)
	case Range:
		var terms []string
		for range 1 + r.IntN(3) {
			op := []string{">=", ">", "<=", "<"}[r.IntN(4)]
			b := &genBound{v: genVersion(r), inclusive: strings.HasSuffix(op, "=")}
			if op[0] == '>' {
				g.lo = b
			} else {
				g.hi = b
			}
			terms = append(terms, space(r)+op+space(r)+versionText(r, b.v)+space(r))
		}
		g.text = strings.Join(terms, ",")
	}
	return g
}

func less(a, b [3]uint64) int {
	for i := range 3 {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// admits is the oracle.
func (g genConstraint) admits(v [3]uint64) bool {
	switch g.kind {
	case Any:
		return true
	case Exact:
		return v == g.base
	case Tilde: // [X.Y.Z, X.(Y+1).0)
		return less(v, g.base) >= 0 && less(v, [3]uint64{g.base[0], g.base[1] + 1, 0}) < 0
	case Caret: // [X.Y.Z, (X+1).0.0)
		return less(v, g.base) >= 0 && less(v, [3]uint64{g.base[0] + 1, 0, 0}) < 0
	}
	if g.lo != nil {
		if c := less(v, g.lo.v); c < 0 || c == 0 && !g.lo.inclusive {
			return false
		}
	}
	if g.hi != nil {
		if c := less(v, g.hi.v); c > 0 || c == 0 && !g.hi.inclusive {
			return false
		}
	}
	return true
}

// probes returns versions to test g with: random ones and ones next to its boundaries.
func probes(r *rand.Rand, g genConstraint) [][3]uint64 {
	var out [][3]uint64
	near := func(v [3]uint64) {
		out = append(out, v)
		for i := range 3 {
			if v[i] > 0 {
				w := v
				w[i]--
				out = append(out, w)
			}
			if v[i] < max32 {
				w := v
				w[i]++
				out = append(out, w)
			}
		}
	}
	near(g.base)
	if g.lo != nil {
		near(g.lo.v)
	}
	if g.hi != nil {
		near(g.hi.v)
	}
	for range 10 {
		out = append(out, genVersion(r))
	}
	return out
}

// TestConstraintProperties: every generated constraint parses; its String() parses back to an
// equal constraint; and both admit exactly the versions the interval model admits.
func TestConstraintProperties(t *testing.T) {
	seed := uint64(20240601)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range 5000 {
		g := generate(r)
		c, err := ParseConstraint(g.text)
		if err != nil {
			t.Fatalf("case %d (seed %d): ParseConstraint(%q): %v", i, seed, g.text, err)
		}
		back, err := ParseConstraint(c.String())
		if err != nil || back != c || back.String() != c.String() {
			t.Fatalf("case %d: %q -> %q -> %v, %v: not a round trip", i, g.text, c.String(), back, err)
		}
		if c.Kind() != g.kind {
			t.Fatalf("case %d: %q has kind %v, want %v", i, g.text, c.Kind(), g.kind)
		}
		// Satisfiable agrees with the model: the lowest version it names is admitted and no
		// lower probe is; when it says none, no probe is admitted.
		low, sat := c.lowest()
		if sat != c.Satisfiable() || sat != back.Satisfiable() {
			t.Fatalf("case %d: %q: lowest and Satisfiable disagree", i, g.text)
		}
		if sat && !g.admits([3]uint64{uint64(low.Major), uint64(low.Minor), uint64(low.Patch)}) {
			t.Fatalf("case %d: %q: lowest version %s is not admitted", i, g.text, low)
		}
		for _, p := range probes(r, g) {
			v := Version{uint32(p[0]), uint32(p[1]), uint32(p[2])}
			want := g.admits(p)
			if want && (!sat || v.Compare(low) < 0) {
				t.Fatalf("case %d: %q admits %s, below its lowest version %s (satisfiable %v)", i, g.text, v, low, sat)
			}
			if got := c.Match(v); got != want {
				t.Fatalf("case %d: %q.Match(%s) = %v, want %v", i, g.text, v, got, want)
			}
			if back.Match(v) != want {
				t.Fatalf("case %d: %q.Match(%s) (after round trip) = %v, want %v", i, c.String(), v, !want, want)
			}
		}
	}
}

// TestVersionProperties: String() is canonical and parses back to the same version, and
// comparison agrees with the order of the components.
func TestVersionProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 5000 {
		a, b := genVersion(r), genVersion(r)
		va, err := Parse(versionText(r, a))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		vb := Version{uint32(b[0]), uint32(b[1]), uint32(b[2])}
		if back, err := Parse(va.String()); err != nil || back != va {
			t.Fatalf("case %d: %s does not round-trip: %v, %v", i, va, back, err)
		}
		if got, want := va.Compare(vb), less(a, b); got != want {
			t.Fatalf("case %d: %s.Compare(%s) = %d, want %d", i, va, vb, got, want)
		}
	}
}
