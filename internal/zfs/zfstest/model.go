package zfstest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Model is an in-memory zfs.Client. It keeps names, types, guids, txgs, creation times, origins,
// holds and properties, and enforces the same rules and error kinds as OpenZFS for the operations
// axiom-reconcile uses. It does not store file contents. With MirrorUnder set, it also creates,
// moves and removes the mountpoint directories of filesystems whose mountpoint lies under that
// directory, so code that writes files into datasets can run against it.
type Model struct {
	mu sync.Mutex
	ds map[string]*mds
	// kids indexes ds by container: the names directly below each name (its children and its
	// snapshots), so that descendants costs what it finds, not the size of the model (a store
	// of 10,000 packages has some 50,000 datasets). put and del keep it.
	kids map[string]map[string]bool
	// clones are the names in ds with an origin, so that looking for a snapshot's clones costs
	// the number of clones, not the size of the model. put, del and trackOrigin keep it.
	clones map[string]bool
	txg    uint64
	// Clock gives creation times; time.Now when nil.
	Clock func() time.Time
	// MirrorUnder, if set, is a directory under which mountpoints are made real directories.
	MirrorUnder string
	// Calls counts every method call that could change state (for "no mutation" assertions),
	// as the zfs processes *CLI would run for it with channel programs: one each, but Commit
	// two (its `zfs set` and its program).
	Calls int
	// Reads counts the calls that only read (Observe, Holds, Pool; ObserveWritten is one
	// Observe). Each call of a zfs.Client method is one zfs process in the real client (see
	// zfs.CLI.Stats), so Calls+Reads is what a pass would run there.
	Reads int
}

type mds struct {
	typ      zfs.Type
	guid     uint64
	txg      uint64
	creation time.Time
	origin   string
	props    map[string]string // set locally
	holds    map[string]bool
	// unmounted: Unmount was called; observations report Unmounted until Mount.
	unmounted bool
}

var (
	_ zfs.Client  = (*Model)(nil)
	_ zfs.Mounter = (*Model)(nil)
)

// NewModel returns a model holding the given pools (empty root filesystems).
func NewModel(pools ...string) *Model {
	m := &Model{ds: map[string]*mds{}, kids: map[string]map[string]bool{}, clones: map[string]bool{}}
	for _, p := range pools {
		m.txg++
		m.put(p, &mds{typ: zfs.Filesystem, guid: guidFor(p, m.txg), txg: m.txg, creation: m.now(), props: map[string]string{}})
	}
	return m
}

// container is the name directly above name: a snapshot's filesystem, a dataset's parent, ""
// for a pool.
func container(name string) string {
	if fs, _, ok := strings.Cut(name, "@"); ok {
		return fs
	}
	return parentOf(name)
}

// put sets name to d, indexed.
func (m *Model) put(name string, d *mds) {
	m.ds[name] = d
	m.trackOrigin(name)
	if c := container(name); c != "" {
		if m.kids[c] == nil {
			m.kids[c] = map[string]bool{}
		}
		m.kids[c][name] = true
	}
}

// trackOrigin notes in clones whether name has an origin, after it changed.
func (m *Model) trackOrigin(name string) {
	if d, ok := m.ds[name]; ok && d.origin != "" {
		m.clones[name] = true
	} else {
		delete(m.clones, name)
	}
}

