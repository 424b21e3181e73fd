package layout

import (
	"path"
	"strings"
)

// The three kinds of names the reconciler hands to ZFS each have their own type, so that one is
// never passed where another is meant (a snapshot where its dataset is, a tag where a snapshot
// is), and this package is the one place that builds and cuts them. A name ZFS reported
// (zfs.Dataset.Name) becomes one of them by a conversion where it is read; each becomes a plain
// string again only where it is handed to the zfs package.

// Dataset is the full name of a filesystem: <root>/env/dev/gen-3. The Layout methods name the
// tree's datasets.
type Dataset string

// Snapshot is the full name of a snapshot: a dataset and the snapshot's short name,
// <dataset>@<short>. Dataset.Snapshot makes one; Dataset and Short take it apart.
type Snapshot string

// Tag is a user hold tag: HoldTag's (a generation's) or ProfileHoldTag's (a profile lock's), or
// someone else's, which the reconciler never releases.
type Tag string

// snapSep separates a snapshot's dataset from its short name.
const snapSep = "@"

// Snapshot names the snapshot short of d: d@short.
func (d Dataset) Snapshot(short string) Snapshot { return Snapshot(string(d) + snapSep + short) }

// Parent is the dataset d is directly below (the pool, for a pool's top-level dataset's child;
// "." for a name without '/').
func (d Dataset) Parent() Dataset { return Dataset(path.Dir(string(d))) }

// Base is the last component of d's name: gen-3 for <root>/env/dev/gen-3.
func (d Dataset) Base() string { return path.Base(string(d)) }

// Dataset is the dataset s is a snapshot of. A name without '@' (not a snapshot's) is returned
// as it is.
func (s Snapshot) Dataset() Dataset {
	ds, _, _ := strings.Cut(string(s), snapSep)
	return Dataset(ds)
}

// Short is the snapshot's name within its dataset: installed for <pkg>@installed; "" for a
// name without '@'.
func (s Snapshot) Short() string {
	_, short, _ := strings.Cut(string(s), snapSep)
	return short
}

// ParseSnapshot reads name as a snapshot's: ok when it has an '@' (the dataset's name is before
// the first), false for a dataset's name. Whether the name is one ZFS accepts is for the zfs
// package to say, as it does of every name it is given.
func ParseSnapshot(name string) (s Snapshot, ok bool) {
	if !strings.Contains(name, snapSep) {
		return "", false
	}
	return Snapshot(name), true
}

// Strings returns names as the plain strings the zfs package takes.
func Strings[T ~string](names []T) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return out
}
