package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// observation is everything a plan is computed from besides the configuration: the ZFS tree, the
// reconciler's own files in it, and the packages in the sources.
type observation struct {
	layout layout.Layout
	tree   *zfs.Tree
	files  map[string][]byte // path -> content; absent files are not in the map
	errs   map[string]error  // path -> why it could not be read (other than not existing)
	links  map[string]string // symlink path -> target
	// leftovers are temporary files a killed write left in the directories of managed profiles
	// and environments (see leftoverName).
	leftovers []string
	sources   []*source.Package
	// refused are the source packages that could not be read or were refused: left out of the
	// universe with a warning, never blocking the rest.
	refused []*source.Error
	// signatureWarnings are the packages used although their signatures do not verify, under a
	// source's warn policy.
	signatureWarnings []string
	// holds are the hold tags of every package snapshot that has holds (snapshot -> tags).
	holds map[layout.Snapshot][]layout.Tag
	// meta is the metadata of every usable, mounted store package, or why it cannot be read.
	meta map[layout.PackageID]metaRead
	// config digests the configuration files and names the packages the sources offer.
	config map[string]string
}

// metaRead is a store package's metadata as observe read it.
type metaRead struct {
	meta store.Meta
	err  error
}

// observe reads everything a plan is computed from, once per pass: the ZFS tree (one process,
// see zfs.CLI.Observe), the hold tags of the package snapshots that have holds (one more process,
// only when some have), the reconciler's files, the metadata of the store's packages, the
// configuration files and the configured sources. Planning does no I/O of its own.
func (e *Engine) observe(ctx context.Context, cfg *spec.Config) (*observation, error) {
	l := layout.Layout{Root: layout.Dataset(cfg.Store.Dataset), Mountpoint: cfg.Store.Mountpoint}
	tree, err := e.ZFS.Observe(ctx, string(l.Root))
	if err != nil {
		return nil, fmt.Errorf("observing %s: %w", l.Root, err)
	}
	o := &observation{layout: l, tree: tree, files: map[string][]byte{}, errs: map[string]error{}, links: map[string]string{}}
	o.readTreeFiles()
	index := store.NewIndex(tree, l)
	if o.holds, err = e.readHolds(ctx, index); err != nil {
		return nil, fmt.Errorf("reading holds: %w", err)
	}
	o.meta = e.readMeta(tree, index)
	var dirs []string
	for _, s := range cfg.Sources {
		dirs = append(dirs, s.Path)
	}
	o.sources, err = e.scan(ctx, dirs)
	if errs := source.DirErrors(err); len(errs) > 0 {
		return nil, fmt.Errorf("reading sources: %w", errors.Join(errs...))
	}
	o.refused = source.Refusals(err)
	var refused []*source.Error
	o.sources, refused, o.signatureWarnings = verifySources(cfg, o.sources, e.now())
	o.refused = append(o.refused, refused...)
	o.config = configDigests(cfg, o.sources)
	return o, nil
}

// readTreeFiles reads the files of profiles, environments and generations.
func (o *observation) readTreeFiles() {
	l, tree := o.layout, o.tree
	for _, d := range tree.Children(string(l.Profiles())) {
		dir := l.Path(layout.Dataset(d.Name))
		o.readFile(d, filepath.Join(dir, layout.ProfileFile))
		o.readFile(d, filepath.Join(dir, layout.LockFile))
		o.findLeftovers(d, dir, layout.ProfileFile, layout.LockFile)
	}
	for _, env := range tree.Children(string(l.Envs())) {
		dir := l.Path(layout.Dataset(env.Name))
		o.readLink(filepath.Join(dir, layout.CurrentLink))
		o.readFile(env, filepath.Join(dir, layout.ActivateScript))
		o.findLeftovers(env, dir, layout.ActivateScript, layout.CurrentLink)
		for _, g := range tree.Children(env.Name) {
			o.readFile(g, filepath.Join(l.Path(layout.Dataset(g.Name)), layout.GenerationLock))
		}
	}
}

