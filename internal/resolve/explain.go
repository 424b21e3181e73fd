package resolve

import (
	"fmt"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// record keeps the failure of name if it is the deepest so far. The failure is explained along
// the most recent demand on name: the one whose arrival left name without a candidate.
func (s *solver) record(id int) {
	ds := s.demands[id]
	d := ds[len(ds)-1]
	if s.best != nil && d.depth <= s.bestDepth {
		return
	}
	reason, missing := s.reason(id, d)
	s.best = &Error{Chain: s.chain(d), Reason: reason, Missing: missing}
	s.bestDepth = d.depth
}

// chain renders the path from the root to demand d.
func (s *solver) chain(d *demand) []string {
	var steps []string
	for d != nil {
		if d.from == nil {
			steps = append(steps, want(s.u.names[d.id], d.c))
			break
		}
		steps = append(steps, s.selLabel(d.from)+" needs "+want(s.u.names[d.id], d.c))
		d = d.from.via
	}
	slices.Reverse(steps)
	return append([]string{s.root}, steps...)
}

// want renders a name and constraint: "readline >=8.0.0", or just "vim" for any version.
func want(name string, c version.Constraint) string {
	if c.IsAny() {
		return name
	}
	return name + " " + c.String()
}

// label names a package by name and version, adding the revision and build-id only where the
// universe has several of the same version (and revision).
func (s *solver) label(p *cand) string {
	l := p.Name + " " + p.Version.String()
	v := pkgVersion{p.Name, p.Version}
	if s.u.ambiguousVersion[v] {
		l += fmt.Sprintf(" rev %d", p.Revision)
		if s.u.ambiguousRev[pkgRev{v, p.Revision}] {
			l += " build " + p.BuildID
		}
	}
	return l
}

// selLabel is label plus, for a package selected as a stand-in, what it stands in for.
func (s *solver) selLabel(n *sel) string {
	l := s.label(n.c)
	if via := s.u.names[n.via.id]; n.via.id != n.c.id {
		if slices.Contains(n.c.Provides, via) {
			l += " (provides " + via + ")"
		} else {
			l += " (replaces " + via + ")"
		}
	}
	return l
}

// origin renders where a selected package comes from, for reasons that involve it.
func (s *solver) origin(n *sel) string {
	return s.label(n.c) + " (from " + strings.Join(s.chain(n.via), " → ") + ")"
}

// reason explains why no candidate for a name fits, from the point of view of demand d.
func (s *solver) reason(id int, d *demand) (text, missing string) {
	name := s.u.names[id]
	real := s.u.byName[id]
	virtual := s.u.virtual[id]
	if s.deferred(id) {
		if slices.ContainsFunc(virtual, func(p *cand) bool { _, rejected := s.reject(p, id); return !rejected }) {
			return fmt.Sprintf("%s is provided by %s, and none of them is selected: with several providers, none is chosen for %s (request the one you want)",
				name, providerList(virtual), name), ""
		}
	} else if s.versioned[id] > 0 || s.u.ambiguous[id] {
		virtual = nil
	}
	if len(real) == 0 && len(virtual) == 0 {
		if providers := s.u.virtual[id]; len(providers) > 0 {
			return fmt.Sprintf("no package named %q (%s provides it, but a provider only stands in where any version will do)",
				name, s.label(providers[0])), ""
		}
		return fmt.Sprintf("no package named %q", name), name
	}
	if len(virtual) == 0 && !slices.ContainsFunc(real, func(p *cand) bool { return d.c.Match(p.Version) }) {
		return "the store has " + name + " " + versionList(real), ""
	}
	// Describe the first candidate that fits d, preferring a reason of its own to a nogood
	// learned earlier (which says less).
	var fallback string
	for _, list := range [2][]*cand{real, virtual} {
		for _, p := range list {
			if p.id == id && !d.c.Match(p.Version) {
				continue
			}
			r, rejected := s.reject(p, id)
			switch {
			case !rejected:
			case r.kind != learned:
				return s.describe(p, r), ""
			case fallback == "":
				fallback = s.describe(p, r)
			}
		}
	}
	if fallback != "" {
		return fallback, ""
	}
	return "no candidate for " + name + " fits", "" // not reached: name failed the forward check
}

// describe renders why p was rejected.
func (s *solver) describe(p *cand, r rejection) string {
	pl := s.label(p)
	switch r.kind {
	case nameTaken:
		return fmt.Sprintf("%s would stand in, but %s is selected", pl, s.origin(r.by))
	case ruledOut:
		w := want(s.u.names[r.dem.id], r.dem.c)
		if r.dem.from == nil {
			return fmt.Sprintf("%s is ruled out: %s requests %s", pl, s.root, w)
		}
		return fmt.Sprintf("%s is ruled out: %s needs %s", pl, s.origin(r.dem.from), w)
	case conflicts, replaces:
		verb := "conflicts with"
		if r.kind == replaces {
			verb = "replaces"
		}
		if r.itSays {
			return fmt.Sprintf("%s %s %s", pl, verb, s.origin(r.by))
		}
		return fmt.Sprintf("%s %s %s", s.origin(r.by), verb, pl)
	case depMismatch:
		return fmt.Sprintf("%s needs %s, but %s is selected", pl, want(s.u.names[r.rel.id], r.rel.c), s.origin(r.by))
	case selfDep:
		return fmt.Sprintf("%s needs %s, which it is not", pl, want(s.u.names[r.rel.id], r.rel.c))
	case learned:
		var with []string
		for _, m := range r.ng.members {
			if m != p {
				with = append(with, s.origin(s.selected[m.id]))
			}
		}
		return fmt.Sprintf("%s was found earlier not to fit with %s", pl, strings.Join(with, " and "))
	}
	return pl + " cannot be selected"
}

// providerList renders the distinct names of stand-ins (which are by name), at most five.
func providerList(cands []*cand) string {
	var ns []string
	for _, p := range cands {
		if len(ns) == 0 || ns[len(ns)-1] != p.Name {
			ns = append(ns, p.Name)
		}
	}
	if len(ns) > 5 {
		return strings.Join(ns[:5], ", ") + fmt.Sprintf(" and %d more", len(ns)-5)
	}
	if len(ns) > 1 {
		return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
	}
	return strings.Join(ns, "")
}

// versionList renders the distinct versions of cands (which are newest first), at most five.
func versionList(cands []*cand) string {
	var vs []string
	for _, p := range cands {
		s := p.Version.String()
		if len(vs) == 0 || vs[len(vs)-1] != s {
			vs = append(vs, s)
		}
	}
	if len(vs) > 5 {
		return strings.Join(vs[:5], ", ") + fmt.Sprintf(" and %d older", len(vs)-5)
	}
	return strings.Join(vs, ", ")
}

// depthError reports a dependency chain longer than MaxDepth.
func (s *solver) depthError(d *demand) error {
	c := s.chain(d)
	if len(c) > 12 {
		c = append(append(c[:5:5], fmt.Sprintf("… %d more …", len(c)-10)), c[len(c)-5:]...)
	}
	return &LimitError{Limit: ErrDepthLimit, Msg: fmt.Sprintf(
		"dependency chain longer than %d (Options.MaxDepth): %s", s.opt.MaxDepth, strings.Join(c, " → "))}
}