// clonesOf lists the datasets cloned from snapshot, sorted.
func (m *Model) clonesOf(snapshot string) []string {
	var out []string
	for c := range m.clones {
		if m.ds[c].origin == snapshot {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// del removes name, and its index entries.
func (m *Model) del(name string) {
	delete(m.ds, name)
	delete(m.clones, name)
	c := container(name)
	delete(m.kids[c], name)
	if len(m.kids[c]) == 0 {
		delete(m.kids, c)
	}
}

func guidFor(name string, txg uint64) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h ^ (txg * 0x9e3779b97f4a7c15)
}

func (m *Model) now() time.Time {
	if m.Clock != nil {
		return m.Clock().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func fail(op, name string, err error) error {
	return &zfs.Error{Op: op, Name: name, ExitCode: -1, Err: err}
}

func (m *Model) add(name string, d *mds) {
	m.txg++
	d.txg = m.txg
	d.guid = guidFor(name, m.txg)
	d.creation = m.now()
	if d.props == nil {
		d.props = map[string]string{}
	}
	m.put(name, d)
	if d.typ == zfs.Filesystem {
		m.mirrorMkdir(name)
	}
}

// children returns the names directly or indirectly below name (not snapshots of name itself).
func (m *Model) descendants(name string) []string {
	var out []string
	var walk func(string)
	walk = func(n string) {
		for k := range m.kids[n] {
			out = append(out, k)
			walk(k)
		}
	}
	walk(name)
	sort.Strings(out)
	return out
}

func parentOf(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

// parents makes sure name's parent exists: without create, a missing one is ErrNotExist; with
// it, the missing ancestors are created (a missing pool is still ErrNotExist).
func (m *Model) parents(op, name string, create bool) error {
	if _, ok := m.ds[parentOf(name)]; ok {
		return nil
	}
	if _, ok := m.ds[strings.Split(name, "/")[0]]; !ok || !create {
		return fail(op, name, zfs.ErrNotExist)
	}
	var missing []string
	for p := parentOf(name); p != ""; p = parentOf(p) {
		if _, ok := m.ds[p]; ok {
			break
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		m.add(missing[i], &mds{typ: zfs.Filesystem})
	}
	return nil
}

// Create implements zfs.Client.
func (m *Model) Create(_ context.Context, name string, opt zfs.CreateOptions) error {
	if err := zfs.ValidateDataset(name); err != nil {
		return err
	}
	if err := zfs.ValidateProps(opt.Props); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	if _, ok := m.ds[name]; ok {
		return fail("create", name, zfs.ErrExist)
	}
	parent := parentOf(name)
	if parent == "" {
		return fail("create", name, zfs.ErrNotExist) // pools are made by zpool
	}
	if err := m.parents("create", name, opt.Parents); err != nil {
		return err
	}
	d := &mds{typ: zfs.Filesystem, props: map[string]string{}}
	for k, v := range opt.Props {
		d.props[k] = v
	}
	m.add(name, d)
	return nil
}

// Snapshot implements zfs.Client.
func (m *Model) Snapshot(_ context.Context, snapshots ...string) error {
	if err := zfs.CheckSnapshotBatch(snapshots); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	seen := map[string]bool{}
	for _, s := range snapshots {
		fs, _, _ := strings.Cut(s, "@")
		if d, ok := m.ds[fs]; !ok || d.typ == zfs.Snapshot {
			return fail("snapshot", s, zfs.ErrNotExist)
		}
		if _, ok := m.ds[s]; ok || seen[s] {
			return fail("snapshot", s, zfs.ErrExist)
		}
		seen[s] = true
	}
	var errs []error
	for _, s := range snapshots {
		m.add(s, &mds{typ: zfs.Snapshot, holds: map[string]bool{}})
		fs, _, _ := strings.Cut(s, "@")
		errs = append(errs, m.keepSnapshot(fs, s))
	}
	return errors.Join(errs...)
}

// Commit implements zfs.Client, as *CLI does it with channel programs: SetProps, then the
// snapshot and the guid recorded together.
func (m *Model) Commit(ctx context.Context, snapshot string, opt zfs.CommitOptions) (uint64, error) {
	fs, err := zfs.CheckCommit(snapshot, opt)
	if err != nil {
		return 0, err
	}
	if err := m.SetProps(ctx, fs, zfs.SealProps(opt.Props)); err != nil {
		return 0, err
	}
	if opt.Sealed != nil {
		opt.Sealed()
	}
	if err := m.Snapshot(ctx, snapshot); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.ds[snapshot]
	d, fok := m.ds[fs]
	if !ok || !fok {
		return 0, fail("commit", snapshot, zfs.ErrNotExist) // destroyed meanwhile
	}
	d.props[opt.GUIDProp] = strconv.FormatUint(s.guid, 10)
	return s.guid, nil
}

// Clone implements zfs.Client.
func (m *Model) Clone(_ context.Context, snapshot, name string, props zfs.Props) error {
	if err := zfs.ValidateSnapshot(snapshot); err != nil {
		return err
	}
	if err := zfs.ValidateDataset(name); err != nil {
		return err
	}
	if err := zfs.ValidateProps(props); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	if _, ok := m.ds[snapshot]; !ok {
		return fail("clone", snapshot, zfs.ErrNotExist)
	}
	if _, ok := m.ds[name]; ok {
		return fail("clone", name, zfs.ErrExist)
	}
	if _, ok := m.ds[parentOf(name)]; !ok {
		return fail("clone", name, zfs.ErrNotExist)
	}
	d := &mds{typ: zfs.Filesystem, origin: snapshot, props: map[string]string{}}
	for k, v := range props {
		d.props[k] = v
	}
	m.add(name, d)
	m.mirrorClone(parentFS(snapshot), name)
	return nil
}

// parentFS returns the filesystem a snapshot belongs to.
func parentFS(snapshot string) string {
	fs, _, _ := strings.Cut(snapshot, "@")
	return fs
}

// Promote implements zfs.Client: the origin's snapshots up to the clone's origin (by creation
// txg) move to the clone, the clone takes over the origin's own origin, and every dataset
// cloned from a moved snapshot follows it.
func (m *Model) Promote(_ context.Context, name string) error {
	d, unlock, err := m.existing("promote", name)
	if err != nil {
		return err
	}
	defer unlock()
	if d.typ == zfs.Snapshot || d.origin == "" {
		return fail("promote", name, zfs.ErrInvalidName)
	}
	pivot := m.ds[d.origin]
	parent := parentFS(d.origin)
	var moving []string
	for _, n := range m.descendants(parent) {
		if s := m.ds[n]; s.typ == zfs.Snapshot && strings.HasPrefix(n, parent+"@") && s.txg <= pivot.txg {
			moving = append(moving, n)
		}
	}
	for _, n := range moving {
		if _, ok := m.ds[name+n[len(parent):]]; ok {
			return fail("promote", name, zfs.ErrExist)
		}
	}
	origin := d.origin
	d.origin = m.ds[parent].origin
	for _, n := range moving {
		to := name + n[len(parent):]
		d := m.ds[n]
		m.del(n)
		m.put(to, d)
		m.repointOrigins(n, to)
	}
	m.ds[parent].origin = name + origin[len(parent):]
	m.trackOrigin(name)
	m.trackOrigin(parent)
	return nil
}

// Rename implements zfs.Client.
func (m *Model) Rename(_ context.Context, from, to string, opt zfs.RenameOptions) error {
	if err := zfs.CheckRename(from, to); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	d, ok := m.ds[from]
	if !ok {
		return fail("rename", from, zfs.ErrNotExist)
	}
	if _, ok := m.ds[to]; ok {
		return fail("rename", to, zfs.ErrExist)
	}
	if d.typ == zfs.Snapshot {
		ff, _, _ := strings.Cut(from, "@")
		tf, _, ok := strings.Cut(to, "@")
		if !ok || ff != tf {
			return fail("rename", to, zfs.ErrInvalidName)
		}
		m.del(from)
		m.put(to, d)
		m.repointOrigins(from, to)
		return nil
	}
	if strings.Contains(to, "@") || strings.Split(from, "/")[0] != strings.Split(to, "/")[0] ||
		strings.HasPrefix(to, from+"/") {
		return fail("rename", to, zfs.ErrInvalidName)
	}
	if err := m.parents("rename", to, opt.Parents); err != nil {
		return err
	}
	oldMP := m.mountpoint(from)
	moved := append([]string{from}, m.descendants(from)...)
	for _, n := range moved {
		nn := to + strings.TrimPrefix(n, from)
		d := m.ds[n]
		m.del(n)
		m.put(nn, d)
		if d.typ == zfs.Snapshot {
			m.repointOrigins(n, nn)
		}
	}
	m.mirrorMove(oldMP, m.mountpoint(to))
	return nil
}

func (m *Model) repointOrigins(from, to string) {
	for _, c := range m.clonesOf(from) {
		m.ds[c].origin = to
	}
}

// existing validates name, takes the model's lock, counts a mutating call and finds the dataset
// (ErrNotExist if it is not there). On success the caller must call unlock.
func (m *Model) existing(op, name string) (*mds, func(), error) {
	if err := zfs.ValidateName(name); err != nil {
		return nil, nil, err
	}
	m.mu.Lock()
	m.Calls++
	d, ok := m.ds[name]
	if !ok {
		m.mu.Unlock()
		return nil, nil, fail(op, name, zfs.ErrNotExist)
	}
	return d, m.mu.Unlock, nil
}

// Destroy implements zfs.Client.
func (m *Model) Destroy(_ context.Context, name string, opt zfs.DestroyOptions) error {
	d, unlock, err := m.existing("destroy", name)
	if err != nil {
		return err
	}
	defer unlock()
	if d.typ == zfs.Snapshot {
		if err := m.snapshotsBusy([]string{name}); err != nil {
			return err
		}
		m.dropSnapshot(d)
		m.del(name)
		return nil
	}
	if parentOf(name) == "" {
		return fail("destroy", name, zfs.ErrBusy) // a pool's root goes with zpool destroy
	}
	desc := m.descendants(name)
	if len(desc) > 0 && !opt.Recursive {
		return fail("destroy", name, zfs.ErrBusy)
	}
	// zfs destroy -r first looks for clones of the tree's snapshots outside the tree; with one,
	// it destroys nothing.
	inTree := map[string]bool{name: true}
	for _, n := range desc {
		inTree[n] = true
	}
	for _, n := range desc {
		for _, c := range m.clonesOf(n) {
			if !inTree[c] {
				return fail("destroy", n, zfs.ErrBusy)
			}
		}
	}
	return m.destroyTree(name)
}

// destroyTree destroys fs and everything below it as `zfs destroy -r` does: children first, and
// past failures. Each filesystem's snapshots go in one atomic batch (none when one of them is
// held or still cloned), then the filesystem if nothing is left below it. What could be
// destroyed is gone; the first failure is returned.
func (m *Model) destroyTree(fs string) error {
	var first error
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	var walk func(fs string)
	walk = func(fs string) {
		var snaps []string
		for _, n := range m.descendants(fs) {
			switch {
			case parentOf(n) == fs && m.ds[n] != nil && m.ds[n].typ != zfs.Snapshot:
				walk(n)
			case strings.HasPrefix(n, fs+"@"):
				snaps = append(snaps, n)
			}
		}
		for _, s := range snaps { // zfs destroys a snapshot's clones before the snapshot
			for _, c := range m.clonesOf(s) {
				walk(c)
			}
		}
		if err := m.snapshotsBusy(snaps); err != nil {
			note(err)
			return
		}
		for _, s := range snaps {
			m.dropSnapshot(m.ds[s])
			m.del(s)
		}
		if len(m.descendants(fs)) > 0 {
			note(fail("destroy", fs, zfs.ErrBusy))
			return
		}
		mp := m.mountpoint(fs)
		m.del(fs)
		m.mirrorRemove(mp)
	}
	walk(fs)
	return first
}

// snapshotsBusy says why the snapshots cannot all be destroyed (ErrBusy: one is held or has a
// clone), or nil.
func (m *Model) snapshotsBusy(snaps []string) error {
	for _, s := range snaps {
		if len(m.ds[s].holds) > 0 {
			return fail("destroy", s, zfs.ErrBusy)
		}
		if len(m.clonesOf(s)) > 0 {
			return fail("destroy", s, zfs.ErrBusy)
		}
	}
	return nil
}

// SetProps implements zfs.Client.
func (m *Model) SetProps(_ context.Context, name string, props zfs.Props) error {
	if err := zfs.ValidateProps(props); err != nil {
		return err
	}
	d, unlock, err := m.existing("set", name)
	if err != nil {
		return err
	}
	defer unlock()
	oldMP := m.mountpoint(name)
	for k, v := range props {
		d.props[k] = v
	}
	if _, ok := props["mountpoint"]; ok {
		m.mirrorMove(oldMP, m.mountpoint(name))
	}
	return nil
}

// InheritProp implements zfs.Client.
func (m *Model) InheritProp(_ context.Context, name, prop string) error {
	if err := zfs.ValidateProp(prop); err != nil {
		return err
	}
	d, unlock, err := m.existing("inherit", name)
	if err != nil {
		return err
	}
	defer unlock()
	delete(d.props, prop)
	return nil
}

// Hold implements zfs.Client: like zfs, one snapshot at a time.
func (m *Model) Hold(_ context.Context, tag string, snapshots ...string) error {
	if err := zfs.ValidateHoldTag(tag); err != nil {
		return err
	}
	return m.holdOp("hold", tag, snapshots)
}

// Release implements zfs.Client: like zfs, one snapshot at a time.
func (m *Model) Release(_ context.Context, tag string, snapshots ...string) error {
	if err := zfs.ValidateTag(tag); err != nil {
		return err
	}
	return m.holdOp("release", tag, snapshots)
}

func (m *Model) holdOp(op, tag string, snapshots []string) error {
	if len(snapshots) == 0 {
		return nil
	}
	for _, s := range snapshots {
		if err := zfs.ValidateSnapshot(s); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	failed := map[string]error{}
	for _, s := range snapshots {
		d, ok := m.ds[s]
		switch {
		case !ok:
			failed[s] = zfs.ErrNotExist
		case op == "hold" && d.holds[tag]:
			failed[s] = zfs.ErrExist
		case op == "hold":
			d.holds[tag] = true
		case !d.holds[tag]:
			failed[s] = zfs.ErrNotExist
		default:
			delete(d.holds, tag)
		}
	}
	if len(failed) > 0 {
		return fail(op, strings.Join(snapshots, " "), &zfs.HoldError{Failed: failed})
	}
	return nil
}

// Holds implements zfs.Client.
func (m *Model) Holds(_ context.Context, snapshots ...string) (map[string][]string, error) {
	for _, s := range snapshots {
		if err := zfs.ValidateSnapshot(s); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(snapshots) > 0 { // as the real client, which runs nothing for none
		m.Reads++
	}
	out := map[string][]string{}
	for _, s := range snapshots {
		d, ok := m.ds[s]
		if !ok {
			return nil, fail("holds", s, zfs.ErrNotExist)
		}
		for tag := range d.holds {
			out[s] = append(out[s], tag)
		}
		slices.Sort(out[s])
	}
	return out, nil
}

// DestroyUnused implements zfs.Client with the channel program's semantics: every check and
// destroy of the batch happens under one lock.
func (m *Model) DestroyUnused(_ context.Context, names []string, guard zfs.Guard) (zfs.DestroyReport, error) {
	for _, n := range names {
		if err := zfs.ValidateDataset(n); err != nil {
			return zfs.DestroyReport{Skipped: map[string]string{}}, err
		}
	}
	if err := zfs.ValidateProp(guard.Prop); err != nil {
		return zfs.DestroyReport{Skipped: map[string]string{}}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	rep := zfs.DestroyReport{Skipped: map[string]string{}}
	for _, n := range names {
		if reason := m.unusedReason(n, guard); reason != "" {
			rep.Skipped[n] = reason
			continue
		}
		mp := m.mountpoint(n)
		for _, v := range m.descendants(n) {
			m.dropSnapshot(m.ds[v])
			m.del(v)
		}
		m.del(n)
		m.mirrorRemove(mp)
		rep.Destroyed = append(rep.Destroyed, n)
	}
	return rep, nil
}

func (m *Model) unusedReason(n string, guard zfs.Guard) string {
	d, ok := m.ds[n]
	if !ok {
		return zfs.SkipGone
	}
	if v, ok := d.props[guard.Prop]; !ok || v != guard.Value {
		return zfs.SkipUnmanaged
	}
	for _, v := range m.descendants(n) {
		vd := m.ds[v]
		if vd.typ != zfs.Snapshot {
			return zfs.SkipHasChildren
		}
		if len(vd.holds) > 0 {
			return zfs.SkipHeld
		}
		if len(m.clonesOf(v)) > 0 {
			return zfs.SkipCloned
		}
	}
	return ""
}

// Observe implements zfs.Client.
func (m *Model) Observe(_ context.Context, roots ...string) (*zfs.Tree, error) {
	for _, r := range roots {
		if err := zfs.ValidateDataset(r); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Reads++
	clones := map[string][]string{} // snapshot -> its clones, found in one pass
	for name := range m.clones {
		o := m.ds[name].origin
		clones[o] = append(clones[o], name)
	}
	seen := map[string]bool{}
	var out []zfs.Dataset
	for _, r := range roots {
		if _, ok := m.ds[r]; !ok {
			continue
		}
		for _, n := range append([]string{r}, m.descendants(r)...) {
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, m.observe(n, clones[n]))
		}
	}
	return zfs.NewTree(out), nil
}

func (m *Model) observe(n string, clones []string) zfs.Dataset {
	d := m.ds[n]
	o := zfs.Dataset{Name: n, Type: d.typ, GUID: d.guid, CreateTxg: d.txg, Creation: d.creation,
		Origin: d.origin, UserRefs: uint64(len(d.holds))}
	if d.typ == zfs.Snapshot {
		o.Clones = slices.Sorted(slices.Values(clones))
		return o
	}
	o.Mountpoint = m.mountpoint(n)
	o.Unmounted = d.unmounted
	props := map[string]zfs.Prop{}
	for k, v := range d.props {
		if strings.Contains(k, ":") || k == "readonly" {
			props[k] = zfs.Prop{Value: v, Source: zfs.SourceLocal}
		}
	}
	for p := parentOf(n); p != ""; p = parentOf(p) {
		for k, v := range m.ds[p].props {
			if _, ok := props[k]; !ok && strings.Contains(k, ":") {
				props[k] = zfs.Prop{Value: v, Source: zfs.SourceInherited, From: p}
			}
		}
	}
	if len(props) > 0 {
		o.Props = props
	}
	return o
}

// mountpoint computes a filesystem's mountpoint as ZFS does: the nearest local mountpoint
// property plus the rest of the name, else "/" + name.
func (m *Model) mountpoint(n string) string {
	rest := ""
	for p := n; p != ""; p = parentOf(p) {
		d, ok := m.ds[p]
		if !ok {
			break
		}
		if mp, ok := d.props["mountpoint"]; ok {
			if mp == "none" || mp == "legacy" {
				return ""
			}
			return path.Join(mp, rest)
		}
		rest = path.Join(path.Base(p), rest)
	}
	return "/" + n
}

func (m *Model) mirrored(mp string) bool {
	return m.MirrorUnder != "" && mp != "" && strings.HasPrefix(filepath.Clean(mp)+"/", filepath.Clean(m.MirrorUnder)+"/")
}

func (m *Model) mirrorMkdir(name string) {
	if mp := m.mountpoint(name); m.mirrored(mp) {
		_ = os.MkdirAll(mp, 0o755)
	}
}

func (m *Model) mirrorMove(from, to string) {
	if m.mirrored(from) && m.mirrored(to) && from != to {
		_ = os.MkdirAll(filepath.Dir(to), 0o755)
		_ = os.Rename(from, to)
	}
}

// mirrorClone gives a new clone the files of the filesystem it was cloned from. The model keeps
// no snapshot contents, so these are the origin filesystem's files now: the snapshot's exactly
// when nothing was written since it was taken (as for a read-only filesystem).
func (m *Model) mirrorClone(origin, clone string) {
	from, to := m.mountpoint(origin), m.mountpoint(clone)
	if !m.mirrored(from) || !m.mirrored(to) || m.ds[origin].unmounted {
		return
	}
	_ = copyTree(from, to)
}

// copyTree copies the directory from to to (made if missing), with the files, directories and
// symlinks below it, without following symlinks, keeping permission and set-id bits (a
// directory's once its children are in).
func copyTree(from, to string) error {
	type dirMode struct {
		path string
		mode fs.FileMode
	}
	var dirs []dirMode
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case d.IsDir():
			dirs = append(dirs, dirMode{dst, info.Mode().Perm()})
			return os.MkdirAll(dst, 0o700)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(dst, data, 0o600); err != nil {
				return err
			}
			return os.Chmod(dst, info.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid))
		}
	})
	for _, d := range slices.Backward(dirs) {
		if cerr := os.Chmod(d.path, d.mode); err == nil {
			err = cerr
		}
	}
	return err
}

func (m *Model) mirrorRemove(mp string) {
	if m.mirrored(mp) {
		_ = os.RemoveAll(mp)
	}
}

// Unmount makes a filesystem look unmounted, as an interrupted GC or `zfs unmount` leaves it:
// observations report Unmounted, and with MirrorUnder its mountpoint directory is emptied (its
// content is kept aside until Mount). It is a test helper, not part of zfs.Client.
func (m *Model) Unmount(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.ds[name]
	if !ok || d.typ != zfs.Filesystem {
		return fail("unmount", name, zfs.ErrNotExist)
	}
	if d.unmounted {
		return nil
	}
	d.unmounted = true
	if mp := m.mountpoint(name); m.mirrored(mp) {
		aside := m.aside(name)
		_ = os.MkdirAll(filepath.Dir(aside), 0o755)
		if err := os.Rename(mp, aside); err != nil {
			return err
		}
		return os.MkdirAll(mp, 0o755)
	}
	return nil
}

// Mount implements zfs.Mounter: it undoes Unmount.
func (m *Model) Mount(_ context.Context, name string) error {
	if err := zfs.ValidateDataset(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Calls++
	d, ok := m.ds[name]
	if !ok || d.typ != zfs.Filesystem {
		return fail("mount", name, zfs.ErrNotExist)
	}
	if !d.unmounted {
		return nil
	}
	d.unmounted = false
	if mp := m.mountpoint(name); m.mirrored(mp) {
		_ = os.RemoveAll(mp)
		return os.Rename(m.aside(name), mp)
	}
	return nil
}

// aside is where Unmount keeps a mirrored filesystem's content.
func (m *Model) aside(name string) string {
	return filepath.Join(m.MirrorUnder, ".unmounted", name)
}

// String lists the model's datasets, for test failure messages.
func (m *Model) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.ds))
	for n := range m.ds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %v\n", n, m.ds[n].props)
	}
	return b.String()
}

// Pool implements zfs.PoolReader: every pool of the model is healthy and has no size.
func (m *Model) Pool(_ context.Context, dataset string) (zfs.PoolInfo, error) {
	if err := zfs.ValidateName(dataset); err != nil {
		return zfs.PoolInfo{}, err
	}
	name, _, _ := strings.Cut(dataset, "/")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Reads++
	if _, ok := m.ds[name]; !ok {
		return zfs.PoolInfo{}, fail("pool", name, zfs.ErrNotExist)
	}
	return zfs.PoolInfo{Name: name, Health: "ONLINE"}, nil
}