// readHolds returns the hold tags of every package snapshot that has holds, in one `zfs holds`.
func (e *Engine) readHolds(ctx context.Context, index *store.Index) (map[layout.Snapshot][]layout.Tag, error) {
	var held []layout.Snapshot
	for _, pkg := range index.All() {
		if pkg.Installed != nil && pkg.Installed.UserRefs > 0 {
			held = append(held, pkg.Snapshot())
		}
	}
	if len(held) == 0 {
		return map[layout.Snapshot][]layout.Tag{}, nil
	}
	return e.holds(ctx, held)
}

// readMeta reads the metadata of every usable store package that is mounted (through the
// engine's cache: a committed package never changes).
func (e *Engine) readMeta(tree *zfs.Tree, index *store.Index) map[layout.PackageID]metaRead {
	out := map[layout.PackageID]metaRead{}
	for _, pkg := range index.Usable() {
		if d, ok := tree.Get(string(pkg.Dataset)); ok && d.Unmounted {
			continue
		}
		m, err := e.meta.Read(pkg)
		out[pkg.ID] = metaRead{meta: m, err: err}
	}
	return out
}

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

// readFile reads a file of dataset d. A file that does not exist is absent; one that cannot be
// read, or that lives in a filesystem that is not mounted (whose files are not what is there),
// records why in o.errs, so that nothing is decided from its absence.
func (o *observation) readFile(d *zfs.Dataset, path string) {
	if d.Unmounted {
		o.errs[path] = fmt.Errorf("%s: %s is not mounted", path, d.Name)
		return
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		o.files[path] = b
	case !errors.Is(err, fs.ErrNotExist):
		o.errs[path] = err
	}
}

// leftoverName reports whether name, in a directory holding the files bases, is the temporary
// file of a write that was killed before its rename: atomicfile's ".<base>.<digits>.tmp" (for
// files and links alike), or the ".<base>.<12 hex digits>" SwitchLink made before it used
// atomicfile. Nothing else is ever taken for one.
func leftoverName(name string, bases ...string) bool {
	for _, b := range bases {
		rest, ok := strings.CutPrefix(name, "."+b+".")
		if !ok {
			continue
		}
		if digits, ok := strings.CutSuffix(rest, ".tmp"); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
		if len(rest) == 2*linkTempBytes && strings.Trim(rest, "0123456789abcdef") == "" {
			return true
		}
	}
	return false
}

// findLeftovers lists the leftover temporary files in dir, the directory of managed dataset d.
func (o *observation) findLeftovers(d *zfs.Dataset, dir string, bases ...string) {
	if !managed(d) || d.Unmounted {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() && leftoverName(e.Name(), bases...) {
			o.leftovers = append(o.leftovers, filepath.Join(dir, e.Name()))
		}
	}
}

func (o *observation) readLink(path string) {
	if t, err := os.Readlink(path); err == nil {
		o.links[path] = t
	}
}

// file returns the content of an observed file, and whether it existed.
func (o *observation) file(path string) ([]byte, bool) {
	b, ok := o.files[path]
	return b, ok
}

// readLock parses an observed lock file: nil and nil when it does not exist, an error when it
// could not be read or parsed.
func (o *observation) readLock(path string) (*pkgmeta.Lock, error) {
	if err := o.errs[path]; err != nil {
		return nil, err
	}
	b, ok := o.file(path)
	if !ok {
		return nil, nil
	}
	lk, err := pkgmeta.ParseLock(b)
	if err != nil {
		return nil, pkgmeta.WithFile(err, path)
	}
	return &lk, nil
}

