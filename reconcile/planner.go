package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/resolve"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Plan observes ZFS and the sources and computes the steps that bring them to cfg. It changes
// nothing. Every problem it finds is reported at once, in one error.
func (e *Engine) Plan(ctx context.Context, cfg *spec.Config, opt PlanOptions) (*Plan, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return e.plan(ctx, cfg, obs, opt)
}

// planner holds one planning's working state.
type planner struct {
	e    *Engine
	ctx  context.Context
	cfg  *spec.Config
	s    *state
	l    layout.Layout
	opt  PlanOptions
	plan *Plan
	errs []error

	sources  map[layout.PackageID]*source.Package
	universe []resolve.Package // built on first use
	imports  map[layout.PackageID]bool
	// locks are the desired locks of the declared profiles.
	locks map[string]*pkgmeta.Lock
	// retained are the generations kept after the plan (existing ones), by environment; newGen
	// the locks of generations the plan realizes.
	retained []*genState
	newLocks []*pkgmeta.Lock
	// released counts, per package snapshot, the holds the plan's prunes and removals release.
	released map[string]int
	budget   int
	removals int
	// removed are the profiles and environments the plan removes.
	removed map[string]bool
	// realizing are the generations the plan builds: hold tag -> the snapshots it will hold.
	realizing map[string][]string
	// mounts are the packages the plan mounts.
	mounts map[string]bool
	// unreadable are store packages whose metadata cannot be read (they cannot be chosen).
	unreadable map[layout.PackageID]error
	// refused are the source packages left out of the universe (see observation.refused).
	refused []*source.Error
	// tagged caches the hold tags of every held package snapshot (see heldBy).
	tagged    map[string][]string
	taggedErr error
	// explaining: the planner runs for `gc --explain`, which reports rather than fails.
	explaining bool
	// overBudget is the number of collectable packages when they exceed the budget.
	overBudget int

	// step lists by phase, concatenated at the end.
	layoutSteps, tempSteps, holdSteps, mountSteps, importSteps, profileSteps, envSteps, removeSteps, gcSteps []Step
}

func (p *planner) fail(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

// warn records a warning in the plan and the log (the daemon shows plans only in its log).
func (p *planner) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.plan.Warnings = append(p.plan.Warnings, msg)
	p.e.Log.Warn().Msg(msg)
}

func (e *Engine) plan(ctx context.Context, cfg *spec.Config, obs *observation, opt PlanOptions) (*Plan, error) {
	p, err := e.runPlanner(ctx, cfg, obs, opt, false)
	if err != nil {
		return nil, err
	}
	pl := p.plan
	phases := [][]Step{p.layoutSteps, p.tempSteps, p.holdSteps, p.mountSteps, p.importSteps, p.profileSteps, p.envSteps, p.removeSteps, p.gcSteps}
	if opt.GCOnly {
		phases = [][]Step{p.tempSteps, p.gcSteps}
	}
	for _, phase := range phases {
		pl.Steps = append(pl.Steps, phase...)
	}
	pl.Config = configDigests(cfg, obs.sources)
	pl.ConfigDigest = digestMap(pl.Config)
	pl.Observed = obs.fingerprint()
	pl.StateDigest = digestMap(pl.Observed)
	return pl, nil
}

func (e *Engine) runPlanner(ctx context.Context, cfg *spec.Config, obs *observation, opt PlanOptions, explaining bool) (*planner, error) {
	// The planning's clock, read once: the plan's time, and the time GC grace periods end by.
	now := opt.at
	if now.IsZero() {
		now = e.now().UTC()
	}
	p := &planner{
		e: e, ctx: ctx, cfg: cfg, s: interpret(obs), l: obs.layout, opt: opt, explaining: explaining,
		sources: map[layout.PackageID]*source.Package{}, imports: map[layout.PackageID]bool{},
		locks: map[string]*pkgmeta.Lock{}, released: map[string]int{}, removed: map[string]bool{},
		realizing: map[string][]string{}, mounts: map[string]bool{}, unreadable: map[layout.PackageID]error{},
		plan: &Plan{Format: PlanFormat, CreatedAt: now, ConfigDir: cfg.Dir, Store: cfg.Store.Dataset, Upgrade: opt.Upgrade},
	}
	p.budget = cfg.GC.MaxDeletes
	if opt.MaxDeletes >= 0 {
		p.budget = opt.MaxDeletes
	}
	p.plan.MaxDeletes = p.budget
	for _, sp := range obs.sources {
		p.sources[store.ID(sp)] = sp
	}
	p.refused = obs.refused
	for _, r := range obs.refused {
		p.warn("%s", refusalWarning(r))
		p.plan.Refused = append(p.plan.Refused, Refusal{Package: r.Package, Origin: r.Origin, Reason: r.Error()})
	}
	p.checkTree()
	if len(p.errs) == 0 {
		p.planLayout()
		p.planTemps()
		for i := range cfg.Profiles {
			p.planProfile(&cfg.Profiles[i])
		}
		for i := range cfg.Environments {
			p.planEnv(&cfg.Environments[i])
		}
		if !opt.GCOnly {
			// `gc` removes nothing but packages: it neither plans removals nor counts them.
			p.planRemovals()
			p.planHolds()
		}
		p.planGC()
	}
	if len(p.errs) > 0 {
		return nil, &PlanError{Errs: p.errs}
	}
	return p, nil
}

// PlanError lists every problem a plan found.
type PlanError struct{ Errs []error }

