package debian

import (
	"fmt"
	"strings"
)

// Op is the operator of a versioned relation.
type Op uint8

// The relation operators. None means the relation admits every version.
const (
	None    Op = iota
	Less       // <<
	LessEq     // <=
	Equal      // =
	GreatEq    // >=
	Greater    // >>
)

var opText = [...]string{None: "", Less: "<<", LessEq: "<=", Equal: "=", GreatEq: ">=", Greater: ">>"}

func (o Op) String() string {
	if int(o) < len(opText) {
		return opText[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Relation is one alternative of a relation field: a package name, optionally restricted to a
// version.
type Relation struct {
	Name    string
	Arch    string // the architecture qualifier after ':' (any, native, amd64), if any
	Op      Op
	Version Version // when Op != None
}

// String writes r as Debian does: "name", "name:any (>= 1.0)".
func (r Relation) String() string {
	s := r.Name
	if r.Arch != "" {
		s += ":" + r.Arch
	}
	if r.Op != None {
		s += " (" + r.Op.String() + " " + r.Version.String() + ")"
	}
	return s
}

// Admits reports whether version v of r.Name satisfies r, by Debian's comparison.
func (r Relation) Admits(v Version) bool {
	c := v.Compare(r.Version)
	switch r.Op {
	case Less:
		return c < 0
	case LessEq:
		return c <= 0
	case Equal:
		return c == 0
	case GreatEq:
		return c >= 0
	case Greater:
		return c > 0
	}
	return true
}

// ParseRelations parses a relation field: a comma-separated list of groups, each a
// '|'-separated list of alternatives `name[:arch] [(op version)]`. Empty groups (as a trailing
// comma leaves) are skipped. The obsolete operators `<` and `>` read as `<=` and `>=`, as dpkg
// reads them. Architecture restrictions `[...]` and build profiles `<...>` belong to source
// packages and are refused.
func ParseRelations(s string) ([][]Relation, error) {
	var out [][]Relation
	for group := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(group) == "" {
			continue
		}
		var alts []Relation
		for alt := range strings.SplitSeq(group, "|") {
			r, err := parseRelation(alt)
			if err != nil {
				return nil, err
			}
			alts = append(alts, r)
		}
		out = append(out, alts)
	}
	return out, nil
}

func parseRelation(s string) (Relation, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Relation{}, fmt.Errorf("an empty alternative in %q", clip(strings.TrimSpace(s)))
	}
	var r Relation
	head, verPart, hasVer := strings.Cut(t, "(")
	head = strings.TrimSpace(head)
	if _, after, _ := strings.Cut(verPart, ")"); strings.ContainsAny(t, "[]") || strings.ContainsAny(head, "<>") ||
		strings.HasPrefix(strings.TrimSpace(after), "<") {
		return Relation{}, fmt.Errorf("relation %q: architecture restrictions and build profiles belong to source packages", clip(t))
	}
	name, arch, hasArch := strings.Cut(head, ":")
	if hasArch && (arch == "" || badChar(arch, "-") >= 0) {
		return Relation{}, fmt.Errorf("relation %q: bad architecture qualifier %q", clip(t), clip(arch))
	}
	if err := checkPackageName(name); err != nil {
		return Relation{}, fmt.Errorf("relation %q: %w", clip(t), err)
	}
	r.Name, r.Arch = name, arch
	if !hasVer {
		return r, nil
	}
	inner, after, closed := strings.Cut(verPart, ")")
	if !closed || strings.TrimSpace(after) != "" {
		return Relation{}, fmt.Errorf("relation %q: expected `name (op version)`", clip(t))
	}
	inner = strings.TrimSpace(inner)
	for _, o := range []struct {
		text string
		op   Op
	}{{"<<", Less}, {"<=", LessEq}, {">=", GreatEq}, {">>", Greater}, {"=", Equal}, {"<", LessEq}, {">", GreatEq}} {
		if strings.HasPrefix(inner, o.text) {
			r.Op, inner = o.op, strings.TrimSpace(inner[len(o.text):])
			break
		}
	}
	if r.Op == None {
		return Relation{}, fmt.Errorf("relation %q: no operator (<<, <=, =, >=, >>) before the version", clip(t))
	}
	v, err := ParseVersion(inner)
	if err != nil {
		return Relation{}, fmt.Errorf("relation %q: %w", clip(t), err)
	}
	r.Version = v
	return r, nil
}
