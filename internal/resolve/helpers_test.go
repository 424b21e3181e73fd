package resolve

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// A small notation for universes: p("bash=5.2.0/2/abc", dep("readline", ">=8.0.0")) is bash
// 5.2.0, revision 2, build-id abc (revision defaults to 1, build-id to "x"), needing readline
// >=8.0.0.

type opt func(*Package)

func p(id string, opts ...opt) Package {
	name, rest, _ := strings.Cut(id, "=")
	parts := strings.Split(rest, "/")
	pkg := Package{Name: name, Version: version.MustParse(parts[0]), Revision: 1, BuildID: "x"}
	if len(parts) > 1 {
		r, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil {
			panic(err)
		}
		pkg.Revision = uint32(r)
	}
	if len(parts) > 2 {
		pkg.BuildID = parts[2]
	}
	for _, o := range opts {
		o(&pkg)
	}
	return pkg
}

func rel(name, c string) Relation {
	return Relation{Name: name, Constraint: version.MustParseConstraint(c)}
}

func dep(name, c string) opt {
	return func(p *Package) { p.Depends = append(p.Depends, rel(name, c)) }
}

func provides(names ...string) opt {
	return func(p *Package) { p.Provides = append(p.Provides, names...) }
}

func conflictsWith(name, c string) opt {
	return func(p *Package) { p.Conflicts = append(p.Conflicts, rel(name, c)) }
}

func replacing(name, c string) opt {
	return func(p *Package) { p.Replaces = append(p.Replaces, rel(name, c)) }
}

func req(name, c string) Request {
	return Request{Name: name, Constraint: version.MustParseConstraint(c)}
}

// show renders a resolution as "+bash=5.2.0/1/x" items, + marking requested packages.
func show(sel []Selected) []string {
	out := make([]string, len(sel))
	for i, s := range sel {
		mark := ""
		if s.Requested {
			mark = "+"
		}
		out[i] = fmt.Sprintf("%s%s=%s/%d/%s", mark, s.Name, s.Version, s.Revision, s.BuildID)
	}
	return out
}