func (e *PlanError) Error() string {
	if len(e.Errs) == 1 {
		return e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(e.Errs))
	for _, err := range e.Errs {
		fmt.Fprintf(&b, "\n  - %s", strings.ReplaceAll(err.Error(), "\n", "\n    "))
	}
	return b.String()
}

func (e *PlanError) Unwrap() []error { return e.Errs }

// configDigests digests each configuration file and names each package the sources offer.
func configDigests(cfg *spec.Config, sources []*source.Package) map[string]string {
	m := map[string]string{}
	for _, f := range cfg.Files {
		rel, err := filepath.Rel(cfg.Dir, f)
		if err != nil {
			rel = f
		}
		if b, err := os.ReadFile(f); err == nil {
			m["config "+rel] = short(string(b))
		} else {
			m["config "+rel] = "unreadable"
		}
	}
	for _, sp := range sources {
		m["source package "+store.ID(sp).Path()] = sp.Origin
	}
	return m
}

// checkTree refuses trees the reconciler cannot safely work in.
func (p *planner) checkTree() {
	root := p.s.root
	if root == nil {
		return
	}
	if root.Mountpoint != filepath.Clean(p.cfg.Store.Mountpoint) {
		where := root.Mountpoint
		if where == "" {
			where = "nowhere (mountpoint none/legacy or canmount=off)"
		}
		p.fail("%s is mounted at %s, but the configuration says mountpoint = %q (%s); change one of them", root.Name, where, p.cfg.Store.Mountpoint, posOf(p.cfg.Store.DeclRange))
	}
	if d, ok := p.s.obs.tree.Get(p.l.Tmp()); ok && !managed(d) {
		p.fail("%s exists but is %v: axiom-reconcile keeps its work in progress there; move that dataset away", d.Name, errUnmanagedInTheWay)
	}
	// Every filesystem the reconciler reads files from must be mounted where the layout says.
	for i := range p.s.obs.tree.Datasets {
		d := &p.s.obs.tree.Datasets[i]
		if d.Type != zfs.Filesystem || d.Name == root.Name || !managed(d) {
			continue
		}
		if want := p.l.Path(d.Name); d.Mountpoint != want {
			p.fail("%s is mounted at %q, not %q: axiom-reconcile reads and writes files there; inherit its mountpoint", d.Name, d.Mountpoint, want)
		}
	}
	// Profiles, environments and generations hold the files plans are made from: one that is not
	// mounted would look empty (no lock, no `current`). Packages are mounted by a step when a
	// realize needs them (planMount).
	for i := range p.s.obs.tree.Datasets {
		d := &p.s.obs.tree.Datasets[i]
		if d.Type != zfs.Filesystem || !d.Unmounted || !managed(d) || !p.readsFilesOf(d.Name) {
			continue
		}
		p.fail("%s is not mounted: axiom-reconcile reads its files to plan; mount it (zfs mount %s)", d.Name, d.Name)
	}
}

// readsFilesOf reports whether plans read files of dataset ds: the root, the profiles and env
// containers, each profile, environment and generation.
func (p *planner) readsFilesOf(ds string) bool {
	switch {
	case ds == p.l.Root, ds == p.l.Profiles(), ds == p.l.Envs():
		return true
	case strings.HasPrefix(ds, p.l.Profiles()+"/"):
		return !strings.Contains(strings.TrimPrefix(ds, p.l.Profiles()+"/"), "/")
	case strings.HasPrefix(ds, p.l.Envs()+"/"):
		return strings.Count(strings.TrimPrefix(ds, p.l.Envs()+"/"), "/") <= 1
	}
	return false
}

// checkLen refuses, at plan time, an item whose dataset or snapshot names (a layout *Names list)
// would be longer than ZFS allows, so nothing is applied that would fail halfway. Validation
// already checks every name against the worst case (spec uses the same layout functions), so
// this only guards the planner against a configuration that did not come through spec.Load.
func (p *planner) checkLen(what string, names []string, src *Pos) bool {
	var tl *layout.NameTooLongError
	if err := layout.CheckNames(names); !errors.As(err, &tl) {
		return true
	}
	at := ""
	if src != nil {
		at = " (" + src.String() + ")"
	}
	p.fail("%s would need the name %s, %d bytes: more than the %d ZFS allows%s; use a shorter store dataset or name",
		what, tl.Name, len(tl.Name), layout.MaxNameLen, at)
	return false
}

func (p *planner) planLayout() {
	for _, name := range p.l.Containers() {
		if _, ok := p.s.obs.tree.Get(name); ok {
			continue
		}
		if !p.checkLen("the store container", []string{name}, posOf(p.cfg.Store.DatasetRange)) {
			continue
		}
		props := map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindContainer}
		summary := "create " + name
		if name == p.l.Root {
			props["mountpoint"] = p.cfg.Store.Mountpoint
			props["compression"] = "lz4"
			props["atime"] = "off"
			summary += " (mountpoint " + p.cfg.Store.Mountpoint + ")"
		}
		p.layoutSteps = append(p.layoutSteps, Step{Kind: KindCreate, Action: Add, Group: "Store " + p.l.Root, Target: name,
			Summary: summary, Reason: "part of every Axiom tree, not there yet", Source: posOf(p.cfg.Store.DeclRange),
			Create: &CreateStep{Dataset: name, Props: props}})
	}
}

