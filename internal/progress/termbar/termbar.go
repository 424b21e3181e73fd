// Package termbar shows progress.Reporter jobs as bars on a terminal: what is being done, files
// done of the total, bytes done of the total, the rate and the time left.
//
// The bars are drawn by github.com/schollz/progressbar/v3 rather than by hand-written terminal
// code: it is small (three dependencies, no cgo), maintained, draws to any io.Writer, and
// already shows bytes in IEC units, a rate and a prediction of the time left. The engine runs
// one step at a time, so one bar at a time is all that is needed; multi-bar libraries (mpb)
// bring a render loop and more dependencies for nothing here.
//
// Only use it when the writer is a terminal: the caller decides (see cmd/axiom-reconcile).
package termbar

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
)

// Reporter draws one bar per job on W.
type Reporter struct {
	W io.Writer
	// Width of the bar itself, in cells (default 30).
	Width int
	// Throttle is the least time between two redraws (default 65ms); the last state is always
	// drawn when the job finishes.
	Throttle time.Duration
}

// Start draws a new bar for j.
func (r Reporter) Start(j progress.Job) progress.Task {
	width, throttle := r.Width, r.Throttle
	if width <= 0 {
		width = 30
	}
	if throttle <= 0 {
		throttle = 65 * time.Millisecond
	}
	byBytes := j.Total.Bytes > 0
	max := j.Total.Items
	if byBytes {
		max = j.Total.Bytes
	}
	if max <= 0 {
		max = -1 // unknown: a spinner
	}
	t := &task{job: j, byBytes: byBytes}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(r.W),
		progressbar.OptionSetDescription(t.describe()),
		progressbar.OptionSetWidth(width),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionShowBytes(byBytes),
		progressbar.OptionUseIECUnits(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.W) }),
	}
	if !byBytes { // with bytes, the bar shows the rate in bytes per second itself
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(j.Unit))
	}
	t.bar = progressbar.NewOptions64(max, opts...)
	return t
}

// task is one bar. The bar advances by bytes when the job's byte total is known, else by
// items; the item count is in the description either way.
type task struct {
	mu       sync.Mutex
	job      progress.Job
	byBytes  bool
	done     progress.Counts
	bar      *progressbar.ProgressBar
	finished bool
}

func (t *task) describe() string {
	if !t.byBytes {
		return t.job.Name
	}
	s := fmt.Sprintf("%s %d", t.job.Name, t.done.Items)
	if t.job.Total.Items > 0 {
		s += fmt.Sprintf("/%d", t.job.Total.Items)
	}
	return s + " " + t.job.Unit
}

func (t *task) Add(c progress.Counts) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return
	}
	t.done.Items += c.Items
	t.done.Bytes += c.Bytes
	if t.byBytes {
		t.bar.Describe(t.describe())
		_ = t.bar.Add64(c.Bytes) // a terminal that cannot be written to is no reason to fail a step
		return
	}
	_ = t.bar.Add64(c.Items)
}

// Finish draws the bar's last state and ends its line, so what follows starts on a line of its
// own. A job that stopped short (it failed) keeps the bar where it was last drawn.
func (t *task) Finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished {
		return
	}
	t.finished = true
	if t.bar.IsFinished() { // the last Add completed it
		return
	}
	t.bar.Describe(t.describe())
	if t.bar.GetMax64() > 0 && t.bar.State().CurrentNum < t.bar.GetMax64() {
		_ = t.bar.Exit() // ends the line too (OptionOnCompletion)
		return
	}
	_ = t.bar.Finish()
}
