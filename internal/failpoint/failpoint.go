// Package failpoint marks the points between the reconciler's mutations and file writes where a
// crash test may kill the process, so tests can prove that a pass killed at any point converges
// when run again.
//
// Production builds ignore failpoints entirely: Hit is an empty function unless the binary is
// built with the `failpoints` build tag, and only then does it read AXIOM_FAILPOINT. A name that
// matches kills the process on the spot with SIGKILL — no deferred cleanup, no lock release, as
// a power cut would (the kernel still drops flocks, as it would then).
package failpoint

// Env is the environment variable a failpoints build reads: the name of the point to die at.
const Env = "AXIOM_FAILPOINT"

// Every failpoint.
const (
	DatasetCreated     = "create/dataset-created"   // after a container, profile or environment dataset is created
	TempCleaned        = "temp/cleaned"             // after a leftover temporary dataset is destroyed
	FilesCleaned       = "temp/files-cleaned"       // after leftover temporary files of a killed write are removed
	HoldsReleased      = "holds/released"           // leaked holds released, missing ones not placed yet
	HoldsRepaired      = "holds/repaired"           // after missing holds were placed again
	Mounted            = "mount/mounted"            // an unmounted package a realize needs was mounted
	ImportTempCreated  = "import/temp-created"      // package: temp dataset created, empty
	ImportFilesWritten = "import/files-written"     // package: files written, not read-only yet
	ImportReadonly     = "import/readonly"          // package: read-only, no @installed yet
	ImportSnapshot     = "import/snapshotted"       // package: @installed taken, its guid recorded, not renamed yet
	ImportParents      = "import/parents-created"   // package: its name/X.Y.Z/rev parents created, not renamed yet
	ImportRenamed      = "import/renamed"           // package: in place
	ProfileWritten     = "profile/profile-written"  // profile.yaml written
	LockWritten        = "profile/lock-written"     // profile.lock.yaml written
	PropsSet           = "props/set"                // an environment's properties set
	RealizeHeld        = "realize/held"             // generation: packages held, nothing built yet
	RealizeTempCreated = "realize/temp-created"     // generation: temp dataset created (or cloned)
	RealizeFilesWriten = "realize/files-written"    // generation: files merged in
	RealizeReadonly    = "realize/readonly"         // generation: read-only
	RealizeSnapshot    = "realize/snapshotted"      // generation: @realized taken, its guid recorded
	RealizeRenamed     = "realize/renamed"          // generation: in place, not active
	ActivateScript     = "activate/script-written"  // activate script written
	LinkTemp           = "link/temp-created"        // SwitchLink: the new symlink made under a temporary name, not renamed
	ActivateSwitched   = "activate/switched"        // current switched
	ActivateUnpinned   = "activate/unpinned"        // rollback pin cleared
	PruneOriginRenamed = "prune/origin-renamed"     // generation later ones were cloned from: @realized renamed, not promoted yet
	PrunePromoted      = "prune/promoted"           // the newest clone promoted, the generation not destroyed yet
	PruneDestroyed     = "prune/destroyed"          // generation destroyed, its holds not released yet
	PruneReleased      = "prune/released"           // pruned generation's holds released
	RemoveEnvDestroyed = "remove-env/destroyed"     // undeclared environment destroyed, holds not released yet
	RemoveEnvReleased  = "remove-env/released"      // undeclared environment's holds released
	RemoveProfile      = "remove-profile/destroyed" // undeclared profile destroyed
	GCUnmounted        = "gc/unmounted"             // GC candidates unmounted, the channel program not run yet
	GCBatch            = "gc/batch-destroyed"       // after each GC batch
	RollbackPinned     = "rollback/pinned"          // rollback: the pin set (or cleared), current not switched yet
)

// Names lists every failpoint, in the order a pass may reach them.
func Names() []string {
	return []string{
		DatasetCreated, TempCleaned, FilesCleaned, HoldsReleased, HoldsRepaired, Mounted,
		ImportTempCreated, ImportFilesWritten, ImportReadonly, ImportSnapshot, ImportParents, ImportRenamed,
		ProfileWritten, LockWritten, PropsSet,
		RealizeHeld, RealizeTempCreated, RealizeFilesWriten, RealizeReadonly, RealizeSnapshot, RealizeRenamed,
		ActivateScript, LinkTemp, ActivateSwitched, ActivateUnpinned,
		PruneOriginRenamed, PrunePromoted, PruneDestroyed, PruneReleased, RemoveEnvDestroyed, RemoveEnvReleased, RemoveProfile,
		GCUnmounted, GCBatch, RollbackPinned,
	}
}
