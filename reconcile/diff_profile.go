package reconcile

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// profilesDiff is what the declared profiles want.
type profilesDiff struct {
	findings
	steps   []Step
	imports []Step // sorted by target
	// locks are the locks the declared profiles have after the plan, by profile.
	locks map[string]*pkgmeta.Lock
	// imported are the packages the plan imports.
	imported map[layout.PackageID]bool
	// released counts, per package snapshot, the profile holds the plan releases.
	released map[layout.Snapshot]int
}

// diffProfiles plans every declared profile: its dataset, profile.yaml and lock, and the imports
// of the packages its lock names that the store lacks.
func diffProfiles(in *diffInput) profilesDiff {
	d := profilesDiff{locks: map[string]*pkgmeta.Lock{}, imported: map[layout.PackageID]bool{}, released: map[layout.Snapshot]int{}}
	for i := range in.cfg.Profiles {
		d.profile(in, &in.cfg.Profiles[i])
	}
	sort.SliceStable(d.imports, func(i, j int) bool { return d.imports[i].Target < d.imports[j].Target })
	return d
}

func desiredProfile(sp *spec.Profile) pkgmeta.Profile {
	pr := pkgmeta.Profile{Name: sp.Name, Description: sp.Description}
	for _, pkg := range sp.Packages {
		pr.Packages = append(pr.Packages, pkgmeta.Request{Name: pkg.Name, Constraint: pkg.Constraint})
	}
	return pr
}

func (d *profilesDiff) profile(in *diffInput, sp *spec.Profile) {
	group := "Profile " + sp.Name
	ds := in.l.Profile(sp.Name)
	dir := in.l.Path(ds)
	ps := in.s.profiles[sp.Name]
	if ps != nil && !ps.managed {
		d.fail("profile %q: %s exists but is %v (%s); remove or rename it, or rename the profile", sp.Name, ds, errUnmanagedInTheWay, posOf(sp.DeclRange))
		return
	}
	if ps == nil {
		if !d.checkLen(fmt.Sprintf("profile %q", sp.Name), in.l.ProfileNames(sp.Name), posOf(sp.DeclRange)) {
			return
		}
		d.steps = append(d.steps, Step{Action: Add, Group: group, Target: string(ds),
			Summary: "create " + string(ds), Reason: "declared, not in the store yet", Source: posOf(sp.DeclRange),
			Op: &CreateStep{Dataset: ds, Props: map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindProfile}}})
	}
	want := desiredProfile(sp)
	wantYAML := want.Marshal()
	if ps == nil || !ps.hasYAML || string(ps.yaml) != string(wantYAML) {
		reason := "profile changed"
		if ps == nil || !ps.hasYAML {
			reason = "no " + layout.ProfileFile + " yet"
		}
		d.steps = append(d.steps, Step{Action: actionFor(ps == nil || !ps.hasYAML), Group: group,
			Target: filepath.Join(dir, layout.ProfileFile), Summary: "write " + layout.ProfileFile + " (" + english.Count(len(want.Packages), "package") + ")",
			Reason: reason, Source: posOf(sp.DeclRange), Op: &WriteStep{Path: filepath.Join(dir, layout.ProfileFile), Content: string(wantYAML)}})
	}
	have, reason := lockReason(in, sp)
	lock := have
	if reason != "" {
		if err := in.res.errs[sp.Name]; err != nil {
			d.fail("profile %q (%s): %w", sp.Name, resolveErrorPos(sp, err), unreadableHint(refusalHint(err, in.s.obs.refused), in.res.unreadable))
			return
		}
		lock = in.res.locks[sp.Name]
	}
	d.locks[sp.Name] = lock
	tag := layout.ProfileHoldTag(sp.Name)
	hold, release := profileHolds(in, tag, lock)
	for _, snap := range release {
		d.released[snap]++
	}
	if have == nil || string(have.Marshal()) != string(lock.Marshal()) {
		if have != nil && reason == "--upgrade" {
			reason = "--upgrade found newer packages"
		}
		d.steps = append(d.steps, Step{Action: actionFor(have == nil), Group: group,
			Target: filepath.Join(dir, layout.LockFile), Summary: "lock " + describeLock(lock, have), Reason: reason,
			Source: posOf(sp.DeclRange), Op: &LockStep{Path: filepath.Join(dir, layout.LockFile), Content: string(lock.Marshal()),
				Tag: tag, Hold: hold, Release: release}})
	} else if len(hold) > 0 || len(release) > 0 {
		d.steps = append(d.steps, profileHoldsStep(in, group, ds, tag, hold, release))
	}
	for _, id := range lockIDs(lock) {
		d.needPackage(in, id, sp)
	}
}

