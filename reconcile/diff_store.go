package reconcile

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
)

// storeDiff is what the store's own datasets want: its containers, and cleaning up what an
// interrupted pass left.
type storeDiff struct {
	findings
	layout, temps []Step
}

func storeGroup(l layout.Layout) string { return "Store " + string(l.Root) }

// checkTree refuses trees the reconciler cannot safely work in.
func checkTree(in *diffInput) findings {
	var f findings
	root, tree := in.s.root, in.s.obs.tree
	if root == nil {
		return f
	}
	if root.Mountpoint != filepath.Clean(in.cfg.Store.Mountpoint) {
		where := root.Mountpoint
		if where == "" {
			where = "nowhere (mountpoint none/legacy or canmount=off)"
		}
		f.fail("%s is mounted at %s, but the configuration says mountpoint = %q (%s); change one of them", root.Name, where, in.cfg.Store.Mountpoint, posOf(in.cfg.Store.DeclRange))
	}
	if d, ok := tree.Get(string(in.l.Tmp())); ok && !managed(d) {
		f.fail("%s exists but is %v: axiom-reconcile keeps its work in progress there; move that dataset away", d.Name, errUnmanagedInTheWay)
	}
	// Every filesystem the reconciler reads files from must be mounted where the layout says.
	for i := range tree.Datasets {
		d := &tree.Datasets[i]
		if !filesystem(d) || d.Name == root.Name || !managed(d) {
			continue
		}
		if want := in.l.Path(layout.Dataset(d.Name)); d.Mountpoint != want {
			f.fail("%s is mounted at %q, not %q: axiom-reconcile reads and writes files there; inherit its mountpoint", d.Name, d.Mountpoint, want)
		}
	}
	// Profiles, environments and generations hold the files plans are made from: one that is not
	// mounted would look empty (no lock, no `current`). Packages are mounted by a step when a
	// realize needs them (see mountStep).
	for i := range tree.Datasets {
		d := &tree.Datasets[i]
		if !filesystem(d) || !d.Unmounted || !managed(d) || !readsFilesOf(in.l, layout.Dataset(d.Name)) {
			continue
		}
		f.fail("%s is not mounted: axiom-reconcile reads its files to plan; mount it (zfs mount %s)", d.Name, d.Name)
	}
	return f
}

// readsFilesOf reports whether plans read files of dataset ds: the root, the profiles and env
// containers, each profile, environment and generation.
func readsFilesOf(l layout.Layout, ds layout.Dataset) bool {
	switch {
	case ds == l.Root, ds == l.Profiles(), ds == l.Envs():
		return true
	case layout.Under(ds, l.Profiles()):
		return !strings.Contains(string(ds[len(l.Profiles())+1:]), "/")
	case layout.Under(ds, l.Envs()):
		return strings.Count(string(ds[len(l.Envs())+1:]), "/") <= 1
	}
	return false
}

// diffStore plans the containers every tree has, and the cleaning of what an interrupted pass
// left: temporary datasets below tmp/ and temporary files of killed writes.
func diffStore(in *diffInput) storeDiff {
	var d storeDiff
	group := storeGroup(in.l)
	for _, name := range in.l.Containers() {
		if _, ok := in.s.obs.tree.Get(string(name)); ok {
			continue
		}
		if !d.checkLen("the store container", []string{string(name)}, posOf(in.cfg.Store.DatasetRange)) {
			continue
		}
		props := map[string]string{layout.PropManagedBy: layout.ManagedBy, layout.PropKind: layout.KindContainer}
		summary := "create " + string(name)
		if name == in.l.Root {
			props = rootProps(in.cfg)
			summary += " (mountpoint " + in.cfg.Store.Mountpoint + ")"
		}
		d.layout = append(d.layout, Step{Action: Add, Group: group, Target: string(name),
			Summary: summary, Reason: "part of every Axiom tree, not there yet", Source: posOf(in.cfg.Store.DeclRange),
			Op: &CreateStep{Dataset: name, Props: props}})
	}
	var temps []string
	for _, t := range in.s.temps {
		if !managed(t) {
			d.note("%s is not managed by axiom-reconcile; it is left alone", t.Name)
			continue
		}
		if what := notOurs(in.s.obs.tree, layout.Dataset(t.Name), nil); len(what) > 0 {
			d.cannotDestroy(fmt.Sprintf("the temporary dataset %s, left by an interrupted pass, cannot be cleaned", t.Name), "move that away, or destroy it yourself", what)
			continue
		}
		temps = append(temps, t.Name)
	}
	if len(temps) > 0 {
		d.temps = append(d.temps, Step{Action: Remove, Group: group, Target: string(in.l.Tmp()),
			Summary: fmt.Sprintf("clean %d temporary dataset(s) left by an interrupted pass", len(temps)), Reason: "garbage by its location", Op: &CleanTempStep{Temps: temps}})
	}
	if snaps := leftoverPruned(in); len(snaps) > 0 {
		d.temps = append(d.temps, Step{Action: Remove, Group: group, Target: string(in.l.Envs()),
			Summary: fmt.Sprintf("destroy %s of pruned generations that nothing is cloned from", english.Count(len(snaps), "snapshot")),
			Reason:  "left by an interrupted prune", Op: &CleanTempStep{Temps: snaps}})
	}
	if files := in.s.obs.leftovers; len(files) > 0 {
		d.temps = append(d.temps, Step{Action: Remove, Group: group, Target: string(in.l.Root),
			Summary: fmt.Sprintf("remove %s left by a write that was interrupted", english.Count(len(files), "temporary file")),
			Reason:  "temporary files of the reconciler's own writes, in its own datasets", Op: &CleanFilesStep{Files: slices.Sorted(slices.Values(files))}})
	}
	return d
}

// leftoverPruned lists the snapshots of pruned generations (layout.PrunedSnapshot) that a prune
// killed before it destroyed them left in a generation of the reconciler's with nothing cloned
// from them and no hold on them.
func leftoverPruned(in *diffInput) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(in.s.envs)) {
		for _, g := range in.s.envs[name].gens {
			if !g.managed {
				continue
			}
			for _, snap := range in.s.obs.tree.Snapshots(g.ds.Name) {
				if in.l.IsPrunedSnapshot(layout.Snapshot(snap.Name)) && len(snap.Clones) == 0 && snap.UserRefs == 0 {
					out = append(out, snap.Name)
				}
			}
		}
	}
	return out
}
