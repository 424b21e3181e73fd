package version

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the kind of a constraint, named as upstream's `constraint:` YAML field names it.
type Kind uint8

// The constraint kinds.
const (
	Any Kind = iota
	Exact
	Tilde
	Caret
	Range
)

var kindNames = [...]string{Any: "any", Exact: "exact", Tilde: "tilde", Caret: "caret", Range: "range"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind parses upstream's `constraint:` words (any, exact, tilde, caret, range).
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if s == name {
			return Kind(k), nil
		}
	}
	return Any, fmt.Errorf("unknown constraint kind %q (want any, exact, tilde, caret or range)", s)
}

// bound is one side of a range.
type bound struct {
	set       bool
	inclusive bool
	v         Version
}

// Constraint is a parsed version constraint. The zero value admits every version.
type Constraint struct {
	kind   Kind
	base   Version // exact, tilde, caret
	lo, hi bound   // range
}

// AnyVersion is the constraint that admits every version.
var AnyVersion = Constraint{}

// ParseConstraint parses a constraint string, inferring its kind from its form as upstream's CLI
// does: "" or "*" any, "^…" caret, "~…" tilde, a leading comparison operator a range, otherwise an
// exact version.
func ParseConstraint(s string) (Constraint, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "" || t == "*":
		return AnyVersion, nil
	case strings.HasPrefix(t, "^"):
		return parseBased(Caret, s, strings.TrimSpace(t[1:]))
	case strings.HasPrefix(t, "~"):
		return parseBased(Tilde, s, strings.TrimSpace(t[1:]))
	case strings.HasPrefix(t, ">") || strings.HasPrefix(t, "<"):
		return parseRange(s, t)
	case strings.HasPrefix(t, "="):
		return Constraint{}, fmt.Errorf("constraint %q: write an exact version without '=' (%q)", s, strings.TrimSpace(t[1:]))
	default:
		return parseBased(Exact, s, t)
	}
}

// ParseConstraintKind parses a constraint whose kind is given separately, as in upstream's
// profile.yaml and deps.yaml (`version:` plus `constraint:`). As upstream, the `~`/`^` symbol is
// optional for tilde and caret. A kind that disagrees with the text is an error rather than a
// silent reinterpretation.
func ParseConstraintKind(kind Kind, s string) (Constraint, error) {
	t := strings.TrimSpace(s)
	switch kind {
	case Any:
		if t != "" && t != "*" {
			return Constraint{}, fmt.Errorf("constraint kind any with version %q: use %q or drop the kind", s, "*")
		}
		return AnyVersion, nil
	case Exact:
		return parseBased(Exact, s, t)
	case Tilde:
		return parseBased(Tilde, s, strings.TrimSpace(strings.TrimPrefix(t, "~")))
	case Caret:
		return parseBased(Caret, s, strings.TrimSpace(strings.TrimPrefix(t, "^")))
	case Range:
		return parseRange(s, t)
	}
	return Constraint{}, fmt.Errorf("unknown constraint kind %v", kind)
}

// MustParseConstraint is ParseConstraint for constants in tests and tables; it panics on error.
func MustParseConstraint(s string) Constraint {
	c, err := ParseConstraint(s)
	if err != nil {
		panic(err)
	}
	return c
}

func parseBased(k Kind, orig, vs string) (Constraint, error) {
	v, err := Parse(vs)
	if err != nil {
		return Constraint{}, fmt.Errorf("constraint %q: %w", orig, err)
	}
	return Constraint{kind: k, base: v}, nil
}

var errEmptyTerm = errors.New("empty term")

func parseRange(orig, t string) (Constraint, error) {
	c := Constraint{kind: Range}
	for term := range strings.SplitSeq(t, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			return Constraint{}, fmt.Errorf("constraint %q: %w", orig, errEmptyTerm)
		}
		var op string
		for _, o := range []string{">=", "<=", ">", "<"} {
			if strings.HasPrefix(term, o) {
				op = o
				break
			}
		}
		if op == "" {
			return Constraint{}, fmt.Errorf("constraint %q: range term %q has no operator (>=, >, <=, <)", orig, term)
		}
		v, err := Parse(strings.TrimSpace(term[len(op):]))
		if err != nil {
			return Constraint{}, fmt.Errorf("constraint %q: %w", orig, err)
		}
		b := bound{set: true, inclusive: strings.HasSuffix(op, "="), v: v}
		if op[0] == '>' {
			c.lo = b // the last term for a side wins, as upstream
		} else {
			c.hi = b
		}
	}
	return c, nil
}

// Kind reports the constraint's kind.
func (c Constraint) Kind() Kind { return c.kind }

// IsAny reports whether c admits every version.
func (c Constraint) IsAny() bool { return c.kind == Any }

// Match reports whether v satisfies c.
func (c Constraint) Match(v Version) bool {
	switch c.kind {
	case Any:
		return true
	case Exact:
		return v == c.base
	case Tilde:
		return v.Compare(c.base) >= 0 && v.Major == c.base.Major && v.Minor == c.base.Minor
	case Caret:
		return v.Compare(c.base) >= 0 && v.Major == c.base.Major
	case Range:
		if c.lo.set {
			if d := v.Compare(c.lo.v); d < 0 || (d == 0 && !c.lo.inclusive) {
				return false
			}
		}
		if c.hi.set {
			if d := v.Compare(c.hi.v); d > 0 || (d == 0 && !c.hi.inclusive) {
				return false
			}
		}
		return true
	}
	return false
}

// Satisfiable reports whether c admits at least one version. Only a range can admit none: one
// whose lower bound lies above its upper bound (">=2.0.0,<1.0.0"), or meets it without both sides
// being inclusive (">1.0.0,<=1.0.0"), or leaves no version between them, versions being discrete
// (">1.2.3,<1.2.4"), or that lies before the first version or after the last ("<0.0.0").
// Upstream accepts such a constraint and then finds no package; a profile requesting one can
// never be resolved.
func (c Constraint) Satisfiable() bool {
	_, ok := c.lowest()
	return ok
}

// lowest returns the lowest version c admits; ok is false when it admits none.
func (c Constraint) lowest() (v Version, ok bool) {
	switch c.kind {
	case Exact, Tilde, Caret:
		return c.base, true
	case Range:
	default:
		return Version{}, true
	}
	// The lowest version the lower bound admits; the range is empty exactly when the upper
	// bound refuses it.
	if c.lo.set {
		v = c.lo.v
		if !c.lo.inclusive {
			if v, ok = v.next(); !ok {
				return Version{}, false
			}
		}
	}
	if !c.Match(v) {
		return Version{}, false
	}
	return v, true
}

// String returns the canonical form: "*", "1.2.3", "~1.2.0", "^5.0.0", ">=1.0.0,<2.0.0". Parsing
// it gives back an equal constraint.
func (c Constraint) String() string {
	switch c.kind {
	case Exact:
		return c.base.String()
	case Tilde:
		return "~" + c.base.String()
	case Caret:
		return "^" + c.base.String()
	case Range:
		var terms []string
		if c.lo.set {
			terms = append(terms, op(">", c.lo.inclusive)+c.lo.v.String())
		}
		if c.hi.set {
			terms = append(terms, op("<", c.hi.inclusive)+c.hi.v.String())
		}
		return strings.Join(terms, ",")
	}
	return "*"
}

func op(base string, inclusive bool) string {
	if inclusive {
		return base + "="
	}
	return base
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (c Constraint) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Constraint) UnmarshalText(b []byte) error {
	p, err := ParseConstraint(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}
