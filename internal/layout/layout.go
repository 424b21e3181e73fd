// Package layout names the datasets, paths and properties of an Axiom tree (DESIGN.md §4), so no
// other package builds a dataset name or a mountpoint path by hand:
//
//	<root>                                          mountpoint=<mountpoint>, compression=lz4, atime=off
//	<root>/store/pkg/<pkg>/<X.Y.Z>/<rev>/<build>    a package: readonly=on, @installed
//	<root>/profiles/<profile>                       profile.yaml, profile.lock.yaml
//	<root>/env/<env>                                current -> gen-K, activate
//	<root>/env/<env>/gen-<K>                        a generation: readonly=on, @realized
//	<root>/tmp/<...>                                work in progress; anything here is garbage once
//	                                                no pass is running
//
// <pkg> is the package's name mapped to a dataset component by PackageComponent ('+', which ZFS
// refuses, becomes ':'); every other name is a dataset component as it is.
//
// Upstream Axiom has no tmp container; adding one keeps half-built datasets out of the places
// upstream (and people) look, and makes "temporary" a fact of the name rather than of a property.
package layout

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Properties the reconciler sets. Only values whose source is local count (see zfs.Dataset.Local).
const (
	PropManagedBy  = "axiom:managed-by" // = ManagedBy on every dataset the reconciler creates
	ManagedBy      = "axiom-reconcile"
	PropKind       = "axiom:kind"       // one of the Kind* values
	PropPackage    = "axiom:package"    // on a package: PackageID.Path, with the real name
	PropProfile    = "axiom:profile"    // on an environment and its generations
	PropGeneration = "axiom:generation" // on a generation: K
	PropLockDigest = "axiom:lock-digest"
	// PropRealizeDigest identifies what a generation was built from: the lock and the conflict
	// policy. Two generations with the same value have the same content.
	PropRealizeDigest  = "axiom:realize-digest"
	PropPreventDestroy = "axiom:prevent-destroy" // on an environment: "on" while declared so
	PropPinned         = "axiom:pinned"          // on an environment after rollback: the generation K
	PropPinnedFor      = "axiom:pinned-for"      // the realize digest the configuration wanted then
	// PropAllowSetID is on a generation built with some packages' set-id bits kept
	// (allow_setuid): their names, comma-separated and sorted. Absent when none were.
	PropAllowSetID = "axiom:allow-setid"
	// PropSignedBy is on a package whose signature verified at import: the signing key's id.
	PropSignedBy = "axiom:signed-by"
	// PropRevision is the configuration revision a pass applied (gitrev's form: a commit id,
	// with "-dirty" when the work tree had changes, or "none" outside Git): on each generation it
	// built, and on the store dataset for the last successful apply, beside PropAppliedAt.
	PropRevision = "axiom:revision"
	// PropAppliedAt is on the store dataset: when the last successful apply ended (RFC 3339, UTC).
	PropAppliedAt = "axiom:applied-at"
	// PropSnapshotGUID is on a package and a generation: the guid of its @installed or @realized
	// snapshot, recorded when it was committed. A snapshot with another guid under that name is
	// not the one taken then (verify reports it).
	PropSnapshotGUID = "axiom:snapshot-guid"
	// PropContentDigest is on a generation: the digest (internal/treedigest) of the files it
	// was realized with, computed from the merge and its packages' build-ids rather than read
	// back, which verify --deep compares its files with.
	PropContentDigest = "axiom:content-digest"
)

// Props lists every property above, for observations that read a known list (zfs.WithProps).
func Props() []string {
	return []string{PropManagedBy, PropKind, PropPackage, PropProfile, PropGeneration, PropLockDigest,
		PropRealizeDigest, PropPreventDestroy, PropPinned, PropPinnedFor, PropAllowSetID, PropSignedBy,
		PropRevision, PropAppliedAt, PropSnapshotGUID, PropContentDigest}
}

// Kinds of managed datasets (PropKind).
const (
	KindContainer  = "container"
	KindPackage    = "package"
	KindProfile    = "profile"
	KindEnv        = "env"
	KindGeneration = "generation"
)

// Snapshot names.
const (
	SnapInstalled = "installed"
	SnapRealized  = "realized"
)

// Files inside datasets.
const (
	ProfileFile    = "profile.yaml"
	LockFile       = "profile.lock.yaml"
	CurrentLink    = "current"
	ActivateScript = "activate"
	// GenerationLock is where a generation keeps a copy of the lock it was built from.
	GenerationLock = ".axiom/" + LockFile
	// GenerationRecord is where a generation records what its files were merged from (the
	// packages in priority order, the conflict policy, the packages whose set-id bits it
	// keeps), so that the next generation can be built from it by changing only what differs.
	GenerationRecord = ".axiom/realize.json"
)

