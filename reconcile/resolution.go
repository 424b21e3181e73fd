package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/resolve"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// The resolve stage, between observe and diff: the profiles whose lock is missing, stale or
// unusable are resolved against the store's usable packages and the sources' packages. It does no
// I/O (observe read the metadata), but resolution is bounded in time, so it takes a context; the
// diff stage then reads its results as values.

const defaultResolveTimeout = 30 * time.Second

// resolutions is what the resolve stage decided.
type resolutions struct {
	// locks are the resolved locks, and errs the failures, by profile.
	locks map[string]*pkgmeta.Lock
	errs  map[string]error
	// mounts are the store packages resolution left out because they are not mounted (and no
	// source offers them): the plan mounts them.
	mounts []*store.Package
	// unreadable are store packages whose metadata cannot be read (they cannot be chosen).
	unreadable map[layout.PackageID]error
	warnings   []string
}

// lockReason says why profile sp needs resolving ("" when its lock on disk stands), with that
// lock (nil when absent or unreadable).
func lockReason(in *diffInput, sp *spec.Profile) (*pkgmeta.Lock, string) {
	ps := in.s.profiles[sp.Name]
	var have *pkgmeta.Lock
	if ps != nil {
		have = ps.lock
	}
	switch {
	case ps != nil && ps.lockErr != nil:
		return have, "the existing lock is unreadable: " + ps.lockErr.Error()
	case have == nil:
		return have, "no lock yet"
	case in.opt.Upgrade:
		return have, "--upgrade"
	case have.ProfileDigest != desiredProfile(sp).Digest():
		return have, "profile changed since the lock was resolved"
	}
	if missing := unavailable(in, have); missing != "" {
		return have, "locked package " + missing + " is neither in the store nor in a source"
	}
	return have, ""
}

// profileBlocked reports whether profile sp cannot be planned at all (its dataset is someone
// else's, or its names are too long): diffProfile reports why; nothing is resolved for it.
func profileBlocked(in *diffInput, sp *spec.Profile) bool {
	ps := in.s.profiles[sp.Name]
	if ps != nil {
		return !ps.managed
	}
	var tl *layout.NameTooLongError
	return errors.As(layout.CheckNames(in.l.ProfileNames(sp.Name)), &tl)
}

// resolveProfiles resolves, in declaration order, every declared profile that needs it. The
// universe is built once, when the first one does.
func (e *Engine) resolveProfiles(ctx context.Context, in *diffInput) resolutions {
	r := resolutions{locks: map[string]*pkgmeta.Lock{}, errs: map[string]error{}, unreadable: map[layout.PackageID]error{}}
	var universe []resolve.Package
	built := false
	for i := range in.cfg.Profiles {
		sp := &in.cfg.Profiles[i]
		if _, reason := lockReason(in, sp); reason == "" || profileBlocked(in, sp) {
			continue
		}
		if !built {
			universe, built = r.buildUniverse(in), true
		}
		lk, err := e.resolveOne(ctx, sp, universe)
		if err != nil {
			r.errs[sp.Name] = err
			continue
		}
		r.locks[sp.Name] = lk
	}
	return r
}

