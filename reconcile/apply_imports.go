package reconcile

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
)

// DefaultImportWorkers bounds how many imports run at once when Engine.ImportWorkers is 0 (and
// never more than the processors Go may use). An import alternates between work of its own
// (reading the source, writing files) and waiting for zfs processes; several side by side keep
// the machine busy where one would leave it waiting. Imports are independent by construction:
// each builds in a temporary dataset of its own and commits with one rename, and the parents two
// of them share are made create-then-handle-exists (store.Ensure), as concurrent importers in
// different processes already do.
const DefaultImportWorkers = 4

func (e *Engine) importWorkers() int {
	if e.ImportWorkers > 0 {
		return e.ImportWorkers
	}
	return min(DefaultImportWorkers, runtime.GOMAXPROCS(0))
}

// importRunEnd is where the run of consecutive import steps starting at i ends when imports may
// run side by side, and i+1 otherwise or for any other step.
func (x *executor) importRunEnd(steps []Step, i int) int {
	j := i + 1
	if _, ok := steps[i].Op.(*ImportStep); !ok || x.e.importWorkers() < 2 {
		return j
	}
	for j < len(steps) {
		if _, ok := steps[j].Op.(*ImportStep); !ok {
			break
		}
		j++
	}
	return j
}

// runImports runs the import steps steps[i:j] side by side, at most importWorkers at a time, each
// to its end as runStep does. Once one has failed or ctx is cancelled no further one starts; those
// running finish, and what they imported stays (an import is complete or absent, never half).
// The error is that of the failed step with the lowest number, else the cancellation. Their
// progress is one task for all, since a terminal shows one bar at a time.
func (x *executor) runImports(ctx context.Context, steps []Step, i, j int) error {
	task := progress.Or(x.e.Progress).Start(x.importsJob(steps[i:j]))
	x.importProgress = oneTask{task}
	defer func() { x.importProgress = nil; task.Finish() }()
	var g errgroup.Group
	g.SetLimit(x.e.importWorkers())
	errs := make([]error, j-i)
	var failed atomic.Bool
	next := i
	for ; next < j && !failed.Load() && ctx.Err() == nil; next++ {
		k := next
		g.Go(func() error { // blocks while importWorkers run
			if err := x.runStep(ctx, steps, k); err != nil {
				errs[k-i] = err
				failed.Store(true)
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines return nil: errors are kept per step
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if next < j {
		return fmt.Errorf("stopped before step %d of %d: %w", next+1, len(steps), ctx.Err())
	}
	return nil
}

// importsJob is the progress job of the imports steps: all their files and bytes.
func (x *executor) importsJob(steps []Step) progress.Job {
	j := progress.Job{Name: fmt.Sprintf("import %d packages", len(steps)), Unit: "files"}
	for _, st := range steps {
		if sp, ok := x.sources[st.Op.(*ImportStep).Package]; ok {
			one := store.ImportJob(sp)
			j.Total.Items += one.Total.Items
			j.Total.Bytes += one.Total.Bytes
		}
	}
	return j
}

// progress is the reporter a step reports to: the shared task while imports run side by side.
func (x *executor) progress() progress.Reporter {
	if x.importProgress != nil {
		return x.importProgress
	}
	return x.e.Progress
}

// oneTask is a Reporter whose every task adds to one task.
type oneTask struct{ t progress.Task }

func (o oneTask) Start(progress.Job) progress.Task { return addOnly{o.t} }

// addOnly adds to a task it does not finish.
type addOnly struct{ progress.Task }

func (addOnly) Finish() {}