func (p *planner) planTemps() {
	var temps []string
	for _, d := range p.s.temps {
		if !managed(d) {
			p.plan.Notes = append(p.plan.Notes, fmt.Sprintf("%s is not managed by axiom-reconcile; it is left alone", d.Name))
			continue
		}
		if what := notOurs(p.s.obs.tree, d.Name); len(what) > 0 {
			p.fail("the temporary dataset %s, left by an interrupted pass, cannot be cleaned: %s; axiom-reconcile destroys only what it owns, so nothing was destroyed (move that away, or destroy it yourself)", d.Name, strings.Join(what, "; "))
			continue
		}
		temps = append(temps, d.Name)
	}
	if len(temps) > 0 {
		p.tempSteps = append(p.tempSteps, Step{Kind: KindCleanTemp, Action: Remove, Group: "Store " + p.l.Root, Target: p.l.Tmp(),
			Summary: fmt.Sprintf("clean %d temporary dataset(s) left by an interrupted pass", len(temps)), Reason: "garbage by its location", Temps: temps})
	}
	if files := p.s.obs.leftovers; len(files) > 0 {
		p.tempSteps = append(p.tempSteps, Step{Kind: KindCleanFiles, Action: Remove, Group: "Store " + p.l.Root, Target: p.l.Root,
			Summary: fmt.Sprintf("remove %s left by a write that was interrupted", plural(len(files), "temporary file")),
			Reason:  "temporary files of the reconciler's own writes, in its own datasets", Files: slices.Sorted(slices.Values(files))})
	}
}

// ---- profiles -------------------------------------------------------------------------------

func desiredProfile(sp *spec.Profile) pkgmeta.Profile {
	pr := pkgmeta.Profile{Name: sp.Name, Description: sp.Description}
	for _, pkg := range sp.Packages {
		pr.Packages = append(pr.Packages, pkgmeta.Request{Name: pkg.Name, Constraint: pkg.Constraint})
	}
	return pr
}

func (p *planner) planProfile(sp *spec.Profile) {
	group := "Profile " + sp.Name
	ds := p.l.Profile(sp.Name)
	dir := p.l.Path(ds)
	ps := p.s.profiles[sp.Name]
	if ps != nil && !ps.managed {
		p.fail("profile %q: %s exists but is %v (%s); remove or rename it, or rename the profile", sp.Name, ds, errUnmanagedInTheWay, posOf(sp.DeclRange))
		return
	}
	if ps == nil {
		if !p.checkLen(fmt.Sprintf("profile %q", sp.Name), p.l.ProfileNames(sp.Name), posOf(sp.DeclRange)) {
			return
		}
		p.profileSteps = append(p.profileSteps, Step{Kind: KindCreate, Action: Add, Group: group, Target: ds,
			Summary: "create " + ds, Reason: "declared, not in the store yet", Source: posOf(sp.DeclRange),
			Create: &CreateStep{Dataset: ds, Props: map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindProfile}}})
	}
	want := desiredProfile(sp)
	wantYAML := want.Marshal()
	if ps == nil || !ps.hasYAML || string(ps.yaml) != string(wantYAML) {
		reason := "profile changed"
		if ps == nil || !ps.hasYAML {
			reason = "no " + layout.ProfileFile + " yet"
		}
		p.profileSteps = append(p.profileSteps, Step{Kind: KindWriteProfile, Action: actionFor(ps == nil || !ps.hasYAML), Group: group,
			Target: filepath.Join(dir, layout.ProfileFile), Summary: "write " + layout.ProfileFile + " (" + plural(len(want.Packages), "package") + ")",
			Reason: reason, Source: posOf(sp.DeclRange), Write: &WriteStep{Path: filepath.Join(dir, layout.ProfileFile), Content: string(wantYAML)}})
	}

	digest := want.Digest()
	var have *pkgmeta.Lock
	if ps != nil {
		have = ps.lock
	}
	lock, reason := have, ""
	switch {
	case ps != nil && ps.lockErr != nil:
		reason = "the existing lock is unreadable: " + ps.lockErr.Error()
	case have == nil:
		reason = "no lock yet"
	case p.opt.Upgrade:
		reason = "--upgrade"
	case have.ProfileDigest != digest:
		reason = "profile changed since the lock was resolved"
	default:
		if missing := p.unavailable(have); missing != "" {
			reason = "locked package " + missing + " is neither in the store nor in a source"
		}
	}
	if reason != "" {
		resolved, err := p.resolve(sp, digest)
		if err != nil {
			p.fail("profile %q (%s): %w", sp.Name, resolveErrorPos(sp, err), p.unreadableHint(refusalHint(err, p.refused)))
			return
		}
		lock = resolved
	}
	p.locks[sp.Name] = lock
	if have == nil || string(have.Marshal()) != string(lock.Marshal()) {
		if have != nil && reason == "--upgrade" {
			reason = "--upgrade found newer packages"
		}
		p.profileSteps = append(p.profileSteps, Step{Kind: KindLock, Action: actionFor(have == nil), Group: group,
			Target: filepath.Join(dir, layout.LockFile), Summary: "lock " + describeLock(lock, have), Reason: reason,
			Source: posOf(sp.DeclRange), Write: &WriteStep{Path: filepath.Join(dir, layout.LockFile), Content: string(lock.Marshal())}})
	}
	for _, id := range lockIDs(lock) {
		p.needPackage(id, sp)
	}
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
func (p *planner) unreadableHint(err error) error {
	var re *resolve.Error
	if !errors.As(err, &re) || len(p.unreadable) == 0 {
		return err
	}
	text := strings.Join(append(slices.Clone(re.Chain), re.Reason, re.Missing), " ")
	var why []string
	for _, id := range slices.SortedFunc(maps.Keys(p.unreadable), comparePackageID) {
		if strings.Contains(text, id.Name) {
			why = append(why, p.unreadable[id].Error())
		}
	}
	if len(why) == 0 {
		return err
	}
	return fmt.Errorf("%w (the store has packages it could not read, and so could not choose: %s)", err, strings.Join(why, "; "))
}

