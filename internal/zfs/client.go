package zfs

import "context"

// Client is what the rest of axiom-reconcile needs of ZFS. *CLI implements it with the zfs
// command; zfstest.Model implements it in memory; zfstest.RunSuite holds both to the same
// contract, error kinds included. Consumers should accept the narrowest interface they need.
//
// Every method validates the names it is given before doing anything (ErrInvalidName), takes a
// context that bounds any process it starts, and returns *Error values that unwrap to the
// sentinels in errors.go. None of them is idempotent by itself: creating what exists is ErrExist,
// destroying what is gone is ErrNotExist; callers decide what "already done" means.
type Client interface {
	Observer
	// Create creates a filesystem with the given properties. Without Parents, a missing parent is
	// ErrNotExist; with Parents, missing parents are created without properties and an existing
	// target is still ErrExist (unlike `zfs create -p`, which succeeds silently). A filesystem
	// created but not mounted is ErrNotMounted: it exists, so creating it again is ErrExist.
	Create(ctx context.Context, name string, opt CreateOptions) error
	// Snapshot takes all the snapshots at once (one transaction group, all or nothing). They must
	// be in one pool.
	Snapshot(ctx context.Context, snapshots ...string) error
	// Commit seals a filesystem and records the seal: it sets opt.Props and readonly=on on the
	// filesystem of snapshot, calls opt.Sealed (if set), takes snapshot, and sets the new
	// snapshot's guid (in decimal) on the filesystem as the user property opt.GUIDProp,
	// returning the guid. A missing filesystem is ErrNotExist and changes nothing; an existing
	// snapshot is ErrExist, after the properties were set (as by SetProps) and nothing else. A
	// GUIDProp that is not a user property (module:name) is ErrInvalidName. *CLI does it in two
	// processes where channel programs can set user properties (OpenZFS 2.2), four elsewhere.
	Commit(ctx context.Context, snapshot string, opt CommitOptions) (uint64, error)
	// Clone creates a filesystem from a snapshot.
	Clone(ctx context.Context, snapshot, name string, props Props) error
	// Promote makes the clone name independent of its origin (zfs promote): the origin
	// filesystem's snapshots up to and including the one name was cloned from move to name
	// (keeping their names), and the origin filesystem becomes a clone of the moved snapshot,
	// so it can then be destroyed. A filesystem that is not a clone is ErrInvalidName; a moved
	// snapshot whose name name already has is ErrExist, and nothing changes.
	Promote(ctx context.Context, name string) error
	// Rename renames a filesystem (with its snapshots and children) or a snapshot. The target
	// existing is ErrExist; a missing target parent is ErrNotExist unless Parents. A snapshot
	// renamed to a name that is not a snapshot of the same filesystem, a filesystem renamed to a
	// snapshot name, into another pool or below itself is ErrInvalidName (see CheckRename).
	Rename(ctx context.Context, from, to string, opt RenameOptions) error
	// Destroy destroys a filesystem or snapshot. Without Recursive, a filesystem with children or
	// snapshots is ErrBusy, as is a held snapshot or one with clones. With Recursive, as `zfs
	// destroy -r`: a clone of the tree's snapshots outside the tree is ErrBusy and destroys
	// nothing; otherwise it destroys children first and goes on past what it cannot destroy (a
	// held snapshot keeps its filesystem's other snapshots, that filesystem and its ancestors),
	// returning ErrBusy for the first failure.
	Destroy(ctx context.Context, name string, opt DestroyOptions) error
	// SetProps sets properties locally, all in one command.
	SetProps(ctx context.Context, name string, props Props) error
	// InheritProp clears a local property so the inherited value (if any) applies.
	InheritProp(ctx context.Context, name, prop string) error
	// Hold places a user hold with tag on each snapshot, one snapshot at a time as ZFS does (not
	// atomically): every snapshot that can take the tag gets it. When some cannot, the error's
	// cause is a *HoldError naming them, each with its condition: ErrExist for a snapshot that
	// already carries the tag, ErrNotExist for a missing one; errors.Is(err, ErrExist) is true
	// when any carried it, and HoldError.Only(ErrExist) when that is the only failure (the tag is
	// then on every snapshot). A tag beginning with '.' is ErrInvalidName (zfs reserves them).
	Hold(ctx context.Context, tag string, snapshots ...string) error
	// Release removes tag from each snapshot, one at a time like Hold. A snapshot without the tag,
	// or missing, is ErrNotExist, named in a *HoldError; the others are released.
	Release(ctx context.Context, tag string, snapshots ...string) error
	// Holds returns the hold tags of each snapshot that has any, sorted.
	Holds(ctx context.Context, snapshots ...string) (map[string][]string, error)
	// DestroyUnused destroys each filesystem in names together with its snapshots, but only if it
	// still qualifies at the moment of destruction: it exists, carries guard as a local property,
	// has no child filesystems, and none of its snapshots is held or cloned. Others are reported
	// as skipped with the reason. Where ZFS has channel programs the checks and destroys of a
	// batch run atomically in the kernel; elsewhere they run one name at a time and the kernel's
	// own refusal (held, cloned) is reported as a skip.
	DestroyUnused(ctx context.Context, names []string, guard Guard) (DestroyReport, error)
}

