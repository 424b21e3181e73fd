package pkgmeta

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Lock is a profile.lock.yaml: the exact packages a profile resolved to.
type Lock struct {
	FormatVersion string // "1.0"; read as "1.0" when absent and written as "1.0" when empty
	ProfileName   string
	LockVersion   int // 1; read as 1 when absent and written as 1 when zero
	// ProfileDigest is Profile.Digest of the profile this lock was resolved from. Upstream
	// records nothing of the kind, so it is empty in upstream's locks.
	ProfileDigest string
	// Resolved, sorted by name (Parse and Marshal both sort); a name appears at most once.
	Resolved []LockEntry
}

// LockEntry is one resolved package of a lock.
type LockEntry struct {
	Name      string
	Version   version.Version
	Revision  uint32
	BuildID   string
	Requested bool // named in the profile, rather than pulled in as a dependency
}

const lockVersion = 1

var (
	lockKeys      = []string{"format_version", "profile_name", "lock_version", "profile_digest", "resolved"}
	lockEntryKeys = []string{"name", "version", "revision", "build_id", "requested"}
	digestRE      = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// ParseLock reads a profile.lock.yaml. profile_name is required, and so are every entry's name,
// version, revision and build_id (upstream drops an entry that lacks one; here it is an error).
// build_id, a component of the package's dataset name, must pass the same name rule as package
// names. A package may be locked only once.
func ParseLock(b []byte) (Lock, error) {
	root, err := parseDoc(b)
	if err != nil {
		return Lock{}, err
	}
	if root == nil {
		return Lock{}, &Error{Line: 1, Column: 1, Msg: "the lock is empty; it needs at least profile_name"}
	}
	fs, err := fields(root, "the lock")
	if err != nil {
		return Lock{}, err
	}
	l := Lock{FormatVersion: formatVersion, LockVersion: lockVersion}
	var haveProfile bool
	lines := map[string]int{}
	for _, f := range fs {
		var err error
		switch f.key {
		case "format_version":
			l.FormatVersion, err = readFormatVersion(f)
		case "profile_name":
			l.ProfileName, err = f.name()
			haveProfile = true
		case "lock_version":
			var n uint32
			if n, err = f.uint32(); err == nil && n != lockVersion {
				err = errorf(f.location, "lock_version %d is not supported (this reader knows %d)", n, lockVersion)
			}
			l.LockVersion = int(n)
		case "profile_digest":
			if l.ProfileDigest, err = f.str(); err == nil && l.ProfileDigest != "" && !digestRE.MatchString(l.ProfileDigest) {
				err = errorf(f.location, "profile_digest %q is not sha256:<64 lowercase hex digits>", l.ProfileDigest)
			}
		case "resolved":
			items, lerr := f.list()
			if lerr != nil {
				return Lock{}, lerr
			}
			for i, it := range items {
				e, err := readLockEntry(it, i)
				if err != nil {
					return Lock{}, err
				}
				if first, dup := lines[e.Name]; dup {
					return Lock{}, errorf(it, "package %q is locked twice (first at line %d)", e.Name, first)
				}
				lines[e.Name] = it.Line
				l.Resolved = append(l.Resolved, e)
			}
		default:
			err = unknownKey(f, "the lock", lockKeys)
		}
		if err != nil {
			return Lock{}, err
		}
	}
	if !haveProfile {
		return Lock{}, errorf(root, "the lock has no profile_name")
	}
	sortLock(l.Resolved)
	return l, nil
}

func readLockEntry(n *yaml.Node, i int) (LockEntry, error) {
	label := "resolved entry " + strconv.Itoa(i+1)
	fs, err := fields(n, label)
	if err != nil {
		return LockEntry{}, err
	}
	var e LockEntry
	have := map[string]bool{}
	for _, f := range fs {
		var err error
		switch f.key {
		case "name":
			e.Name, err = f.packageName()
		case "version":
			e.Version, err = f.version()
		case "revision":
			e.Revision, err = f.uint32()
		case "build_id":
			e.BuildID, err = f.name()
		case "requested":
			e.Requested, err = f.bool()
		default:
			err = unknownKey(f, label, lockEntryKeys)
		}
		if err != nil {
			return LockEntry{}, err
		}
		have[f.key] = true
	}
	for _, k := range []string{"name", "version", "revision", "build_id"} {
		if !have[k] {
			return LockEntry{}, errorf(n, "%s has no %s", label, k)
		}
	}
	return e, nil
}

func sortLock(es []LockEntry) {
	slices.SortStableFunc(es, func(a, b LockEntry) int {
		return cmp.Or(
			cmp.Compare(a.Name, b.Name),
			a.Version.Compare(b.Version),
			cmp.Compare(a.Revision, b.Revision),
			cmp.Compare(a.BuildID, b.BuildID),
		)
	})
}

// Marshal writes profile.lock.yaml in upstream's shape: format_version, profile_name,
// lock_version, then profile_digest (ours; left out when empty), then `resolved:` entries sorted
// by name (then version, revision, build_id) with name, version (quoted X.Y.Z), revision,
// build_id and requested. With no entries it writes `resolved: []`.
func (l Lock) Marshal() []byte {
	var w writer
	fv := l.FormatVersion
	if fv == "" {
		fv = formatVersion
	}
	lv := l.LockVersion
	if lv == 0 {
		lv = lockVersion
	}
	w.raw("", "format_version", quote(fv))
	w.kv("", "profile_name", l.ProfileName)
	w.raw("", "lock_version", strconv.Itoa(lv))
	if l.ProfileDigest != "" {
		w.raw("", "profile_digest", quote(l.ProfileDigest))
	}
	if len(l.Resolved) == 0 {
		w.WriteString("resolved: []\n")
		return w.Bytes()
	}
	es := slices.Clone(l.Resolved)
	sortLock(es)
	w.WriteString("resolved:\n")
	for _, e := range es {
		w.kv("  - ", "name", e.Name)
		w.raw("    ", "version", quote(e.Version.String()))
		w.raw("    ", "revision", u32(e.Revision))
		w.kv("    ", "build_id", e.BuildID)
		w.raw("    ", "requested", strconv.FormatBool(e.Requested))
	}
	return w.Bytes()
}

// Digest returns "sha256:<hex>" of l.Marshal().
func (l Lock) Digest() string { return digest(l.Marshal()) }
