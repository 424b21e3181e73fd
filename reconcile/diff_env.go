package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
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

// envsDiff is what the declared environments want.
type envsDiff struct {
	findings
	steps []Step
	// retained are the existing generations that stay after the plan; newLocks the locks of the
	// generations it realizes.
	retained []*genState
	newLocks []*pkgmeta.Lock
	// released counts, per package snapshot, the holds the plan's prunes release.
	released map[layout.Snapshot]int
	// realizing are the generations the plan builds: hold tag -> the snapshots it will hold.
	realizing map[layout.Tag][]layout.Snapshot
	// realizes are the generations the plan builds, for the check stage.
	realizes []plannedRealize
}

// diffEnvs plans every declared environment, given the locks its profiles have after the plan
// (a profile that failed has none, and its environments are left out: its error is reported).
func diffEnvs(in *diffInput, locks map[string]*pkgmeta.Lock) envsDiff {
	d := envsDiff{released: map[layout.Snapshot]int{}, realizing: map[layout.Tag][]layout.Snapshot{}}
	for i := range in.cfg.Environments {
		se := &in.cfg.Environments[i]
		if lock := locks[se.Profile]; lock != nil {
			d.env(in, se, lock)
		} else if es := in.s.envs[se.Name]; es != nil && !es.managed {
			d.fail("environment %q: %s exists but is %v (%s); remove or rename it, or rename the environment", se.Name, in.l.Env(se.Name), errUnmanagedInTheWay, posOf(se.DeclRange))
		}
	}
	return d
}

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

// env plans one environment whose profile has lock.
func (d *envsDiff) env(in *diffInput, se *spec.Environment, lock *pkgmeta.Lock) {
	group := "Environment " + se.Name
	es := in.s.envs[se.Name]
	if es != nil && !es.managed {
		d.fail("environment %q: %s exists but is %v (%s); remove or rename it, or rename the environment", se.Name, in.l.Env(se.Name), errUnmanagedInTheWay, posOf(se.DeclRange))
		return
	}
	if !d.envDataset(in, se, es, group) {
		return
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
	sp, _ := in.cfg.Profile(se.Profile)
	want := realizeDigest(lock.Digest(), se.ConflictPolicy, allowedSetID(sp))
	target, respectPin := d.target(se, es, gens, want)
	isNew := target == 0
	if isNew {
		target = maxK + 1
		d.realize(in, se, group, target, lock, want, realizeReason(es, gens, lock.Digest(), se, allowedSetID(sp)))
	}
	d.activate(in, se, es, group, target, respectPin)
	d.retain(in, se, group, gens, target, isNew)
	if isNew {
		d.newLocks = append(d.newLocks, lock)
	}
}

// envDataset plans creating the environment's dataset, or setting its properties; false when it
// cannot be planned.
func (d *envsDiff) envDataset(in *diffInput, se *spec.Environment, es *envState, group string) bool {
	ds := in.l.Env(se.Name)
	props := envProps(se)
	if es == nil {
		if !d.checkLen(fmt.Sprintf("environment %q", se.Name), []string{string(ds)}, posOf(se.DeclRange)) {
			return false
		}
		all := map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindEnv}
		maps.Copy(all, props)
		d.steps = append(d.steps, Step{Action: Add, Group: group, Target: string(ds), Summary: "create " + string(ds),
			Reason: "declared, not in the store yet", Source: posOf(se.DeclRange), Op: &CreateStep{Dataset: ds, Props: all}})
		return true
	}
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
		d.steps = append(d.steps, Step{Action: Change, Group: group, Target: string(ds),
			Summary: "set " + describeProps(set), Reason: strings.Join(why, ", "), Source: posOf(se.DeclRange), Op: &PropsStep{Dataset: ds, Set: set}})
	}
	return true
}

// target picks the generation the environment should be at: the one a rollback pinned while the
// configuration is what it was pinned for, else the newest complete one built from what the
// configuration resolves to (want). 0: none, a new one is needed.
func (d *envsDiff) target(se *spec.Environment, es *envState, gens []*genState, want string) (k int, respectPin bool) {
	var match *genState
	for _, g := range gens {
		if g.complete && g.realizeDigest == want {
			match = g // highest k wins: gens are sorted
		}
	}
	if es != nil && es.pinned != 0 {
		if g := es.gen(es.pinned); g != nil && g.complete && es.pinnedFor == want {
			latest := "a generation not built yet"
			if match != nil {
				latest = match.name()
			}
			d.note("environment %s is pinned at %s by rollback; the configuration resolves to %s. The pin holds until the configuration changes, or until `axiom-reconcile rollback %s --to <K>` moves it.", se.Name, g.name(), latest, se.Name)
			return es.pinned, true
		}
	}
	if match != nil {
		return match.k, false
	}
	return 0, false
}

