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

// Every failpoint. A crash test iterates over Names.
const (
	DatasetCreated     = "create/dataset-created"   // after a container, profile or environment dataset is created
	TempCleaned        = "temp/cleaned"             // after a leftover temporary dataset is destroyed
	ImportTempCreated  = "import/temp-created"      // package: temp dataset created, empty
	ImportFilesWritten = "import/files-written"     // package: files written, not read-only yet
	ImportReadonly     = "import/readonly"          // package: read-only, no @installed yet
	ImportSnapshot     = "import/snapshotted"       // package: @installed taken, not renamed yet
	ImportRenamed      = "import/renamed"           // package: in place
	ProfileWritten     = "profile/profile-written"  // profile.yaml written
	LockWritten        = "profile/lock-written"     // profile.lock.yaml written
	RealizeTempCreated = "realize/temp-created"     // generation: temp dataset created
	RealizeFilesWriten = "realize/files-written"    // generation: files merged in
	RealizeHeld        = "realize/held"             // generation: packages held
	RealizeReadonly    = "realize/readonly"         // generation: read-only
	RealizeSnapshot    = "realize/snapshotted"      // generation: @realized taken
	RealizeRenamed     = "realize/renamed"          // generation: in place, not active
	ActivateScript     = "activate/script-written"  // activate script written
	ActivateSwitched   = "activate/switched"        // current switched
	ActivateUnpinned   = "activate/unpinned"        // rollback pin cleared
	PruneReleased      = "prune/released"           // generation's holds released, not destroyed
	PruneDestroyed     = "prune/destroyed"          // generation destroyed
	RemoveEnvReleased  = "remove-env/released"      // undeclared environment: holds released
	RemoveEnvDestroyed = "remove-env/destroyed"     // undeclared environment destroyed
	RemoveProfile      = "remove-profile/destroyed" // undeclared profile destroyed
	GCBatch            = "gc/batch-destroyed"       // after each GC batch
	HoldsRepaired      = "holds/repaired"           // after missing holds were placed again
)

// Names lists every failpoint, in the order a pass may reach them.
func Names() []string {
	return []string{
		DatasetCreated, TempCleaned,
		ImportTempCreated, ImportFilesWritten, ImportReadonly, ImportSnapshot, ImportRenamed,
		ProfileWritten, LockWritten,
		RealizeTempCreated, RealizeFilesWriten, RealizeHeld, RealizeReadonly, RealizeSnapshot, RealizeRenamed,
		ActivateScript, ActivateSwitched, ActivateUnpinned,
		PruneReleased, PruneDestroyed, RemoveEnvReleased, RemoveEnvDestroyed, RemoveProfile, GCBatch, HoldsRepaired,
	}
}
