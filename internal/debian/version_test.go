package debian

import (
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in                 string
		epoch              uint32
		upstream, revision string
		err                string
	}{
		{in: "1:2.39.5-0+deb12u2", epoch: 1, upstream: "2.39.5", revision: "0+deb12u2"},
		{in: "20250419~deb12u1", upstream: "20250419~deb12u1"},
		{in: "1.2.13.dfsg-1", upstream: "1.2.13.dfsg", revision: "1"},
		{in: "3.0.17-1~deb12u2", upstream: "3.0.17", revision: "1~deb12u2"},
		{in: "1:2.39.5-.", epoch: 1, upstream: "2.39.5", revision: "."},
		{in: "1.34+dfsg-1.2+deb12u1", upstream: "1.34+dfsg", revision: "1.2+deb12u1"},
		{in: "2:1.8+git20210923~", epoch: 2, upstream: "1.8+git20210923~"},
		{in: "1:2:3-4", epoch: 1, upstream: "2:3", revision: "4"},
		{in: "1.0-2-3", upstream: "1.0-2", revision: "3"},
		{in: "0:1.0", upstream: "1.0"},
		{in: "", err: "empty"},
		{in: " 1.0", err: "surrounding spaces"},
		{in: "a1.0", err: "must start with a digit"},
		{in: "x:1.0", err: "epoch"},
		{in: ":1.0", err: "epoch"},
		{in: "1.0-", err: "empty revision"},
		{in: "1.0_2", err: `contains '_'`},
		{in: "1.0-a_b", err: `contains '_'`},
		{in: "1:0", epoch: 1, upstream: "0"},
		{in: "1.0:2", err: "epoch"},
		{in: "99999999999:1", err: "epoch"},
	} {
		v, err := ParseVersion(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseVersion(%q) = %+v, %v; want an error with %q", tc.in, v, err, tc.err)
			}
			continue
		}
		if err != nil || v.Epoch != tc.epoch || v.Upstream != tc.upstream || v.Revision != tc.revision {
			t.Errorf("ParseVersion(%q) = %+v, %v", tc.in, v, err)
		}
	}
}

// TestCompare checks dpkg's order, as `dpkg --compare-versions` gives it on Debian 12.
func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.00", 0},
		{"0:1.0", "1.0", 0},
		{"1.0-0", "1.0", 0}, // revision "0" and none compare equal
		{"1.0~rc1", "1.0", -1},
		{"1.0~~", "1.0~", -1},
		{"1.0", "1.0+b1", -1},
		{"1.0", "1.0a", -1},
		{"1.0a", "1.0.1", -1}, // a letter sorts before any other character, here the '.'
		{"1.9", "1.10", -1},
		{"1:1.0", "2.0", 1},
		{"2.39.5-0+deb12u2", "2.39.5-.", -1},
		{"1:2.39.5-0+deb12u3", "1:2.39.5", 1},
		{"1:2.39.5-0+deb12u3", "1:2.39.5-.", -1},
		{"7.88.1-10+deb12u15", "7.88.1-10+deb12u15", 0},
		{"3.1-1", "3.1~", 1},
		{"1.2.3", "1.2.3.0", -1},
	} {
		a, b := MustParseVersion(tc.a), MustParseVersion(tc.b)
		if got := a.Compare(b); got != tc.want {
			t.Errorf("%s vs %s: %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Compare(a); got != -tc.want {
			t.Errorf("%s vs %s: %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestAxiom(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		rev  uint32
		err  string
	}{
		{in: "1:2.39.5-0+deb12u2", want: "2.39.5", rev: 1},
		{in: "20250419~deb12u1", want: "20250419.0.0", rev: 1},
		{in: "1.2.13.dfsg-1", want: "1.2.13", rev: 1},
		{in: "3.0.17-1~deb12u2", want: "3.0.17", rev: 1},
		{in: "12.2.0-14+deb12u1", want: "12.2.0", rev: 14},
		{in: "5.2.15-2+b13", want: "5.2.15", rev: 2},
		{in: "1.34+dfsg-1.2+deb12u1", want: "1.34.0", rev: 1},
		{in: "9.1-1", want: "9.1.0", rev: 1},
		{in: "2.36-9+deb12u14", want: "2.36.0", rev: 9},
		{in: "1.2.3.4.5", want: "1.2.3", rev: 1},
		{in: "1.2.", want: "1.2.0", rev: 1},
		{in: "1..2", want: "1.0.0", rev: 1},
		{in: "7", want: "7.0.0", rev: 1},
		{in: "1.0-0", want: "1.0.0", rev: 1},
		{in: "1.0-x1", want: "1.0.0", rev: 1},
		{in: "6.4-4", want: "6.4.0", rev: 4},
		{in: "4294967295.1", want: "4294967295.1.0", rev: 1},
		{in: "4294967296.1", err: "too large"},
		{in: "1.0-4294967296", err: "too large"},
	} {
		v, rev, err := MustParseVersion(tc.in).Axiom()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, %d, %v; want an error with %q", tc.in, v, rev, err, tc.err)
			}
			continue
		}
		if err != nil || v != version.MustParse(tc.want) || rev != tc.rev {
			t.Errorf("%s → %v-%d, %v; want %s-%d", tc.in, v, rev, err, tc.want, tc.rev)
		}
	}
}