// activate plans pointing `current` at generation target and writing the activate script, when
// either differs (or a pin the configuration no longer matches must go).
func (d *envsDiff) activate(in *diffInput, se *spec.Environment, es *envState, group string, target int, respectPin bool) {
	dir := in.l.Path(in.l.Env(se.Name))
	script := activateScript(se.Name, dir)
	unpin := es != nil && es.pinned != 0 && !respectPin
	if es != nil && es.current == target && es.hasActivate && string(es.activate) == script && !unpin {
		return
	}
	var reason string
	switch {
	case unpin:
		reason = fmt.Sprintf("the configuration changed since the rollback to %s", layout.GenerationName(es.pinned))
	case es != nil && es.current != 0 && es.current != target:
		reason = fmt.Sprintf("current is %s", layout.GenerationName(es.current))
	case es == nil || es.current == 0:
		reason = "no generation is current yet"
	default:
		reason = "the activate script is missing or differs"
	}
	d.steps = append(d.steps, Step{Action: actionFor(es == nil || es.current == 0), Group: group,
		Target: filepath.Join(dir, layout.CurrentLink), Summary: "activate " + layout.GenerationName(target), Reason: reason,
		Source: posOf(se.DeclRange), Op: &ActivateStep{Env: se.Name, Generation: target, Script: script, Unpin: unpin}})
}

