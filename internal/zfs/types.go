package zfs

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Type is a dataset type.
type Type uint8

// Dataset types.
const (
	Filesystem Type = iota + 1
	Volume
	Snapshot
	Bookmark
)

func (t Type) String() string {
	switch t {
	case Filesystem:
		return "filesystem"
	case Volume:
		return "volume"
	case Snapshot:
		return "snapshot"
	case Bookmark:
		return "bookmark"
	}
	return "unknown"
}

func parseType(s string) Type {
	switch strings.ToLower(s) {
	case "filesystem":
		return Filesystem
	case "volume":
		return Volume
	case "snapshot":
		return Snapshot
	case "bookmark":
		return Bookmark
	}
	return 0
}

// Source says where a property's value comes from.
type Source uint8

// Property sources. Only SourceLocal values are ever trusted as ownership markers: inherited
// values are copied down the tree and received ones arrive with `zfs send -p`.
const (
	SourceNone Source = iota
	SourceLocal
	SourceInherited
	SourceReceived
	SourceDefault
	SourceTemporary
)

func (s Source) String() string {
	switch s {
	case SourceLocal:
		return "local"
	case SourceInherited:
		return "inherited"
	case SourceReceived:
		return "received"
	case SourceDefault:
		return "default"
	case SourceTemporary:
		return "temporary"
	}
	return "none"
}

// Prop is an observed property value.
type Prop struct {
	Value  string
	Source Source
	From   string // for SourceInherited: the dataset it is inherited from
}

// Props are property values to set.
type Props map[string]string

// argv renders props as sorted `-o k=v` pairs.
func (p Props) argv(flag string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		out = append(out, flag, k+"="+p[k])
	}
	return out
}

// Dataset is one observed filesystem, volume or snapshot.
type Dataset struct {
	Name      string
	Type      Type
	GUID      uint64
	CreateTxg uint64
	Creation  time.Time
	Origin    string // for clones: the origin snapshot
	UserRefs  uint64 // for snapshots: the number of user holds
	// Clones are, for a snapshot, the datasets cloned from it, wherever they are in the pool
	// (observation sees them even outside the roots it lists).
	Clones     []string
	Mountpoint string // for filesystems: "" when not mountable ("none", "legacy")
	// Unmounted is set for a filesystem the observation saw with mounted=no. Only the one-process
	// observation (WithProps) reads the property; false means mounted, or not known.
	Unmounted bool
	// Written is, for a filesystem observed by Integrity.ObserveWritten, the bytes written to it
	// since each of its snapshots asked about, by short snapshot name.
	Written map[string]uint64
	// Props holds the user properties (names with a ':') that are set locally, inherited or
	// received, and the native "readonly" when set locally.
	Props map[string]Prop
}

// Local returns the value of prop if it is set locally on d.
func (d *Dataset) Local(prop string) (string, bool) {
	p, ok := d.Props[prop]
	if !ok || p.Source != SourceLocal {
		return "", false
	}
	return p.Value, true
}

// Tree is the result of an observation: datasets sorted by name, with lookups.
type Tree struct {
	Datasets []Dataset
	byName   map[string]int
}

// NewTree builds a Tree from datasets in any order.
func NewTree(ds []Dataset) *Tree {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
	t := &Tree{Datasets: ds, byName: make(map[string]int, len(ds))}
	for i := range ds {
		t.byName[ds[i].Name] = i
	}
	return t
}

// Get returns the dataset with the given name.
func (t *Tree) Get(name string) (*Dataset, bool) {
	i, ok := t.byName[name]
	if !ok {
		return nil, false
	}
	return &t.Datasets[i], true
}

// prefixed returns the range [lo, hi) of Datasets whose names begin with prefix: contiguous,
// since they are sorted by name, and found by binary search, so that a lookup costs what it
// finds and not the size of the tree (a plan makes one per container, and a store of 10,000
// packages has tens of thousands of datasets).
func (t *Tree) prefixed(prefix string) (lo, hi int) {
	lo = sort.Search(len(t.Datasets), func(i int) bool { return t.Datasets[i].Name >= prefix })
	hi = lo
	for hi < len(t.Datasets) && strings.HasPrefix(t.Datasets[hi].Name, prefix) {
		hi++
	}
	return lo, hi
}

// Children returns the direct child filesystems and volumes of name, sorted.
func (t *Tree) Children(name string) []*Dataset {
	var out []*Dataset
	prefix := name + "/"
	lo, hi := t.prefixed(prefix)
	for i := lo; i < hi; i++ {
		d := &t.Datasets[i]
		if d.Type != Snapshot && !strings.Contains(d.Name[len(prefix):], "/") {
			out = append(out, d)
		}
	}
	return out
}

// Snapshots returns the snapshots of the filesystem name, sorted by name.
func (t *Tree) Snapshots(name string) []*Dataset {
	var out []*Dataset
	lo, hi := t.prefixed(name + "@")
	for i := lo; i < hi; i++ {
		out = append(out, &t.Datasets[i])
	}
	return out
}

// Clones returns the names of the datasets cloned from the snapshot snap, wherever they are.
func (t *Tree) Clones(snap string) []string {
	d, ok := t.Get(snap)
	if !ok {
		return nil
	}
	return d.Clones
}

// Under returns every dataset at or below name (snapshots included), sorted by name.
func (t *Tree) Under(name string) []*Dataset {
	var out []*Dataset
	if d, ok := t.Get(name); ok {
		out = append(out, d)
	}
	// In byte order '/' sorts before '@': the children's range comes first.
	for _, p := range []string{name + "/", name + "@"} {
		lo, hi := t.prefixed(p)
		for i := lo; i < hi; i++ {
			out = append(out, &t.Datasets[i])
		}
	}
	return out
}