// profileHolds compares the packages lock names with those carrying the profile's hold tag:
// hold are the snapshots lacking it (packages the plan imports among them), release those that
// carry it but are not named, both sorted.
func profileHolds(in *diffInput, tag layout.Tag, lock *pkgmeta.Lock) (hold, release []layout.Snapshot) {
	want := map[layout.Snapshot]bool{}
	for _, id := range lockIDs(lock) {
		want[in.l.Installed(id)] = true
	}
	for _, snap := range slices.Sorted(maps.Keys(want)) {
		if !slices.Contains(in.s.obs.holds[snap], tag) {
			hold = append(hold, snap)
		}
	}
	for _, snap := range slices.Sorted(maps.Keys(in.s.obs.holds)) {
		if !want[snap] && slices.Contains(in.s.obs.holds[snap], tag) {
			release = append(release, snap)
		}
	}
	return hold, release
}

// profileHoldsStep repairs the holds of a profile whose lock stays: packages it names that lack
// the tag (a store from before profiles held their packages, a re-imported package, someone's
// zfs release) and tags left where it names nothing (an interrupted pass).
func profileHoldsStep(in *diffInput, group string, ds layout.Dataset, tag layout.Tag, hold, release []layout.Snapshot) Step {
	st := &HoldsStep{Hold: map[layout.Tag][]layout.Snapshot{}, Release: map[layout.Tag][]layout.Snapshot{}}
	var parts []string
	if len(hold) > 0 {
		st.Hold[tag] = hold
		parts = append(parts, "hold "+english.Count(len(hold), "package")+" its lock names")
	}
	if len(release) > 0 {
		st.Release[tag] = release
		parts = append(parts, "release "+english.Count(len(release), "package")+" its lock no longer names")
	}
	return Step{Action: Change, Group: group, Target: string(ds), Summary: strings.Join(parts, "; "),
		Reason: "a profile holds every package its lock names, and no other", Op: st}
}

// describeLock summarises a lock, and what changed from the previous one.
func describeLock(lk, prev *pkgmeta.Lock) string {
	var parts []string
	old := map[string]pkgmeta.LockEntry{}
	if prev != nil {
		for _, e := range prev.Resolved {
			old[e.Name] = e
		}
	}
	for _, e := range lk.Resolved {
		s := fmt.Sprintf("%s %s-%d", e.Name, e.Version, e.Revision)
		if o, ok := old[e.Name]; ok && (o.Version != e.Version || o.Revision != e.Revision || o.BuildID != e.BuildID) {
			s = fmt.Sprintf("%s %s-%d -> %s-%d", e.Name, o.Version, o.Revision, e.Version, e.Revision)
		}
		parts = append(parts, s)
		delete(old, e.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(old)) {
		parts = append(parts, name+" removed")
	}
	return strings.Join(parts, ", ")
}

// available reports whether a package is usable from the store or importable from a source.
func available(in *diffInput, id layout.PackageID) bool {
	if sp, ok := in.s.index.Get(id); ok && sp.Managed && sp.Complete {
		return true
	}
	_, ok := in.sources[id]
	return ok
}

// unavailable names the first package of a lock that is neither usable nor importable.
func unavailable(in *diffInput, lk *pkgmeta.Lock) string {
	for _, id := range lockIDs(lk) {
		if !available(in, id) {
			return id.String()
		}
	}
	return ""
}

// needPackage plans the import of a locked package that the store lacks.
func (d *profilesDiff) needPackage(in *diffInput, id layout.PackageID, sp *spec.Profile) {
	if pkg, ok := in.s.index.Get(id); ok && pkg.Managed && pkg.Complete {
		return
	}
	if d.imported[id] {
		return
	}
	src, ok := in.sources[id]
	if !ok {
		d.fail("profile %q needs %s, which is neither in the store nor in a source", sp.Name, id)
		return
	}
	if pkg, ok := in.s.index.Get(id); ok {
		d.fail("%s exists but is not a complete package managed by axiom-reconcile; it is left alone, so %s cannot be imported", pkg.Dataset, id)
		return
	}
	// Where the package comes from in the configuration: its package block if the profile
	// requests it, else the profile (it is a dependency).
	where, reason := posOf(sp.DeclRange), fmt.Sprintf("a dependency in the lock of profile %s, not in the store", sp.Name)
	for _, pkg := range sp.Packages {
		if pkg.Name == id.Name {
			where, reason = posOf(pkg.DeclRange), fmt.Sprintf("requested by profile %s, not in the store", sp.Name)
		}
	}
	if !d.checkLen("package "+id.String(), in.l.PackageNames(id), where) {
		return
	}
	d.imported[id] = true
	d.imports = append(d.imports, Step{Action: Add, Group: storeGroup(in.l), Target: string(in.l.Package(id)),
		Summary: "import " + id.String() + " from " + describeOrigin(in.cfg, src.Origin), Reason: reason, Source: where,
		Op: &ImportStep{Package: id.Path(), Origin: src.Origin, SignedBy: src.SignedBy}})
}

// describeOrigin names a package's origin by its source: "samples: bash-5.2.21".
func describeOrigin(cfg *spec.Config, origin string) string {
	for _, s := range cfg.Sources {
		if rel, err := filepath.Rel(s.Path, origin); err == nil && filepath.IsLocal(rel) {
			return fmt.Sprintf("source %q: %s", s.Name, rel)
		}
	}
	return origin
}
