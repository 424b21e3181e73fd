package reconcile

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

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

// TestProgressOnModel: an apply reports every import and realize as a job whose totals are the
// files and bytes it then counts as done, and finishes each job once.
func TestProgressOnModel(t *testing.T) {
	e, _, mp := modelEngine(t)
	var rec recorder
	e.Progress = &rec
	cfg := loadConfig(t, filepath.Join("..", "examples", "workstation"), "tank/axiom", mp)
	_, done, err := e.Reconcile(bg, cfg, PlanOptions{})
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
	if kinds["import"] != done.ByKind[KindImport] || kinds["realize"] != done.ByKind[KindRealize] || kinds["import"] == 0 || kinds["realize"] == 0 {
		t.Errorf("jobs %v for steps %v", kinds, done.ByKind)
	}
}
