// Package progress carries counts of long work (importing a large package, realizing a
// generation, collecting many packages) from the engine to whoever shows them: a bar on a
// terminal (package termbar), periodic log lines in the daemon (Log), or nothing (Nop).
//
// The engine only counts; it never decides how, or whether, progress is shown. A Reporter is
// passed in (reconcile.Engine.Progress), never found in a global, so tests and the daemon each
// choose their own, and output that is not a terminal gets none.
package progress

import "sync/atomic"

// Counts are amounts of work: items (files, or packages for GC) and bytes (0 when the work has
// no byte count).
type Counts struct {
	Items int64
	Bytes int64
}

// Job describes one piece of long work as it starts.
type Job struct {
	// Name says what is being done, for a person: "import vim 9.1.0-1", "realize dev gen-3".
	Name string
	// Unit names what Items counts: "files" or "packages".
	Unit string
	// Total is the whole amount; a zero field is unknown.
	Total Counts
}

// Reporter is told about long work as it goes.
type Reporter interface {
	// Start begins a job; the engine calls the Task's Add as work is done and Finish once at
	// the end, whether the job succeeded or not.
	Start(Job) Task
}

// Task is one started job.
type Task interface {
	// Add records work done. It is safe for concurrent use (realize copies files from several
	// goroutines).
	Add(Counts)
	// Finish ends the job. Calling it more than once is harmless.
	Finish()
}

// Or returns r, or Nop when r is nil: the engine's fields are optional.
func Or(r Reporter) Reporter {
	if r == nil {
		return Nop{}
	}
	return r
}

// Nop shows nothing.
type Nop struct{}

// Start returns a Task that ignores everything.
func (Nop) Start(Job) Task { return nopTask{} }

type nopTask struct{}

func (nopTask) Add(Counts) {}
func (nopTask) Finish()    {}

// Counter accumulates Counts safely from several goroutines; reporters use it to keep the
// amount done.
type Counter struct {
	items, bytes atomic.Int64
}

// Add adds c.
func (k *Counter) Add(c Counts) {
	k.items.Add(c.Items)
	k.bytes.Add(c.Bytes)
}

// Load returns the total added so far.
func (k *Counter) Load() Counts { return Counts{Items: k.items.Load(), Bytes: k.bytes.Load()} }