// PrunedSnapshot names the snapshot that holds the files of pruned generation k while other
// generations still share its blocks: pruning a generation that later ones were cloned from
// moves its @realized, under this name, to the newest of them (zfs promote). It goes when no
// generation is cloned from it any more.
//
// The name is pruned-K, as short as it is so that no environment name that fits otherwise is too
// long for it: gen-K@pruned-J is never longer than the temporary name of generation K.
func PrunedSnapshot(k int) string { return "pruned-" + strconv.Itoa(k) }

// IsPrunedSnapshot reports whether name is a PrunedSnapshot of a generation of an environment:
// <root>/env/<env>/gen-K@pruned-J.
func (l Layout) IsPrunedSnapshot(name Snapshot) bool {
	fs := name.Dataset()
	_, pruned := ParsePrunedSnapshot(name.Short())
	_, gen := ParseGeneration(fs.Base())
	return pruned && gen && fs.Parent().Parent() == l.Envs()
}

// ParsePrunedSnapshot reads the snapshot name PrunedSnapshot makes.
func ParsePrunedSnapshot(s string) (int, bool) {
	n, ok := strings.CutPrefix(s, "pruned-")
	if !ok {
		return 0, false
	}
	return ParseGenerationNumber(n)
}

// Layout is an Axiom tree: its root dataset and the mountpoint the root is mounted at.
type Layout struct {
	Root       Dataset
	Mountpoint string
}

func (l Layout) Store() Dataset              { return l.Root + "/store" }
func (l Layout) PkgRoot() Dataset            { return l.Root + "/store/pkg" }
func (l Layout) Profiles() Dataset           { return l.Root + "/profiles" }
func (l Layout) Profile(name string) Dataset { return l.Profiles() + "/" + Dataset(name) }
func (l Layout) Envs() Dataset               { return l.Root + "/env" }
func (l Layout) Env(name string) Dataset     { return l.Envs() + "/" + Dataset(name) }
func (l Layout) Tmp() Dataset                { return l.Root + "/tmp" }
func (l Layout) Generation(env string, k int) Dataset {
	return l.Env(env) + "/" + Dataset(GenerationName(k))
}

// Containers are the datasets every tree has, parents first. The longest is PkgRoot.
func (l Layout) Containers() []Dataset {
	return []Dataset{l.Root, l.Store(), l.PkgRoot(), l.Profiles(), l.Envs(), l.Tmp()}
}

// Package returns the dataset of a package: PkgRoot/DatasetPath.
func (l Layout) Package(id PackageID) Dataset { return l.PkgRoot() + "/" + Dataset(id.DatasetPath()) }

// Installed is the @installed snapshot of package id: what generations hold and clone from.
func (l Layout) Installed(id PackageID) Snapshot { return l.Package(id).Snapshot(SnapInstalled) }

// PackageAt reverses Package: the package whose dataset ds is (ParsePackageDataset below
// PkgRoot); ok is false for any other name.
func (l Layout) PackageAt(ds Dataset) (PackageID, bool) {
	rel, ok := strings.CutPrefix(string(ds), string(l.PkgRoot())+"/")
	if !ok {
		return PackageID{}, false
	}
	return ParsePackageDataset(rel)
}

// ---- package names in dataset names ----------------------------------------------------------
//
// Package names may contain '+' (libstdc++6, g++-12; axiomname.CheckPackage), which ZFS does not
// allow in a dataset name. A package's dataset component is therefore its name with every '+'
// replaced by ':', which ZFS allows and no package name contains: libstdc++6 is stored as
// store/pkg/libstdc::6/... . The mapping is one byte for one byte, so a name's length is its
// component's, and it is reversed when a dataset name is read back. Everything a person reads
// (plans, status, errors, locks, the axiom:package property) shows the real name; only dataset
// names carry the component.

// PackageComponent returns the dataset name component of the package named name.
func PackageComponent(name string) string { return strings.ReplaceAll(name, "+", ":") }

// PackageName reverses PackageComponent. ok is false if no valid package name maps to c (it
// contains '+', or what it maps back to fails axiomname.CheckPackage), so a dataset that no
// package could have been stored as is never taken for one.
func PackageName(c string) (name string, ok bool) {
	if strings.Contains(c, "+") {
		return "", false
	}
	name = strings.ReplaceAll(c, ":", "+")
	return name, axiomname.CheckPackage(name) == nil
}

