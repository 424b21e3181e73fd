package progress

import (
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Log reports progress as log lines, for the daemon, whose output is a log rather than a
// terminal: a job that is still running After its start is logged then and every Every after,
// with what it has done of its total, its rate and the time it expects to need still. A job
// that ends sooner logs nothing, so short steps add no noise.
type Log struct {
	Log   zerolog.Logger
	After time.Duration // default 5s
	Every time.Duration // default 10s
}

// Start begins timing a job.
func (l Log) Start(j Job) Task {
	after, every := l.After, l.Every
	if after <= 0 {
		after = 5 * time.Second
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	t := &logTask{job: j, log: l.Log, start: time.Now(), stop: make(chan struct{})}
	t.wg.Go(func() { t.loop(after, every) })
	return t
}

type logTask struct {
	job   Job
	log   zerolog.Logger
	start time.Time
	done  Counter
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

func (t *logTask) Add(c Counts) { t.done.Add(c) }

func (t *logTask) Finish() {
	t.once.Do(func() { close(t.stop) })
	t.wg.Wait()
}

func (t *logTask) loop(after, every time.Duration) {
	timer := time.NewTimer(after)
	defer timer.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-timer.C:
			t.report(time.Since(t.start))
			timer.Reset(every)
		}
	}
}

// report logs one line: counts as fields, for tools, and a message for people.
func (t *logTask) report(elapsed time.Duration) {
	done, total := t.done.Load(), t.job.Total
	ev := t.log.Info().Str("job", t.job.Name).Int64(t.job.Unit+"_done", done.Items).Float64("elapsed_seconds", elapsed.Seconds())
	if total.Items > 0 {
		ev = ev.Int64(t.job.Unit+"_total", total.Items)
	}
	if total.Bytes > 0 || done.Bytes > 0 {
		ev = ev.Int64("bytes_done", done.Bytes).Int64("bytes_total", total.Bytes)
	}
	if left, ok := Remaining(done, total, elapsed); ok {
		ev = ev.Float64("left_seconds", left.Seconds())
	}
	ev.Msg("still running: " + Describe(t.job, done, elapsed))
}

// Describe says how far a job is, for a person: "120/500 files, 3.0 MiB/10.0 MiB, 1.5 MiB/s,
// about 5s left".
func Describe(j Job, done Counts, elapsed time.Duration) string {
	s := fmt.Sprintf("%s: %d", j.Name, done.Items)
	if j.Total.Items > 0 {
		s += fmt.Sprintf("/%d", j.Total.Items)
	}
	s += " " + j.Unit
	if j.Total.Bytes > 0 {
		s += fmt.Sprintf(", %s/%s", Bytes(done.Bytes), Bytes(j.Total.Bytes))
		if elapsed > 0 {
			s += fmt.Sprintf(", %s/s", Bytes(int64(float64(done.Bytes)/elapsed.Seconds())))
		}
	}
	if left, ok := Remaining(done, j.Total, elapsed); ok {
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s
}

// Remaining estimates the time left from the rate so far: by bytes when the total is known in
// bytes, else by items. ok is false while nothing is done or the total is unknown.
func Remaining(done, total Counts, elapsed time.Duration) (time.Duration, bool) {
	var d, t int64
	switch {
	case total.Bytes > 0 && done.Bytes > 0:
		d, t = done.Bytes, total.Bytes
	case total.Items > 0 && done.Items > 0:
		d, t = done.Items, total.Items
	default:
		return 0, false
	}
	if d >= t {
		return 0, true
	}
	return time.Duration(float64(elapsed) * float64(t-d) / float64(d)), true
}

// Bytes formats n bytes in binary units: "512 B", "3.0 MiB".
func Bytes(n int64) string {
	const unit = 1024
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%d B", n)
	if n >= unit {
		div, exp := int64(unit), 0
		for m := n / unit; m >= unit; m /= unit {
			div *= unit
			exp++
		}
		s = fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
	}
	if neg {
		s = "-" + s
	}
	return s
}