// Mounter mounts filesystems. *CLI and zfstest.Model implement it. It is not part of Client:
// only the reconciler's repair of a package left unmounted (by an interrupted GC, or by hand)
// needs it.
type Mounter interface {
	// Mount mounts a filesystem at its mountpoint. One that is already mounted is not an error.
	Mount(ctx context.Context, name string) error
}

// Observer reads the state of dataset trees.
type Observer interface {
	// Observe lists the trees rooted at roots (filesystems, volumes, snapshots) in a constant
	// number of processes, whatever their size. A root that does not exist contributes nothing.
	Observe(ctx context.Context, roots ...string) (*Tree, error)
}

// CreateOptions are the options of Client.Create.
type CreateOptions struct {
	Parents bool
	Props   Props
}

// CommitOptions are the options of Client.Commit.
type CommitOptions struct {
	// Props are set on the filesystem with readonly=on, before the snapshot.
	Props Props
	// GUIDProp is the user property that receives the snapshot's guid.
	GUIDProp string
	// Sealed, if set, is called once the properties are set and before the snapshot is taken:
	// the crash tests' failpoint between the two.
	Sealed func()
}

// RenameOptions are the options of Client.Rename.
type RenameOptions struct {
	Parents bool
}

// DestroyOptions are the options of Client.Destroy.
type DestroyOptions struct {
	// Recursive destroys children and snapshots too (zfs destroy -r). Never the default.
	Recursive bool
}

// Guard names a property that must be set locally to Value for DestroyUnused to touch a dataset.
type Guard struct {
	Prop, Value string
}

// DestroyReport says what DestroyUnused did with each name.
type DestroyReport struct {
	Destroyed []string          // in the order given
	Skipped   map[string]string // name -> reason ("gone", "unmanaged", "held", "cloned", "has children", "busy")
}

// Skip reasons reported by DestroyUnused.
const (
	SkipGone        = "gone"
	SkipUnmanaged   = "unmanaged"
	SkipHeld        = "held"
	SkipCloned      = "cloned"
	SkipHasChildren = "has children"
	// SkipBusy: the filesystem could not be unmounted (a process has files open or its working
	// directory in it), so it was not handed to the channel program.
	SkipBusy = "busy"
)

// PoolReader reads a pool's health and space (for status). *CLI and the model implement it.
type PoolReader interface {
	Pool(ctx context.Context, dataset string) (PoolInfo, error)
}

var (
	_ PoolReader = (*CLI)(nil)
	_ Mounter    = (*CLI)(nil)
)