// resolveOne resolves a profile against the universe, within the engine's time limit.
func (e *Engine) resolveOne(ctx context.Context, sp *spec.Profile, universe []resolve.Package) (*pkgmeta.Lock, error) {
	var reqs []resolve.Request
	for _, pkg := range sp.Packages {
		reqs = append(reqs, resolve.Request{Name: pkg.Name, Constraint: pkg.Constraint})
	}
	timeout := e.ResolveTimeout
	if timeout <= 0 {
		timeout = defaultResolveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sel, err := resolve.Resolve(ctx, sp.Name, reqs, universe, e.Resolve)
	if err != nil {
		return nil, err
	}
	lk := &pkgmeta.Lock{ProfileName: sp.Name, ProfileDigest: desiredProfile(sp).Digest()}
	for _, s := range sel {
		lk.Resolved = append(lk.Resolved, pkgmeta.LockEntry{Name: s.Name, Version: s.Version, Revision: s.Revision, BuildID: s.BuildID, Requested: s.Requested})
	}
	// Normalise through the file format, so a lock compares equal to what reading it back gives.
	norm, err := pkgmeta.ParseLock(lk.Marshal())
	if err != nil {
		return nil, fmt.Errorf("internal error: a resolved lock does not read back: %w", err)
	}
	return &norm, nil
}

// buildUniverse lists what the resolver may choose from: the usable store packages and the
// sources' packages. A store package whose metadata cannot be read is left out with a warning (it
// cannot be chosen; a source that has it still offers it), rather than stopping every profile
// from resolving.
func (r *resolutions) buildUniverse(in *diffInput) []resolve.Package {
	seen := map[layout.PackageID]bool{}
	var u []resolve.Package
	for _, pkg := range in.s.index.Usable() {
		if unmounted(in.s, pkg) {
			// Its files are not readable. A source that has it offers the same metadata (the
			// build-id names the content); otherwise it waits for the mount this plan makes.
			if _, ok := in.sources[pkg.ID]; !ok {
				r.mounts = append(r.mounts, pkg)
				r.unreadable[pkg.ID] = fmt.Errorf("%s is not mounted (zfs mount %s)", pkg.Dataset, pkg.Dataset)
				r.warnings = append(r.warnings, fmt.Sprintf("store package %s in %s is left out of dependency resolution this pass: it is not mounted (this apply mounts it)", pkg.ID, pkg.Dataset))
			}
			continue
		}
		mr := in.s.obs.meta[pkg.ID]
		if mr.err != nil {
			r.unreadable[pkg.ID] = fmt.Errorf("%s: %w", pkg.Dataset, mr.err)
			r.warnings = append(r.warnings, fmt.Sprintf("store package %s in %s is left out of dependency resolution: %v", pkg.ID, pkg.Dataset, mr.err))
			continue
		}
		seen[pkg.ID] = true
		u = append(u, toResolve(pkg.ID, mr.meta.Manifest, mr.meta.Deps))
	}
	for _, id := range slices.SortedFunc(maps.Keys(in.sources), comparePackageID) {
		if seen[id] {
			continue
		}
		sp := in.sources[id]
		u = append(u, toResolve(id, sp.Manifest, sp.Deps))
	}
	return u
}

func toResolve(id layout.PackageID, m pkgmeta.Manifest, d pkgmeta.Deps) resolve.Package {
	rp := resolve.Package{Name: id.Name, Version: id.Version, Revision: id.Revision, BuildID: id.BuildID, Provides: m.Provides}
	for _, dep := range d.Dependencies {
		rp.Depends = append(rp.Depends, resolve.Relation{Name: dep.Name, Constraint: dep.Constraint})
	}
	for _, r := range m.Conflicts {
		rp.Conflicts = append(rp.Conflicts, resolve.Relation{Name: r.Name, Constraint: r.Constraint})
	}
	for _, r := range m.Replaces {
		rp.Replaces = append(rp.Replaces, resolve.Relation{Name: r.Name, Constraint: r.Constraint})
	}
	return rp
}

// resolveErrorPos points a resolver failure at the constraint of the requested package its chain
// starts from, or at the profile when it names none.
func resolveErrorPos(sp *spec.Profile, err error) *Pos {
	var re *resolve.Error
	if errors.As(err, &re) && len(re.Chain) > 1 {
		name, _, _ := strings.Cut(re.Chain[1], " ")
		for _, pkg := range sp.Packages {
			if pkg.Name == name {
				return posOf(pkg.ConstraintRange)
			}
		}
	}
	return posOf(sp.DeclRange)
}

// unreadableHint adds to a resolver failure the store packages of the names it involves that
// could not be read, and so could not be chosen.
func unreadableHint(err error, unreadable map[layout.PackageID]error) error {
	var re *resolve.Error
	if !errors.As(err, &re) || len(unreadable) == 0 {
		return err
	}
	text := strings.Join(append(slices.Clone(re.Chain), re.Reason, re.Missing), " ")
	var why []string
	for _, id := range slices.SortedFunc(maps.Keys(unreadable), comparePackageID) {
		if strings.Contains(text, id.Name) {
			why = append(why, unreadable[id].Error())
		}
	}
	if len(why) == 0 {
		return err
	}
	return fmt.Errorf("%w (the store has packages it could not read, and so could not choose: %s)", err, strings.Join(why, "; "))
}