// Path returns where dataset ds is mounted, given that the root is mounted at l.Mountpoint and
// nothing below it sets its own mountpoint (the reconciler checks both).
func (l Layout) Path(ds Dataset) string {
	if ds == l.Root {
		return l.Mountpoint
	}
	return path.Join(l.Mountpoint, strings.TrimPrefix(string(ds), string(l.Root)+"/"))
}

// Under reports whether ds is at or below parent: a dataset below a dataset, or a path below a
// directory.
func Under[T ~string](ds, parent T) bool {
	return ds == parent || strings.HasPrefix(string(ds), string(parent)+"/")
}

// GenerationName is the dataset name component of generation k: gen-K.
func GenerationName(k int) string { return "gen-" + strconv.Itoa(k) }

// ParseGeneration reads gen-K (ParseGenerationNumber's K); ok is false for anything else.
func ParseGeneration(s string) (int, bool) {
	n, ok := strings.CutPrefix(s, "gen-")
	if !ok {
		return 0, false
	}
	return ParseGenerationNumber(n)
}

// ParseGenerationNumber reads a generation number as the reconciler writes it (in gen-K, hold
// tags and axiom:pinned): decimal digits, no sign, no leading zero, > 0. Nothing else (+1, 01,
// " 1") is taken for generation 1.
func ParseGenerationNumber(s string) (int, bool) {
	if s == "" || s[0] == '0' || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	k, err := strconv.Atoi(s)
	return k, err == nil && k > 0
}

// Temporary datasets are named <root>/tmp/<prefix>-<random>, <random> being TempRandLen
// hexadecimal digits, so that concurrent passes never pick the same name.
const TempRandLen = 8

// Temp returns the temporary dataset with the given prefix and random part.
func (l Layout) Temp(prefix, random string) Dataset {
	return l.Tmp() + "/" + Dataset(prefix+"-"+random)
}

// TempPackagePrefix is the prefix of the temporary dataset a package is imported into.
func TempPackagePrefix(buildID string) string { return "pkg-" + buildID }

// TempGenerationPrefix is the prefix of the temporary dataset generation k of env is built in.
func TempGenerationPrefix(env string, k int) string {
	return "gen-" + env + "-" + strconv.Itoa(k)
}

// ---- name lengths ----------------------------------------------------------------------------
//
// ZFS refuses a dataset or snapshot name longer than MaxNameLen, and a rename whose new name, or
// the name of one of the dataset's snapshots after it, would be longer. The names below are
// built from configured names, so a configuration can be valid name by name and still fail
// halfway through an apply. The *Names functions list, for one configured item, every dataset
// and snapshot name the reconciler may create for it, so that both validation (with worst-case
// numbers) and planning (with the real ones) can check them with CheckNames before anything is
// changed.

// MaxNameLen is the longest full dataset or snapshot name ZFS accepts: ZFS_MAX_DATASET_NAME_LEN
// (256) less its terminating NUL.
const MaxNameLen = 255

// BuildIDLen is the length of a package build-id (internal/source derives them).
const BuildIDLen = 24

// MaxGeneration is the largest generation number that name-length checks allow for: ten digits
// (a new generation every second for three centuries). On a 32-bit platform it is MaxInt32,
// also ten digits.
const MaxGeneration = min(9_999_999_999, math.MaxInt)

// tempRandFill stands for the random part of a temporary name, which has a fixed length.
var tempRandFill = strings.Repeat("X", TempRandLen)

// ProfileNames lists the datasets created for profile: its dataset.
func (l Layout) ProfileNames(profile string) []string {
	return []string{string(l.Profile(profile))}
}

// EnvNames lists the datasets and snapshots created for environment env up to generation k: its
// container, generation k, its @realized snapshot and a pruned generation's snapshot moved to it
// (PrunedSnapshot), and the temporary dataset generation k is
// built in, with its snapshot. Names only grow with k, so passing the largest generation (or
// MaxGeneration) covers all of them. The random part of the temporary name is shown as X's.
func (l Layout) EnvNames(env string, k int) []string {
	tmp := l.Temp(TempGenerationPrefix(env, k), tempRandFill)
	gen := l.Generation(env, k)
	return []string{
		string(l.Env(env)),
		string(gen),
		string(gen.Snapshot(SnapRealized)),
		string(tmp),
		string(tmp.Snapshot(SnapRealized)),
		string(gen.Snapshot(PrunedSnapshot(k))),
	}
}

// PackageNames lists the datasets and snapshots created for package id: its dataset and
// @installed snapshot, and the temporary dataset it is imported into, with its snapshot. The
// parents of its dataset (name, name/X.Y.Z, name/X.Y.Z/rev) are shorter.
func (l Layout) PackageNames(id PackageID) []string {
	tmp := l.Temp(TempPackagePrefix(id.BuildID), tempRandFill)
	return []string{
		string(l.Package(id)),
		string(l.Installed(id)),
		string(tmp),
		string(tmp.Snapshot(SnapInstalled)),
	}
}