func comparePackageID(a, b layout.PackageID) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

func actionFor(isNew bool) string {
	if isNew {
		return Add
	}
	return Change
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
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
func (p *planner) available(id layout.PackageID) bool {
	if sp, ok := p.s.index.Get(id); ok && sp.Managed && sp.Complete {
		return true
	}
	_, ok := p.sources[id]
	return ok
}

func (p *planner) unavailable(lk *pkgmeta.Lock) string {
	for _, id := range lockIDs(lk) {
		if !p.available(id) {
			return id.String()
		}
	}
	return ""
}

// needPackage plans the import of a locked package that the store lacks.
func (p *planner) needPackage(id layout.PackageID, sp *spec.Profile) {
	if pkg, ok := p.s.index.Get(id); ok && pkg.Managed && pkg.Complete {
		return
	}
	if p.imports[id] {
		return
	}
	src, ok := p.sources[id]
	if !ok {
		p.fail("profile %q needs %s, which is neither in the store nor in a source", sp.Name, id)
		return
	}
	if pkg, ok := p.s.index.Get(id); ok {
		p.fail("%s exists but is not a complete package managed by axiom-reconcile; it is left alone, so %s cannot be imported", pkg.Dataset, id)
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
	final := p.l.Package(id)
	if !p.checkLen("package "+id.String(), p.l.PackageNames(id), where) {
		return
	}
	p.imports[id] = true
	p.importSteps = append(p.importSteps, Step{Kind: KindImport, Action: Add, Group: "Store " + p.l.Root, Target: final,
		Summary: "import " + id.String() + " from " + p.describeOrigin(src.Origin), Reason: reason, Source: where,
		Import: &ImportStep{Package: id.Path(), Origin: src.Origin}})
	sort.SliceStable(p.importSteps, func(i, j int) bool { return p.importSteps[i].Target < p.importSteps[j].Target })
}

// describeOrigin names a package's origin by its source: "samples: bash-5.2.21".
func (p *planner) describeOrigin(origin string) string {
	for _, s := range p.cfg.Sources {
		if rel, err := filepath.Rel(s.Path, origin); err == nil && filepath.IsLocal(rel) {
			return fmt.Sprintf("source %q: %s", s.Name, rel)
		}
	}
	return origin
}

// resolve resolves a profile against the usable store packages and the sources.
func (p *planner) resolve(sp *spec.Profile, digest string) (*pkgmeta.Lock, error) {
	if p.universe == nil {
		u, err := p.buildUniverse()
		if err != nil {
			return nil, err
		}
		p.universe = u
	}
	var reqs []resolve.Request
	for _, pkg := range sp.Packages {
		reqs = append(reqs, resolve.Request{Name: pkg.Name, Constraint: pkg.Constraint})
	}
	ctx := p.ctx
	timeout := p.e.ResolveTimeout
	if timeout <= 0 {
		timeout = defaultResolveTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sel, err := resolve.Resolve(ctx, sp.Name, reqs, p.universe, p.e.Resolve)
	if err != nil {
		return nil, err
	}
	lk := &pkgmeta.Lock{ProfileName: sp.Name, ProfileDigest: digest}
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
func (p *planner) buildUniverse() ([]resolve.Package, error) {
	seen := map[layout.PackageID]bool{}
	var u []resolve.Package
	for _, pkg := range p.s.index.Usable() {
		if p.unmounted(pkg) {
			// Its files are not readable. A source that has it offers the same metadata (the
			// build-id names the content); otherwise it waits for the mount this plan makes.
			if _, ok := p.sources[pkg.ID]; !ok {
				p.planMount(pkg, "")
				p.unreadable[pkg.ID] = fmt.Errorf("%s is not mounted (zfs mount %s)", pkg.Dataset, pkg.Dataset)
				p.warn("store package %s in %s is left out of dependency resolution this pass: it is not mounted (this apply mounts it)", pkg.ID, pkg.Dataset)
			}
			continue
		}
		m, err := p.e.meta.Read(pkg)
		if err != nil {
			p.unreadable[pkg.ID] = fmt.Errorf("%s: %w", pkg.Dataset, err)
			p.warn("store package %s in %s is left out of dependency resolution: %v", pkg.ID, pkg.Dataset, err)
			continue
		}
		seen[pkg.ID] = true
		u = append(u, toResolve(pkg.ID, m.Manifest, m.Deps))
	}
	for _, id := range slices.SortedFunc(maps.Keys(p.sources), comparePackageID) {
		if seen[id] {
			continue
		}
		sp := p.sources[id]
		u = append(u, toResolve(id, sp.Manifest, sp.Deps))
	}
	return u, nil
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

// ---- environments ---------------------------------------------------------------------------

// realizeDigest names what a generation is built from: the lock, the conflict policy and the
// packages whose set-id bits it keeps. With none kept it is what it was before allow_setuid
// existed, so that no generation is rebuilt for the option's arrival.
func realizeDigest(lockDigest string, policy spec.ConflictPolicy, allowSetID []string) string {
	in := "axiom-realize/v1\x00" + lockDigest + "\x00" + string(policy)
	if len(allowSetID) > 0 {
		in += "\x00allow-setid\x00" + strings.Join(allowSetID, ",")
	}
	h := sha256.Sum256([]byte(in))
	return "sha256:" + hex.EncodeToString(h[:])
}

// allowedSetID lists, sorted, the packages of a profile whose set-id bits are kept.
func allowedSetID(sp *spec.Profile) []string {
	var names []string
	if sp == nil {
		return nil
	}
	for _, pkg := range sp.Packages {
		if pkg.AllowSetID {
			names = append(names, pkg.Name)
		}
	}
	slices.Sort(names)
	return names
}

func envProps(se *spec.Environment) map[string]string {
	pd := "off"
	if se.PreventDestroy {
		pd = "on"
	}
	return map[string]string{layout.PropProfile: se.Profile, layout.PropPreventDestroy: pd}
}

func (p *planner) planEnv(se *spec.Environment) {
	group := "Environment " + se.Name
	ds := p.l.Env(se.Name)
	es := p.s.envs[se.Name]
	if es != nil && !es.managed {
		p.fail("environment %q: %s exists but is %v (%s); remove or rename it, or rename the environment", se.Name, ds, errUnmanagedInTheWay, posOf(se.DeclRange))
		return
	}
	lock := p.locks[se.Profile]
	if lock == nil {
		return // the profile failed; its error is reported
	}
	lockDigest := lock.Digest()
	sp, _ := p.cfg.Profile(se.Profile)
	want := realizeDigest(lockDigest, se.ConflictPolicy, allowedSetID(sp))
	props := envProps(se)
	if es == nil {
		if !p.checkLen(fmt.Sprintf("environment %q", se.Name), []string{ds}, posOf(se.DeclRange)) {
			return
		}
		all := map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindEnv}
		maps.Copy(all, props)
		p.envSteps = append(p.envSteps, Step{Kind: KindCreate, Action: Add, Group: group, Target: ds, Summary: "create " + ds,
			Reason: "declared, not in the store yet", Source: posOf(se.DeclRange), Create: &CreateStep{Dataset: ds, Props: all}})
	} else {
		set := map[string]string{}
		var why []string
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if cur, _ := es.ds.Local(k); cur != props[k] {
				set[k] = props[k]
				if cur == "" {
					cur = "unset"
				}
				why = append(why, fmt.Sprintf("%s is %s", k, cur))
			}
		}
		if len(set) > 0 {
			p.envSteps = append(p.envSteps, Step{Kind: KindSetProps, Action: Change, Group: group, Target: ds,
				Summary: "set " + describeProps(set), Reason: strings.Join(why, ", "), Source: posOf(se.DeclRange), Props: &PropsStep{Dataset: ds, Set: set}})
		}
	}

	var gens []*genState
	maxK := 0
	if es != nil {
		for _, g := range es.gens {
			maxK = max(maxK, g.k)
			if g.managed {
				gens = append(gens, g)
			}
		}
	}
	var match *genState
	for _, g := range gens {
		if g.complete && g.realizeDigest == want {
			match = g // highest k wins: gens are sorted
		}
	}
	target, respectPin := 0, false
	if es != nil && es.pinned != 0 {
		if g := es.gen(es.pinned); g != nil && g.complete && es.pinnedFor == want {
			target, respectPin = es.pinned, true
			latest := "a generation not built yet"
			if match != nil {
				latest = match.name()
			}
			p.plan.Notes = append(p.plan.Notes, fmt.Sprintf("environment %s is pinned at %s by rollback; the configuration resolves to %s. The pin holds until the configuration changes, or until `axiom-reconcile rollback %s --to <K>` moves it.", se.Name, g.name(), latest, se.Name))
		}
	}
	var newLock *pkgmeta.Lock
	if target == 0 {
		if match != nil {
			target = match.k
		} else {
			target = maxK + 1
			newLock = lock
			p.planRealize(se, group, target, lock, want, realizeReason(es, gens, lockDigest, se, allowedSetID(sp)))
		}
	}

	script := activateScript(se.Name, p.l.Path(ds))
	unpin := es != nil && es.pinned != 0 && !respectPin
	if es == nil || es.current != target || !es.hasActivate || string(es.activate) != script || unpin {
		var reason string
		switch {
		case unpin:
			reason = fmt.Sprintf("the configuration changed since the rollback to gen-%d", es.pinned)
		case es != nil && es.current != 0 && es.current != target:
			reason = fmt.Sprintf("current is gen-%d", es.current)
		case es == nil || es.current == 0:
			reason = "no generation is current yet"
		default:
			reason = "the activate script is missing or differs"
		}
		p.envSteps = append(p.envSteps, Step{Kind: KindActivate, Action: actionFor(es == nil || es.current == 0), Group: group,
			Target: filepath.Join(p.l.Path(ds), layout.CurrentLink), Summary: "activate " + layout.GenerationName(target), Reason: reason,
			Source: posOf(se.DeclRange), Activate: &ActivateStep{Env: se.Name, Generation: target, Script: script, Unpin: unpin}})
	}

	// Retention: the newest keep_generations complete generations (a new one counts), and always
	// the one that will be current.
	var ks []int
	for _, g := range gens {
		if g.complete {
			ks = append(ks, g.k)
		}
	}
	if newLock != nil {
		ks = append(ks, target)
	}
	slices.Sort(ks)
	keep := map[int]bool{target: true}
	for i := len(ks) - 1; i >= 0 && len(ks)-i <= se.KeepGenerations; i-- {
		keep[ks[i]] = true
	}
	for _, g := range gens {
		if keep[g.k] && g.complete {
			p.retained = append(p.retained, g)
			continue
		}
		p.planPrune(se.Name, group, g, fmt.Sprintf("keep_generations = %d", se.KeepGenerations), posOf(se.DeclRange))
	}
	if newLock != nil {
		p.newLocks = append(p.newLocks, newLock)
	}
}

func describeProps(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// realizeReason says why an environment needs a new generation.
func realizeReason(es *envState, gens []*genState, lockDigest string, se *spec.Environment, allowSetID []string) string {
	var complete []*genState
	for _, g := range gens {
		if g.complete {
			complete = append(complete, g)
		}
	}
	if len(complete) == 0 {
		return "no generation yet"
	}
	var cur *genState
	if es != nil {
		cur = es.gen(es.current)
	}
	if cur == nil {
		cur = complete[len(complete)-1]
	}
	if es != nil && es.pinned != 0 {
		return fmt.Sprintf("the configuration changed since the rollback to gen-%d, and no generation is built from it", es.pinned)
	}
	have, _ := cur.ds.Local(layout.PropLockDigest)
	if have != lockDigest {
		return fmt.Sprintf("the lock of profile %s changed since %s was built", se.Profile, cur.name())
	}
	if allow, _ := cur.ds.Local(layout.PropAllowSetID); allow != strings.Join(allowSetID, ",") {
		return fmt.Sprintf("allow_setuid changed since %s was built", cur.name())
	}
	return fmt.Sprintf("conflict_policy changed to %q since %s was built", se.ConflictPolicy, cur.name())
}

func (p *planner) planRealize(se *spec.Environment, group string, k int, lock *pkgmeta.Lock, digest, reason string) {
	sp, _ := p.cfg.Profile(se.Profile)
	order := priorityOrder(sp, lock)
	var pkgs, snaps []string
	for _, id := range order {
		pkgs = append(pkgs, id.Path())
		snaps = append(snaps, p.l.Package(id)+"@"+layout.SnapInstalled)
	}
	gen := p.l.Generation(se.Name, k)
	tag := layout.HoldTag(se.Name, k)
	src := posOf(se.DeclRange)
	if !p.checkLen(fmt.Sprintf("generation %d of environment %q", k, se.Name), append(p.l.EnvNames(se.Name, k), tag), src) {
		return
	}
	deferred, err := p.checkMerge(se, order)
	if err != nil {
		p.fail("environment %q (%s): %w", se.Name, src, err)
		return
	}
	if len(deferred) > 0 {
		p.plan.Notes = append(p.plan.Notes, fmt.Sprintf("environment %s: %s not mounted, so file conflicts are checked when %s is realized rather than now", se.Name, strings.Join(deferred, ", "), layout.GenerationName(k)))
	}
	p.realizing[tag] = snaps
	p.envSteps = append(p.envSteps, Step{Kind: KindRealize, Action: Add, Group: group, Target: gen,
		Summary: fmt.Sprintf("realize %s from profile %s (%s)", layout.GenerationName(k), se.Profile, plural(len(pkgs), "package")),
		Reason:  reason, Source: src,
		Realize: &RealizeStep{Env: se.Name, Profile: se.Profile, Generation: k, Lock: string(lock.Marshal()), LockDigest: lock.Digest(),
			RealizeDigest: digest, Policy: string(se.ConflictPolicy), Packages: pkgs, AllowSetID: allowedSetID(sp)}})
}

// planMount plans mounting a package a realize needs that is not mounted (an interrupted GC
// unmounts its candidates; so can someone by hand).
func (p *planner) planMount(pkg *store.Package, env string) {
	if p.mounts[pkg.Dataset] {
		return
	}
	p.mounts[pkg.Dataset] = true
	reason := "not mounted, and environment " + env + " is realized from its files"
	if env == "" {
		reason = "not mounted, so dependency resolution cannot read it"
	}
	p.mountSteps = append(p.mountSteps, Step{Kind: KindMount, Action: Change, Group: "Store " + p.l.Root, Target: pkg.Dataset,
		Summary: "mount " + pkg.Dataset + ", package " + pkg.ID.String(), Reason: reason, Mount: pkg.Dataset})
}

// priorityOrder orders a lock's packages for merging: the profile's packages in declaration
// order, then the other requested ones, then dependencies, each by name. Under the "priority"
// conflict policy the first wins.
func priorityOrder(sp *spec.Profile, lock *pkgmeta.Lock) []layout.PackageID {
	ids := lockIDs(lock)
	rank := map[string]int{}
	for i, pkg := range sp.Packages {
		rank[pkg.Name] = i
	}
	requested := map[string]bool{}
	for _, e := range lock.Resolved {
		requested[e.Name] = e.Requested
	}
	key := func(id layout.PackageID) (int, int) {
		if r, ok := rank[id.Name]; ok {
			return 0, r
		}
		if requested[id.Name] {
			return 1, 0
		}
		return 2, 0
	}
	sort.SliceStable(ids, func(i, j int) bool {
		ci, ri := key(ids[i])
		cj, rj := key(ids[j])
		if ci != cj {
			return ci < cj
		}
		if ri != rj {
			return ri < rj
		}
		return ids[i].Name < ids[j].Name
	})
	return ids
}

func (p *planner) planPrune(env, group string, g *genState, reason string, src *Pos) {
	if what := notOurs(p.s.obs.tree, g.ds.Name); len(what) > 0 {
		p.fail("environment %q: %s is beyond keep_generations but cannot be pruned: %s; axiom-reconcile destroys only what it owns, so nothing was destroyed (move that away, or destroy it yourself)", env, g.ds.Name, strings.Join(what, "; "))
		p.retained = append(p.retained, g)
		return
	}
	st := &PruneStep{Env: env, Generation: g.k, Dataset: g.ds.Name, Tag: layout.HoldTag(env, g.k), Snapshots: p.heldSnapshots(g)}
	for _, snap := range st.Snapshots {
		p.released[snap]++
	}
	p.envSteps = append(p.envSteps, Step{Kind: KindPrune, Action: Remove, Group: group, Target: g.ds.Name,
		Summary: "prune " + g.name(), Reason: reason, Source: src, Prune: st})
}

// heldSnapshots returns the package snapshots generation g holds: those its lock names, or, when
// its lock cannot be read, those that carry its tag (asking ZFS, once per plan).
func (p *planner) heldSnapshots(g *genState) []string {
	var snaps []string
	if g.lock != nil {
		for _, id := range lockIDs(g.lock) {
			snaps = append(snaps, p.l.Package(id)+"@"+layout.SnapInstalled)
		}
		return snaps
	}
	tags, err := p.heldBy()
	if err != nil {
		p.fail("reading the holds of %s, whose lock is unreadable (%v): %w", g.ds.Name, g.lockErr, err)
		return nil
	}
	tag := layout.HoldTag(g.env, g.k)
	for _, snap := range slices.Sorted(maps.Keys(tags)) {
		if slices.Contains(tags[snap], tag) {
			snaps = append(snaps, snap)
		}
	}
	return snaps
}

// heldBy returns the hold tags of every package snapshot that has holds, in one `zfs holds`, the
// first time it is asked.
func (p *planner) heldBy() (map[string][]string, error) {
	if p.tagged != nil || p.taggedErr != nil {
		return p.tagged, p.taggedErr
	}
	var held []string
	for _, pkg := range p.s.index.All() {
		if pkg.Installed != nil && pkg.Installed.UserRefs > 0 {
			held = append(held, pkg.Installed.Name)
		}
	}
	p.tagged = map[string][]string{}
	if len(held) == 0 {
		return p.tagged, nil
	}
	p.tagged, p.taggedErr = p.e.ZFS.Holds(p.ctx, held...)
	return p.tagged, p.taggedErr
}

// activateScript is the stable script that puts an environment's current generation on PATH. It
// names `current`, not a generation, so switching generations never rewrites it.
func activateScript(env, dir string) string {
	cur := filepath.Join(dir, layout.CurrentLink)
	return fmt.Sprintf(`# Axiom environment %[1]s, written by axiom-reconcile. Use it with:  . %[2]s
# It always refers to the generation %[3]s points to; "deactivate" undoes it.
if command -v deactivate >/dev/null 2>&1; then deactivate; fi
_AXIOM_OLD_PATH=${PATH-}
_AXIOM_OLD_LD_LIBRARY_PATH=${LD_LIBRARY_PATH-}
_AXIOM_OLD_MANPATH=${MANPATH-}
AXIOM_ENV=%[1]s
PATH="%[3]s/bin:%[3]s/sbin${PATH:+:$PATH}"
LD_LIBRARY_PATH="%[3]s/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
MANPATH="%[3]s/share/man:${MANPATH-}"
export AXIOM_ENV PATH LD_LIBRARY_PATH MANPATH
deactivate() {
	PATH=$_AXIOM_OLD_PATH
	if [ -n "$_AXIOM_OLD_LD_LIBRARY_PATH" ]; then LD_LIBRARY_PATH=$_AXIOM_OLD_LD_LIBRARY_PATH; else unset LD_LIBRARY_PATH; fi
	if [ -n "$_AXIOM_OLD_MANPATH" ]; then MANPATH=$_AXIOM_OLD_MANPATH; else unset MANPATH; fi
	unset AXIOM_ENV _AXIOM_OLD_PATH _AXIOM_OLD_LD_LIBRARY_PATH _AXIOM_OLD_MANPATH
	unset -f deactivate
}
`, env, filepath.Join(dir, layout.ActivateScript), cur)
}

// ---- removals -------------------------------------------------------------------------------

func (p *planner) planRemovals() {
	for _, name := range slices.Sorted(maps.Keys(p.s.envs)) {
		es := p.s.envs[name]
		if _, declared := p.cfg.Environment(name); declared || !es.managed {
			continue
		}
		keep := func() {
			for _, g := range es.gens {
				if g.managed && g.complete {
					p.retained = append(p.retained, g)
				}
			}
		}
		if es.preventDestroy {
			p.fail("environment %q is no longer declared, but it was declared with prevent_destroy = true; declare it again with prevent_destroy = false and apply before removing it", name)
			keep()
			continue
		}
		if what := notOurs(p.s.obs.tree, es.ds.Name); len(what) > 0 {
			p.fail("environment %q is no longer declared, but %s cannot be removed: %s; axiom-reconcile destroys only what it owns, so nothing was destroyed (move that away or destroy it yourself, or declare the environment again)", name, es.ds.Name, strings.Join(what, "; "))
			keep()
			continue
		}
		st := &RemoveStep{Dataset: es.ds.Name, Release: map[string][]string{}}
		for _, g := range es.gens {
			tag := layout.HoldTag(name, g.k)
			for _, snap := range p.heldSnapshots(g) {
				st.Release[tag] = append(st.Release[tag], snap)
				p.released[snap]++
			}
		}
		p.removals++
		p.removed[es.ds.Name] = true
		p.removeSteps = append(p.removeSteps, Step{Kind: KindRemoveEnv, Action: Remove, Group: "Environment " + name, Target: es.ds.Name,
			Summary: fmt.Sprintf("remove %s (%s)", es.ds.Name, plural(len(es.gens), "generation")), Reason: "no longer declared", Remove: st})
	}
	for _, name := range slices.Sorted(maps.Keys(p.s.profiles)) {
		ps := p.s.profiles[name]
		if _, declared := p.cfg.Profile(name); declared || !ps.managed {
			continue
		}
		if what := notOurs(p.s.obs.tree, ps.ds.Name); len(what) > 0 {
			p.fail("profile %q is no longer declared, but %s cannot be removed: %s; axiom-reconcile destroys only what it owns, so nothing was destroyed (move that away or destroy it yourself, or declare the profile again)", name, ps.ds.Name, strings.Join(what, "; "))
			continue
		}
		p.removals++
		p.removed[ps.ds.Name] = true
		p.removeSteps = append(p.removeSteps, Step{Kind: KindRemoveProfile, Action: Remove, Group: "Profile " + name, Target: ps.ds.Name,
			Summary: "remove " + ps.ds.Name, Reason: "no longer declared", Remove: &RemoveStep{Dataset: ps.ds.Name}})
	}
	if p.removals > p.budget {
		p.fail("the plan would remove %d profiles and environments that are no longer declared, more than the deletion budget of %d (gc.max_deletes); if that is intended, run again with --max-deletes %d", p.removals, p.budget, p.removals)
	}
}

// ---- holds ----------------------------------------------------------------------------------

// planHolds compares the holds every generation that stays should have on its packages with the
// observed hold counts and, where they differ, and on the packages a new generation will hold,
// asks ZFS for the tags (one process) to place what is missing and release what an interrupted
// pass leaked (tags of generations that do not exist). Tags that are not axiom-env:<env>:<K>
// belong to someone else and are never touched. A generation whose lock is unreadable has its
// own tag left alone wherever it is (it exists, so its tag is live); it blocks nothing else.
// A generation that stays and names a package that is gone is an error; one the plan prunes or
// removes is not checked.
func (p *planner) planHolds() {
	expected := map[string]map[string]bool{} // snapshot -> tags
	live := map[string]bool{}                // tags of existing generations
	for _, es := range p.s.envs {
		for _, g := range es.gens {
			live[layout.HoldTag(es.name, g.k)] = true
		}
	}
	for _, g := range p.retained {
		if g.lock == nil {
			continue
		}
		tag := layout.HoldTag(g.env, g.k)
		for _, id := range lockIDs(g.lock) {
			snap := p.l.Package(id) + "@" + layout.SnapInstalled
			if expected[snap] == nil {
				expected[snap] = map[string]bool{}
			}
			expected[snap][tag] = true
		}
	}
	for _, snap := range slices.Sorted(maps.Keys(expected)) {
		if _, ok := p.s.obs.tree.Get(snap); !ok {
			var users []string
			for tag := range expected[snap] {
				users = append(users, tag)
			}
			slices.Sort(users)
			id, _ := p.l.PackageAt(strings.TrimSuffix(snap, "@"+layout.SnapInstalled))
			p.fail("a generation that stays uses package %s, but %s does not exist (holds expected: %s)", id, snap, strings.Join(users, ", "))
		}
	}
	checking := map[string]bool{}
	for _, pkg := range p.s.index.All() {
		if pkg.Installed == nil {
			continue
		}
		if int(pkg.Installed.UserRefs) != len(expected[pkg.Installed.Name]) {
			checking[pkg.Installed.Name] = true
		}
	}
	// A tag of a generation about to be built that an interrupted pass left behind would make
	// its hold fail: look at what those packages carry too.
	for _, snaps := range p.realizing {
		for _, snap := range snaps {
			if d, ok := p.s.obs.tree.Get(snap); ok && d.UserRefs > 0 {
				checking[snap] = true
			}
		}
	}
	if len(checking) == 0 {
		return
	}
	check := slices.Sorted(maps.Keys(checking))
	tags, err := p.e.ZFS.Holds(p.ctx, check...)
	if err != nil {
		p.fail("reading holds: %w", err)
		return
	}
	st := &HoldsStep{Hold: map[string][]string{}, Release: map[string][]string{}}
	for _, snap := range check {
		have := map[string]bool{}
		for _, tag := range tags[snap] {
			have[tag] = true
			if !expected[snap][tag] && !live[tag] && isOurTag(tag) {
				st.Release[tag] = append(st.Release[tag], snap)
			}
		}
		for tag := range expected[snap] {
			if !have[tag] {
				st.Hold[tag] = append(st.Hold[tag], snap)
			}
		}
	}
	if len(st.Hold) == 0 && len(st.Release) == 0 {
		return
	}
	var parts []string
	if n := countTags(st.Hold); n > 0 {
		parts = append(parts, fmt.Sprintf("place %s a generation is missing", plural(n, "hold")))
	}
	if n := countTags(st.Release); n > 0 {
		parts = append(parts, fmt.Sprintf("release %s of generations that do not exist", plural(n, "hold")))
		for _, snaps := range st.Release {
			for _, s := range snaps {
				p.released[s]++
			}
		}
	}
	p.holdSteps = append(p.holdSteps, Step{Kind: KindHolds, Action: Change, Group: "Store " + p.l.Root, Target: p.l.PkgRoot(),
		Summary: strings.Join(parts, "; "), Reason: "holds drifted (an interrupted pass, or someone ran zfs hold/release)", Holds: st})
}

func isOurTag(tag string) bool {
	rest, ok := strings.CutPrefix(tag, "axiom-env:")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return false
	}
	_, ok = layout.ParseGenerationNumber(rest[i+1:])
	return ok
}

func countTags(m map[string][]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}