// wellFormed are versions of the shape real packages have (one epoch, numeric components
// separated by single dots, then any suffix starting with ~, + or a letter): for them the map to
// Axiom versions must be monotonic.
var wellFormed = []string{
	"0.9", "1", "1.0~rc1", "1.0", "1.0-1", "1.0-0+deb12u2", "1.0+dfsg-1", "1.0a", "1.0.1~beta",
	"1.0.1", "1.0.1-3", "1.1", "1.2.13.dfsg-1", "1.2.13.dfsg-1+deb12u1", "1.9", "1.10", "1.10.0.1",
	"2.39.5", "2.39.5-.", "2.39.5-0+deb12u3", "2.40~rc0", "2.40", "12.2.0-14", "20250419~deb12u1",
}

// TestAxiomMonotonic: a version newer by dpkg never maps to an older Axiom version, so a
// dependency that holds in Debian holds after mapping.
func TestAxiomMonotonic(t *testing.T) {
	for _, a := range wellFormed {
		for _, b := range wellFormed {
			da, db := MustParseVersion(a), MustParseVersion(b)
			xa, _, _ := da.Axiom()
			xb, _, _ := db.Axiom()
			if da.Compare(db) < 0 && xa.Compare(xb) > 0 {
				t.Errorf("%s < %s in Debian, but %s > %s mapped", a, b, xa, xb)
			}
		}
	}
}

// TestRelationsHoldAfterMapping: for every operator and pair of well-formed versions, when
// Debian says `have` satisfies `(op want)`, the mapped constraint admits the mapped `have`. This
// is what making strict bounds inclusive buys; with strict bounds kept strict it fails (git-man
// 2.39.5 against `>> 1:2.39.5`).
func TestRelationsHoldAfterMapping(t *testing.T) {
	for _, op := range []Op{Less, LessEq, Equal, GreatEq, Greater} {
		for _, w := range wellFormed {
			for _, h := range wellFormed {
				r := Relation{Name: "x", Op: op, Version: MustParseVersion(w)}
				have := MustParseVersion(h)
				if !r.Admits(have) || op == Equal {
					continue
				}
				lo, hi, err := axiomBounds(r)
				if err != nil {
					t.Fatal(err)
				}
				hx, _, _ := have.Axiom()
				if lo != nil && lo.Compare(hx) > 0 || hi != nil && hi.Compare(hx) < 0 {
					t.Errorf("%s admits %s in Debian; mapped bounds %v..%v refuse %s", r, h, lo, hi, hx)
				}
			}
		}
	}
}
