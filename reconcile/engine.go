package reconcile

import (
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/resolve"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Engine plans and applies. Its fields are its dependencies; the zero value of each optional one
// is a sensible default.
type Engine struct {
	ZFS zfs.Client
	Log zerolog.Logger
	// Now is the clock (GC grace periods, provenance times); time.Now when nil.
	Now func() time.Time
	// MountCheck verifies a new dataset is mounted before files are written into it; nil means
	// store.CheckMounted. Only tests against the in-memory model replace it.
	MountCheck func(dir string) error
	// Resolve bounds dependency resolution; ResolveTimeout bounds its time (default 30s).
	Resolve        resolve.Options
	ResolveTimeout time.Duration
	// Archive bounds what a source archive may hold.
	Archive archive.Limits

	// SourceCache, if not empty, is the file the scan cache is kept in between processes (see
	// source.Cache.Save): a no-op pass then reads no package content. An unusable file is
	// ignored, with a warning, and replaced.
	SourceCache string

	// ImportWorkers is how many imports of one plan may run at once; 0 means
	// DefaultImportWorkers (at most GOMAXPROCS), 1 one at a time.
	ImportWorkers int

	// Progress is told how far long steps are (importing, realizing, collecting); nil shows
	// nothing. The command line gives a terminal bar, the daemon periodic log lines.
	Progress progress.Reporter

	meta store.MetaCache
	// loadScans loads SourceCache into scans once.
	loadScans sync.Once
	// scans remembers source packages between passes of a long-lived engine (the daemon), so
	// unchanged sources are not read and hashed again every pass.
	scans source.Cache
}

// hooks are the engine's clock and mount check, with their defaults set up where the importer's
// are (store.Hooks).
func (e *Engine) hooks() store.Hooks { return store.Hooks{Now: e.Now, MountCheck: e.MountCheck} }

func (e *Engine) now() time.Time { return e.hooks().Time() }

func (e *Engine) mountCheck(dir string) error { return e.hooks().CheckMountedDir(dir) }

// PlanOptions change what a plan wants.
type PlanOptions struct {
	// Upgrade re-resolves every profile even when its lock is still valid.
	Upgrade bool
	// MaxDeletes, when set, overrides the configuration's deletion budget (gc.max_deletes). Nil,
	// as in the zero PlanOptions, keeps the configuration's: no caller gets a budget of 0 (or
	// any other) by leaving the field out.
	MaxDeletes *int
	// GCOnly plans garbage collection alone (the `gc` command): besides what the configuration
	// resolves to, the locks on disk and every existing generation count as roots, since no
	// other step of the plan runs, and the plan keeps only the GC and temporary-cleanup steps.
	GCOnly bool
	// Revision is the configuration's revision (gitrev.Revisions.String: a commit, "-dirty" when
	// its tree had changes, several joined with ",", or "none" outside Git), as the caller read
	// it. The plan carries it; an apply of the plan records it on every generation it builds
	// and on the store dataset (layout.PropRevision). Empty: not known, and not recorded.
	Revision string
	// at, when set, is the planning's clock instead of the engine's: ApplySaved plans again as
	// of the moment the saved plan was made.
	at time.Time
}

// Budget is a deletion budget for PlanOptions.MaxDeletes.
func Budget(n int) *int { return &n }