// fingerprint summarises the observed state: one entry per dataset and per file or link read. A
// saved plan keeps it; apply refuses the plan if any entry differs, and says which.
func (o *observation) fingerprint() map[string]string {
	fp := map[string]string{}
	for _, d := range o.tree.Datasets {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %d %d %d %s", d.Type, d.GUID, d.CreateTxg, d.UserRefs, d.Origin)
		if d.Unmounted {
			b.WriteString(" unmounted")
		}
		for _, k := range slices.Sorted(maps.Keys(d.Props)) {
			p := d.Props[k]
			if p.Source == zfs.SourceLocal {
				fmt.Fprintf(&b, " %s=%q", k, p.Value)
			}
		}
		fp["dataset "+d.Name] = short(b.String())
	}
	for p, b := range o.files {
		fp["file "+p] = short(string(b))
	}
	for p, t := range o.links {
		fp["link "+p] = t
	}
	for p, err := range o.errs {
		fp["unreadable "+p] = short(err.Error())
	}
	for _, p := range o.leftovers {
		fp["leftover "+p] = "present"
	}
	return fp
}

func short(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// state interprets an observation: what the tree means in Axiom terms.
type state struct {
	obs      *observation
	layout   layout.Layout
	root     *zfs.Dataset // nil when the tree does not exist yet
	index    *store.Index
	profiles map[string]*profileState
	envs     map[string]*envState
	temps    []*zfs.Dataset
}

type profileState struct {
	name    string
	ds      *zfs.Dataset
	managed bool
	yaml    []byte
	hasYAML bool
	lock    *pkgmeta.Lock // nil when absent or unreadable
	lockErr error
}

type envState struct {
	name           string
	ds             *zfs.Dataset
	managed        bool
	current        int // generation `current` points to; 0 if none
	currentRaw     string
	activate       []byte
	hasActivate    bool
	pinned         int
	pinnedFor      string
	preventDestroy bool
	gens           []*genState // sorted by k
}

type genState struct {
	env           string
	k             int
	ds            *zfs.Dataset
	managed       bool
	complete      bool
	realizeDigest string
	lock          *pkgmeta.Lock
	lockErr       error
}

func (g *genState) name() string { return layout.GenerationName(g.k) }

func (s *envState) gen(k int) *genState {
	for _, g := range s.gens {
		if g.k == k {
			return g
		}
	}
	return nil
}

// filesystem reports whether d is a filesystem (not a snapshot).
func filesystem(d *zfs.Dataset) bool { return d.Type == zfs.Filesystem }

func managed(d *zfs.Dataset) bool {
	v, _ := d.Local(layout.PropManagedBy)
	return v == layout.ManagedBy
}

func interpret(o *observation) *state {
	l := o.layout
	s := &state{obs: o, layout: l, index: store.NewIndex(o.tree, l), profiles: map[string]*profileState{}, envs: map[string]*envState{}}
	s.root, _ = o.tree.Get(string(l.Root))
	for _, d := range o.tree.Children(string(l.Profiles())) {
		p := &profileState{name: filepath.Base(d.Name), ds: d, managed: managed(d)}
		dir := l.Path(layout.Dataset(d.Name))
		p.yaml, p.hasYAML = o.file(filepath.Join(dir, layout.ProfileFile))
		p.lock, p.lockErr = o.readLock(filepath.Join(dir, layout.LockFile))
		s.profiles[p.name] = p
	}
	for _, d := range o.tree.Children(string(l.Envs())) {
		env := &envState{name: filepath.Base(d.Name), ds: d, managed: managed(d)}
		dir := l.Path(layout.Dataset(d.Name))
		env.currentRaw = o.links[filepath.Join(dir, layout.CurrentLink)]
		env.current, _ = layout.ParseGeneration(env.currentRaw)
		env.activate, env.hasActivate = o.file(filepath.Join(dir, layout.ActivateScript))
		if v, ok := d.Local(layout.PropPinned); ok {
			env.pinned, _ = layout.ParseGenerationNumber(v)
		}
		env.pinnedFor, _ = d.Local(layout.PropPinnedFor)
		pd, _ := d.Local(layout.PropPreventDestroy)
		env.preventDestroy = pd == "on"
		for _, gd := range o.tree.Children(d.Name) {
			k, ok := layout.ParseGeneration(filepath.Base(gd.Name))
			if !ok {
				continue
			}
			g := &genState{env: env.name, k: k, ds: gd, managed: managed(gd)}
			ro, _ := gd.Local("readonly")
			_, snap := o.tree.Get(string(layout.Dataset(gd.Name).Snapshot(layout.SnapRealized)))
			g.complete = ro == "on" && snap
			g.realizeDigest, _ = gd.Local(layout.PropRealizeDigest)
			lockPath := filepath.Join(l.Path(layout.Dataset(gd.Name)), layout.GenerationLock)
			g.lock, g.lockErr = o.readLock(lockPath)
			if g.lock == nil && g.lockErr == nil {
				g.lockErr = fmt.Errorf("%s: %w", lockPath, fs.ErrNotExist)
			}
			env.gens = append(env.gens, g)
		}
		slices.SortFunc(env.gens, func(a, b *genState) int { return a.k - b.k })
		s.envs[env.name] = env
	}
	s.temps = o.tree.Children(string(l.Tmp()))
	return s
}

// lockIDs returns the package ids a lock names.
func lockIDs(lk *pkgmeta.Lock) []layout.PackageID {
	if lk == nil {
		return nil
	}
	ids := make([]layout.PackageID, 0, len(lk.Resolved))
	for _, e := range lk.Resolved {
		ids = append(ids, layout.PackageID{Name: e.Name, Version: e.Version, Revision: e.Revision, BuildID: e.BuildID})
	}
	return ids
}

var errUnmanagedInTheWay = errors.New("not managed by axiom-reconcile")

// verifySources holds each source's packages to its trusted keys and signature policy
// (spec.Source.Trust): what a source's policy refuses is left out like any refused package.
// Packages are matched to their source by the directory they were found in.
func verifySources(cfg *spec.Config, pkgs []*source.Package, now time.Time) ([]*source.Package, []*source.Error, []string) {
	bySource := map[string][]*source.Package{}
	var keptAll []*source.Package
	trusts := map[string]source.Trust{}
	for _, s := range cfg.Sources {
		policy, keys := s.Trust()
		trusts[s.Path] = source.Trust{Keys: keys, Policy: policy}
	}
	for _, p := range pkgs {
		dir := filepath.Dir(p.Origin)
		if _, ok := trusts[dir]; ok {
			bySource[dir] = append(bySource[dir], p)
		} else {
			keptAll = append(keptAll, p)
		}
	}
	var refused []*source.Error
	var warnings []string
	for _, dir := range slices.Sorted(maps.Keys(bySource)) {
		kept, r, w := source.VerifySignatures(bySource[dir], trusts[dir], now)
		keptAll, refused, warnings = append(keptAll, kept...), append(refused, r...), append(warnings, w...)
	}
	slices.SortFunc(keptAll, source.Compare)
	return keptAll, refused, warnings
}

// scan reads the sources through the scan cache, which outlives the process when SourceCache
// is set: loaded on first use, saved after each scan that read something new.
func (e *Engine) scan(ctx context.Context, dirs []string) ([]*source.Package, error) {
	if e.SourceCache == "" {
		return e.scans.Scan(ctx, dirs, e.Archive)
	}
	e.loadScans.Do(func() {
		if err := e.scans.Load(e.SourceCache); err != nil {
			e.Log.Warn().Err(err).Str("file", e.SourceCache).Msg("ignoring the source scan cache")
		}
	})
	pkgs, err := e.scans.Scan(ctx, dirs, e.Archive)
	if ctx.Err() == nil {
		if serr := e.scans.Save(e.SourceCache); serr != nil {
			e.Log.Warn().Err(serr).Str("file", e.SourceCache).Msg("cannot save the source scan cache")
		}
	}
	return pkgs, err
}
