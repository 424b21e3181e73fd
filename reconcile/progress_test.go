package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
)

// recorder is a progress.Reporter that keeps every job and what was added to it.
type recorder struct {
	mu   sync.Mutex
	jobs []*recordedJob
}

type recordedJob struct {
	job      progress.Job
	done     progress.Counter
	finished int
}

func (r *recorder) Start(j progress.Job) progress.Task {
	r.mu.Lock()
	defer r.mu.Unlock()
	rj := &recordedJob{job: j}
	r.jobs = append(r.jobs, rj)
	return rj
}

func (j *recordedJob) Add(c progress.Counts) { j.done.Add(c) }
func (j *recordedJob) Finish()               { j.finished++ }

// TestProgressOnModel: an apply reports every realize, and every import (one at a time) or run of
// imports (side by side), as a job whose totals are the files and bytes it then counts as done,
// and finishes each job once.
func TestProgressOnModel(t *testing.T) {
	for _, workers := range []int{1, 2} {
		e, _, mp := modelEngine(t)
		var rec recorder
		e.Progress, e.ImportWorkers = &rec, workers
		cfg := loadConfig(t, filepath.Join("..", "examples", "workstation"), "tank/axiom", mp)
		plan, done, err := e.Reconcile(bg, cfg, PlanOptions{})
		must(t, err)
		kinds := map[string]int{}
		for _, j := range rec.jobs {
			kind, _, _ := strings.Cut(j.job.Name, " ")
			kinds[kind]++
			got := j.done.Load()
			if j.job.Total.Items == 0 || got != j.job.Total {
				t.Errorf("%s: counted %+v of %+v", j.job.Name, got, j.job.Total)
			}
			if j.finished != 1 {
				t.Errorf("%s: finished %d times", j.job.Name, j.finished)
			}
		}
		wantImports := done.ByKind[KindImport]
		if workers > 1 {
			wantImports = importRuns(plan)
		}
		if kinds["import"] != wantImports || kinds["realize"] != done.ByKind[KindRealize] || kinds["import"] == 0 || kinds["realize"] == 0 {
			t.Errorf("%d workers: jobs %v for steps %v", workers, kinds, done.ByKind)
		}
	}
}

// importRuns counts the runs of consecutive import steps of a plan.
func importRuns(p *Plan) int {
	n, prev := 0, false
	for _, st := range p.Steps {
		_, is := st.Op.(*ImportStep)
		if is && !prev {
			n++
		}
		prev = is
	}
	return n
}

// TestGCProgressOnModel: collecting packages is a job counting the packages collected of those
// planned.
func TestGCProgressOnModel(t *testing.T) {
	e, m, mp := modelEngine(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { return now }
	m.Clock = e.Now
	dir := t.TempDir()
	hcl := `store {
  dataset = "tank/axiom"
}
source "s" {
  path = "` + must2(filepath.Abs("../examples/packages")) + `"
}
profile "p" {
  package "vim" { version = "VIM" }
}
environment "dev" {
  profile = "p"
  keep_generations = 1
}
gc {
  grace_period = "1h"
}
`
	apply := func(vim string, opt PlanOptions) *Applied {
		must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(strings.ReplaceAll(hcl, "VIM", vim)), 0o644))
		_, done, err := e.Reconcile(bg, loadConfig(t, dir, "tank/axiom", mp), opt)
		must(t, err)
		return done
	}
	apply("~9.0", PlanOptions{})
	apply("~9.1", PlanOptions{})
	now = now.Add(2 * time.Hour)
	var rec recorder
	e.Progress = &rec
	done := apply("~9.1", PlanOptions{GCOnly: true})
	if done.ByKind[KindGC] != 1 || len(rec.jobs) != 1 {
		t.Fatalf("gc did %+v, jobs %d", done.ByKind, len(rec.jobs))
	}
	j := rec.jobs[0]
	if j.job.Name != "collect" || j.job.Unit != "packages" || j.job.Total.Items != 1 || j.done.Load().Items != 1 || j.finished != 1 {
		t.Errorf("gc job %+v, done %+v, finished %d", j.job, j.done.Load(), j.finished)
	}
}
