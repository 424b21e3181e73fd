package layout

import "strings"

// holdTagPrefix begins every hold tag a generation places (HoldTag); a tag without it is someone
// else's and is never released.
const holdTagPrefix = "axiom-env:"

// ParseHoldTag reads a tag HoldTag wrote: axiom-env:<env>:<K>, K a generation number as
// ParseGenerationNumber reads it. It is the one place the format is read, beside the one place
// it is written.
func ParseHoldTag(tag string) (env string, k int, ok bool) {
	rest, ok := strings.CutPrefix(tag, holdTagPrefix)
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return "", 0, false
	}
	k, ok = ParseGenerationNumber(rest[i+1:])
	if !ok {
		return "", 0, false
	}
	return rest[:i], k, true
}

// profileTagPrefix begins the hold tag of a profile's lock (ProfileHoldTag).
const profileTagPrefix = "axiom-profile:"

// ProfileHoldTag is the user hold a profile places on every package its lock names, so a
// package only a lock names (no generation uses it yet, or any more) is held by the kernel too:
// upstream's `axiom gc` or a hand-run `zfs destroy` cannot take it between passes.
func ProfileHoldTag(profile string) string { return profileTagPrefix + profile }

// ParseProfileHoldTag reads a tag ProfileHoldTag wrote.
func ParseProfileHoldTag(tag string) (profile string, ok bool) {
	p, ok := strings.CutPrefix(tag, profileTagPrefix)
	return p, ok && p != ""
}

// Snapshot names snapshot snap of dataset ds.
func Snapshot(ds, snap string) string { return ds + "@" + snap }

// Installed is the @installed snapshot of package id: what generations hold and clone from.
func (l Layout) Installed(id PackageID) string { return Snapshot(l.Package(id), SnapInstalled) }

// SnapshotDataset is the dataset a snapshot name (Snapshot) is of; a name without '@' is a
// dataset already and is returned as it is.
func SnapshotDataset(snap string) string {
	ds, _, _ := strings.Cut(snap, "@")
	return ds
}
