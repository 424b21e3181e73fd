package spec

import (
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// Defaults for optional settings.
const (
	DefaultMountpoint      = "/axiom"
	DefaultKeepGenerations = 3
	DefaultGracePeriod     = 24 * time.Hour
	DefaultMaxDeletes      = 100
)

// Config is the validated desired state declared by one configuration directory.
type Config struct {
	Dir          string   // absolute path of the (first) configuration directory
	Dirs         []string // absolute paths of every configuration directory, in the order given
	Files        []string // absolute paths of the *.hcl files read, sorted
	Store        Store
	Sources      []Source      // sorted by name
	Profiles     []Profile     // sorted by name
	Environments []Environment // sorted by name
	GC           GC

	digest  string
	sources map[string]*hcl.File
}

// Store is the store block: where the Axiom tree lives.
type Store struct {
	Dataset         string // root dataset of the Axiom tree, a valid ZFS dataset name
	Mountpoint      string // absolute, clean; DefaultMountpoint when not set
	DeclRange       hcl.Range
	DatasetRange    hcl.Range
	MountpointRange hcl.Range // DeclRange when mountpoint is not set
}

// Source is a source block: a directory of package directories and/or archives.
type Source struct {
	Name      string // the block label
	Path      string // absolute and clean, resolved against the directory of the declaring file
	DeclRange hcl.Range
	NameRange hcl.Range // the block label
	PathRange hcl.Range
	// TrustedKeys are the public keys packages of this source may be signed with: those of the
	// key files named by trusted_keys (read when the configuration is loaded) and the inline
	// ones of trusted_key_data.
	TrustedKeys []signature.PublicKey
	// Signatures is the signature policy (signatures = "require" | "warn" | "off"); unset, it
	// is require once keys are configured and off otherwise (signature.Policy.Effective).
	Signatures      signature.Policy
	SignaturesRange hcl.Range // DeclRange when signatures is not set
}

// Trust is the source's signature policy in effect and its trusted keys.
func (s Source) Trust() (signature.Policy, *signature.TrustStore) {
	return s.Signatures.Effective(len(s.TrustedKeys) > 0), signature.NewTrustStore(s.TrustedKeys...)
}

// Profile is a profile block: the packages an environment is built from.
type Profile struct {
	Name        string
	Description string // a single line; may be empty
	// Packages are in declaration order. That order is meaningful: under ConflictPriority it is
	// the order of precedence, the first package declared taking precedence over later ones.
	Packages  []Package
	DeclRange hcl.Range
	NameRange hcl.Range // the block label
	// DescriptionRange is the range of the description attribute's value, or DeclRange when the
	// profile has no description attribute.
	DescriptionRange hcl.Range
}

// Package is a package block inside a profile: one requested package.
type Package struct {
	Name       string
	Constraint version.Constraint // version.AnyVersion when no version is given
	DeclRange  hcl.Range
	NameRange  hcl.Range // the block label
	// ConstraintRange is the range of the version attribute's value, or DeclRange when the
	// package has no version attribute.
	ConstraintRange hcl.Range
	// AllowSetID keeps the set-user-ID and set-group-ID bits of this package's files when an
	// environment is realized (allow_setuid = true). By default they are dropped: a program
	// such as su or passwd then runs without its privileges rather than with them unasked.
	AllowSetID      bool
	AllowSetIDRange hcl.Range // DeclRange when allow_setuid is not set
}

// Environment is an environment block: a realized, activatable merge of a profile's packages.
type Environment struct {
	Name                 string
	Profile              string // name of a declared profile
	ProfileRange         hcl.Range
	ConflictPolicy       ConflictPolicy
	ConflictPolicyRange  hcl.Range // DeclRange when conflict_policy is not set
	KeepGenerations      int       // at least 1; DefaultKeepGenerations when not set
	KeepGenerationsRange hcl.Range // DeclRange when keep_generations is not set
	PreventDestroy       bool
	PreventDestroyRange  hcl.Range // DeclRange when prevent_destroy is not set
	DeclRange            hcl.Range
	NameRange            hcl.Range // the block label
}

// GC is the gc block: how unreferenced store packages are collected.
type GC struct {
	GracePeriod time.Duration // not negative (0: no grace); DefaultGracePeriod when not set
	MaxDeletes  int           // deletions allowed per pass, not negative; 0 deletes nothing
	// DeclRange is the range of the gc block; the zero Range when the configuration has none.
	DeclRange        hcl.Range
	GracePeriodRange hcl.Range // DeclRange when grace_period is not set
	MaxDeletesRange  hcl.Range // DeclRange when max_deletes is not set
}

// ConflictPolicy says what realizing an environment does when two packages ship the same path
// with different content.
type ConflictPolicy string

// The conflict policies.
const (
	// ConflictError refuses to realize the environment. The default.
	ConflictError ConflictPolicy = "error"
	// ConflictPriority keeps the file of the package declared first in the profile.
	ConflictPriority ConflictPolicy = "priority"
	// ConflictKeepBoth keeps the first file and writes each other one beside it under a name
	// that includes its package name.
	ConflictKeepBoth ConflictPolicy = "keep-both"
)

// ConflictPolicies lists the valid policies, default first.
func ConflictPolicies() []ConflictPolicy {
	return []ConflictPolicy{ConflictError, ConflictPriority, ConflictKeepBoth}
}

// Digest identifies the configuration's content: "sha256:<hex>" over the files' names relative
// to Dir and their bytes, in name order. Two loads of the same files have the same digest,
// whatever the order the files were read in and wherever the directory is.
func (c *Config) Digest() string { return c.digest }

// SourceFiles returns the parsed configuration files keyed by the file names used in ranges, for
// WriteDiagnostics to show snippets of diagnostics produced after loading. The map must not be
// modified.
func (c *Config) SourceFiles() map[string]*hcl.File { return c.sources }

// BlockKind names a kind of block, for Config.Range.
type BlockKind string

// The block kinds.
const (
	BlockStore       BlockKind = "store"
	BlockSource      BlockKind = "source"
	BlockProfile     BlockKind = "profile"
	BlockPackage     BlockKind = "package"
	BlockEnvironment BlockKind = "environment"
	BlockGC          BlockKind = "gc"
)

// Range returns where a block is declared, for code that knows an item only by name and needs to
// point a diagnostic at it. name is ignored for the store and gc blocks, and is "PROFILE/PACKAGE"
// for a package. It reports false for an item the configuration does not declare (including the
// gc block when it was left out).
func (c *Config) Range(kind BlockKind, name string) (hcl.Range, bool) {
	switch kind {
	case BlockStore:
		return c.Store.DeclRange, true
	case BlockGC:
		return c.GC.DeclRange, c.GC.DeclRange != hcl.Range{}
	case BlockSource:
		if s, ok := c.Source(name); ok {
			return s.DeclRange, true
		}
	case BlockProfile:
		if p, ok := c.Profile(name); ok {
			return p.DeclRange, true
		}
	case BlockEnvironment:
		if e, ok := c.Environment(name); ok {
			return e.DeclRange, true
		}
	case BlockPackage:
		profile, pkg, _ := strings.Cut(name, "/")
		if p, ok := c.Profile(profile); ok {
			if k, ok := p.Package(pkg); ok {
				return k.DeclRange, true
			}
		}
	}
	return hcl.Range{}, false
}

// Source returns the source with the given name.
func (c *Config) Source(name string) (*Source, bool) { return find(c.Sources, name, sourceName) }

// Profile returns the profile with the given name.
func (c *Config) Profile(name string) (*Profile, bool) { return find(c.Profiles, name, profileName) }

// Environment returns the environment with the given name.
func (c *Config) Environment(name string) (*Environment, bool) {
	return find(c.Environments, name, environmentName)
}

// Package returns the package with the given name.
func (p *Profile) Package(name string) (*Package, bool) {
	i := slices.IndexFunc(p.Packages, func(pkg Package) bool { return pkg.Name == name })
	if i < 0 {
		return nil, false
	}
	return &p.Packages[i], true
}

func sourceName(s Source) string           { return s.Name }
func profileName(p Profile) string         { return p.Name }
func environmentName(e Environment) string { return e.Name }

// find looks name up in items, which are sorted by name.
func find[T any](items []T, name string, key func(T) string) (*T, bool) {
	i, ok := slices.BinarySearchFunc(items, name, func(item T, name string) int {
		return strings.Compare(key(item), name)
	})
	if !ok {
		return nil, false
	}
	return &items[i], true
}