// retain keeps the newest keep_generations complete generations (a new one counts), and always
// the one that will be current; it prunes the rest.
func (d *envsDiff) retain(in *diffInput, se *spec.Environment, group string, gens []*genState, target int, isNew bool) {
	var ks []int
	for _, g := range gens {
		if g.complete {
			ks = append(ks, g.k)
		}
	}
	if isNew {
		ks = append(ks, target)
	}
	slices.Sort(ks)
	keep := map[int]bool{target: true}
	for i := len(ks) - 1; i >= 0 && len(ks)-i <= se.KeepGenerations; i-- {
		keep[ks[i]] = true
	}
	for _, g := range gens {
		if keep[g.k] && g.complete {
			d.retained = append(d.retained, g)
			continue
		}
		d.prune(in, se.Name, group, g, fmt.Sprintf("keep_generations = %d", se.KeepGenerations), posOf(se.DeclRange))
	}
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
		return fmt.Sprintf("the configuration changed since the rollback to %s, and no generation is built from it", layout.GenerationName(es.pinned))
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

// realize plans building generation k of an environment from lock. Its merge is checked after
// the diff, against the packages' files (see checkRealizes).
func (d *envsDiff) realize(in *diffInput, se *spec.Environment, group string, k int, lock *pkgmeta.Lock, digest, reason string) {
	sp, _ := in.cfg.Profile(se.Profile)
	order := priorityOrder(sp, lock)
	var pkgs []string
	var snaps []layout.Snapshot
	for _, id := range order {
		pkgs = append(pkgs, id.Path())
		snaps = append(snaps, in.l.Installed(id))
	}
	tag := layout.HoldTag(se.Name, k)
	src := posOf(se.DeclRange)
	if !d.checkLen(fmt.Sprintf("generation %d of environment %q", k, se.Name), append(in.l.EnvNames(se.Name, k), string(tag)), src) {
		return
	}
	d.realizing[tag] = snaps
	d.realizes = append(d.realizes, plannedRealize{env: se, k: k, order: order})
	d.steps = append(d.steps, Step{Action: Add, Group: group, Target: string(in.l.Generation(se.Name, k)),
		Summary: fmt.Sprintf("realize %s from profile %s (%s)", layout.GenerationName(k), se.Profile, english.Count(len(pkgs), "package")),
		Reason:  reason, Source: src,
		Op: &RealizeStep{Env: se.Name, Profile: se.Profile, Generation: k, Lock: string(lock.Marshal()), LockDigest: lock.Digest(),
			RealizeDigest: digest, Policy: string(se.ConflictPolicy), Packages: pkgs, AllowSetID: allowedSetID(sp)}})
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

// prune plans destroying generation g, then releasing its holds.
func (d *envsDiff) prune(in *diffInput, env, group string, g *genState, reason string, src *Pos) {
	if what := notOurs(in.s.obs.tree, layout.Dataset(g.ds.Name), laterGeneration(in.s.obs.tree, in.l.Env(env))); len(what) > 0 {
		d.cannotDestroy(fmt.Sprintf("environment %q: %s is beyond keep_generations but cannot be pruned", env, g.ds.Name), "move that away, or destroy it yourself", what)
		d.retained = append(d.retained, g)
		return
	}
	st := &PruneStep{Env: env, Generation: g.k, Dataset: layout.Dataset(g.ds.Name), Tag: layout.HoldTag(env, g.k), Snapshots: heldSnapshots(in, g)}
	for _, snap := range st.Snapshots {
		d.released[snap]++
	}
	d.steps = append(d.steps, Step{Action: Remove, Group: group, Target: g.ds.Name,
		Summary: "prune " + g.name(), Reason: reason, Source: src, Op: st})
}

// heldSnapshots returns the package snapshots generation g holds: those its lock names, or, when
// its lock cannot be read, those that carry its tag.
func heldSnapshots(in *diffInput, g *genState) []layout.Snapshot {
	var snaps []layout.Snapshot
	if g.lock != nil {
		for _, id := range lockIDs(g.lock) {
			snaps = append(snaps, in.l.Installed(id))
		}
		return snaps
	}
	tags := in.s.obs.holds
	tag := layout.HoldTag(g.env, g.k)
	for _, snap := range slices.Sorted(maps.Keys(tags)) {
		if slices.Contains(tags[snap], tag) {
			snaps = append(snaps, snap)
		}
	}
	return snaps
}

// activateScript is the stable script that puts an environment's current generation on PATH. It
// names `current`, not a generation, so switching generations never rewrites it.
//
// Every path is put in single quotes for the shell (the store's mountpoint is also held to a
// narrow character set by spec), so no mountpoint can make the script run anything.
func activateScript(env, dir string) string {
	cur := filepath.Join(dir, layout.CurrentLink)
	return fmt.Sprintf(`# Axiom environment %[1]s, written by axiom-reconcile. Use it with:  . %[2]s
# It always refers to the generation %[3]s points to; "deactivate" undoes it.
if command -v deactivate >/dev/null 2>&1; then deactivate; fi
_AXIOM_OLD_PATH=${PATH-}
_AXIOM_OLD_LD_LIBRARY_PATH=${LD_LIBRARY_PATH-}
_AXIOM_OLD_MANPATH=${MANPATH-}
AXIOM_ENV=%[4]s
_AXIOM_CURRENT=%[5]s
PATH="$_AXIOM_CURRENT/bin:$_AXIOM_CURRENT/sbin${PATH:+:$PATH}"
LD_LIBRARY_PATH="$_AXIOM_CURRENT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
MANPATH="$_AXIOM_CURRENT/share/man:${MANPATH-}"
unset _AXIOM_CURRENT
export AXIOM_ENV PATH LD_LIBRARY_PATH MANPATH
deactivate() {
	PATH=$_AXIOM_OLD_PATH
	if [ -n "$_AXIOM_OLD_LD_LIBRARY_PATH" ]; then LD_LIBRARY_PATH=$_AXIOM_OLD_LD_LIBRARY_PATH; else unset LD_LIBRARY_PATH; fi
	if [ -n "$_AXIOM_OLD_MANPATH" ]; then MANPATH=$_AXIOM_OLD_MANPATH; else unset MANPATH; fi
	unset AXIOM_ENV _AXIOM_OLD_PATH _AXIOM_OLD_LD_LIBRARY_PATH _AXIOM_OLD_MANPATH
	unset -f deactivate
}
`, env, filepath.Join(dir, layout.ActivateScript), cur, shellQuote(env), shellQuote(cur))
}

// shellQuote quotes s for a POSIX shell: in single quotes, where nothing is special but the
// single quote itself, which is written as: end the quoting, an escaped quote, quote again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