// MaxPackageID is the package named name with the longest version, revision and build-id there
// can be (4294967295.4294967295.4294967295, revision 4294967295, BuildIDLen digits): its
// PackageNames are the longest any build of the package can have, so a name that passes with it
// passes with every build. Configuration validation uses it, not knowing the versions yet.
func MaxPackageID(name string) PackageID {
	const most = math.MaxUint32
	return PackageID{Name: name, Version: version.Version{Major: most, Minor: most, Patch: most},
		Revision: most, BuildID: strings.Repeat("f", BuildIDLen)}
}

// NameTooLongError reports a dataset or snapshot name longer than MaxNameLen.
type NameTooLongError struct {
	Name  string // the name
	Index int    // its index in the list given to CheckNames
}

func (e *NameTooLongError) Error() string {
	return fmt.Sprintf("dataset name %s is %d bytes long; ZFS allows at most %d", e.Name, len(e.Name), MaxNameLen)
}

// CheckNames returns a *NameTooLongError for the longest of names (the first of the longest) if
// it is longer than MaxNameLen, else nil.
func CheckNames[T ~string](names []T) error {
	longest := -1
	for i, n := range names {
		if longest < 0 || len(n) > len(names[longest]) {
			longest = i
		}
	}
	if longest >= 0 && len(names[longest]) > MaxNameLen {
		return &NameTooLongError{Name: string(names[longest]), Index: longest}
	}
	return nil
}

// PackageID identifies one build of a package in the store.
type PackageID struct {
	Name     string // the real name, as the manifest has it (libstdc++6)
	Version  version.Version
	Revision uint32
	BuildID  string
}

// Path is how plans and the axiom:package property name the package: name/X.Y.Z/rev/build,
// with its real name. ParsePackagePath reads it back.
func (id PackageID) Path() string {
	return fmt.Sprintf("%s/%s/%d/%s", id.Name, id.Version, id.Revision, id.BuildID)
}

// DatasetPath is the package's dataset path below store/pkg: Path with the name mapped by
// PackageComponent. ParsePackageDataset reads it back.
func (id PackageID) DatasetPath() string {
	return fmt.Sprintf("%s/%s/%d/%s", PackageComponent(id.Name), id.Version, id.Revision, id.BuildID)
}

// String is a short human form: bash 5.2.21-1 (3f2a9c1b).
func (id PackageID) String() string {
	b := id.BuildID
	if len(b) > 8 {
		b = b[:8]
	}
	return fmt.Sprintf("%s %s-%d (%s)", id.Name, id.Version, id.Revision, b)
}

// Less orders ids by name, then version, revision and build-id.
func (id PackageID) Less(o PackageID) bool {
	if id.Name != o.Name {
		return id.Name < o.Name
	}
	if c := id.Version.Compare(o.Version); c != 0 {
		return c < 0
	}
	if id.Revision != o.Revision {
		return id.Revision < o.Revision
	}
	return id.BuildID < o.BuildID
}

// ParsePackagePath reads what Path writes, name/X.Y.Z/rev/build, with a valid package name
// (axiomname.CheckPackage).
func ParsePackagePath(p string) (PackageID, bool) {
	return parsePackage(p, func(s string) (string, bool) { return s, axiomname.CheckPackage(s) == nil })
}

// ParsePackageDataset reads what DatasetPath writes, a package dataset's path below store/pkg,
// mapping its first component back to the package's name (PackageName).
func ParsePackageDataset(p string) (PackageID, bool) {
	return parsePackage(p, PackageName)
}

// parsePackage reads name/X.Y.Z/rev/build, the name by readName; only the canonical spelling
// of the version and revision is accepted.
func parsePackage(p string, readName func(string) (string, bool)) (PackageID, bool) {
	f := strings.Split(p, "/")
	if len(f) != 4 {
		return PackageID{}, false
	}
	name, ok := readName(f[0])
	if !ok {
		return PackageID{}, false
	}
	v, err := version.Parse(f[1])
	if err != nil || v.String() != f[1] {
		return PackageID{}, false
	}
	rev, err := strconv.ParseUint(f[2], 10, 32)
	if err != nil || strconv.FormatUint(rev, 10) != f[2] || f[3] == "" {
		return PackageID{}, false
	}
	return PackageID{Name: name, Version: v, Revision: uint32(rev), BuildID: f[3]}, true
}
