package resolve

import (
	"context"
	"fmt"
	"slices"
)

// Check reports whether selected is a valid resolution of reqs under Resolve's rules: one
// package per name, every request and every dependency of every selected package satisfied,
// and no two packages that conflict or replace one another. universe is the store the selection
// is meant to come from: which names stand-ins may satisfy depends on it (whether the store has
// packages of the name, whether a replacement covers every version of it, whether its stand-ins
// are of one name or several). It does not ask whether Resolve would choose the same packages
// (newer ones, or a package of the name itself rather than its stand-in, may exist), only whether
// the selection is consistent: use it to decide whether an existing lock still fits a changed
// profile. The error is an *Error describing the first violation, in name order, or one
// matching ErrInvalidInput.
func Check(root string, reqs []Request, selected, universe []Package) error {
	u, err := newUniverse(context.Background(), universe)
	if err != nil {
		return err
	}
	pkgs := make([]Package, len(selected))
	for i, p := range selected {
		pkgs[i] = normalizePackage(p)
	}
	slices.SortFunc(pkgs, func(a, b Package) int { return compareCand(&a, &b) })
	byName := make(map[string]*Package, len(pkgs))
	for i := range pkgs {
		p := &pkgs[i]
		if q := byName[p.Name]; q != nil {
			return &Error{Chain: []string{root}, Reason: fmt.Sprintf("%s %s and %s %s are both selected", p.Name, q.Version, p.Name, p.Version)}
		}
		byName[p.Name] = p
	}
	satisfied := func(name string, c Relation) bool {
		if p := byName[name]; p != nil {
			return c.Constraint.Match(p.Version)
		}
		if !c.Constraint.IsAny() {
			return false
		}
		if id, ok := u.ids[name]; ok && u.isReal(id) && u.ambiguous[id] {
			return false // a name the store has, whose stand-ins are of several names: no stand-in
		}
		for i := range pkgs {
			if pkgs[i].Name != name && standsIn(u, &pkgs[i], name) {
				return true
			}
		}
		return false
	}
	rs, err := canonicalRequests(reqs)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if !satisfied(r.Name, Relation(r)) {
			return &Error{Chain: []string{root, want(r.Name, r.Constraint)}, Reason: unmet(byName, r.Name)}
		}
	}
	for _, p := range pkgs {
		for _, d := range p.Depends {
			if !satisfied(d.Name, d) {
				return &Error{
					Chain:  []string{root, p.Name + " " + p.Version.String() + " needs " + want(d.Name, d.Constraint)},
					Reason: unmet(byName, d.Name),
				}
			}
		}
	}
	for _, p := range pkgs {
		for _, k := range []struct {
			verb string
			rels []Relation
		}{{"conflicts with", p.Conflicts}, {"replaces", p.Replaces}} {
			for _, r := range k.rels {
				if q := byName[r.Name]; q != nil && r.Name != p.Name && r.Constraint.Match(q.Version) {
					return &Error{Chain: []string{root}, Reason: fmt.Sprintf("%s %s %s %s %s, and both are selected", p.Name, p.Version, k.verb, q.Name, q.Version)}
				}
			}
		}
	}
	return nil
}

// standsIn reports whether p may stand in for name: it provides it, or replaces it with a
// relation that admits every version of name in the universe.
func standsIn(u *universe, p *Package, name string) bool {
	if slices.Contains(p.Provides, name) {
		return true
	}
	return slices.ContainsFunc(p.Replaces, func(r Relation) bool {
		if r.Name != name {
			return false
		}
		id, ok := u.ids[name]
		return !ok || u.covers(idRel{id: id, c: r.Constraint})
	})
}

// unmet describes what the selection holds for a name whose constraint it fails.
func unmet(byName map[string]*Package, name string) string {
	if p := byName[name]; p != nil {
		return fmt.Sprintf("%s %s is selected", p.Name, p.Version)
	}
	return fmt.Sprintf("nothing selected is or stands in for %s", name)
}
