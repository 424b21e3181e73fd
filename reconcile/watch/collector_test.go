package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// fakeCollector runs a collector on channels the test feeds, so event timing is the test's.
type fakeCollector struct {
	*collector
	events chan fsnotify.Event
	errs   chan error
	hup    chan os.Signal
}

func startCollector(t *testing.T, debounce time.Duration, sources ...string) *fakeCollector {
	t.Helper()
	return startCollectorCapped(t, debounce, DefaultSettleMax, sources...)
}

// startCollectorCapped is startCollector with SettleMax given. The paths do not exist, so the
// collector never tries to watch a new package directory through the fake watcher.
func startCollectorCapped(t *testing.T, debounce, settleMax time.Duration, sources ...string) *fakeCollector {
	t.Helper()
	f := &fakeCollector{events: make(chan fsnotify.Event), errs: make(chan error), hup: make(chan os.Signal)}
	fw := &fsnotify.Watcher{Events: f.events, Errors: f.errs}
	w := newDirWatcher(fw, zerolog.Nop())
	w.f.configDirs["/etc/axr"] = true
	for _, s := range sources {
		w.f.sources[s] = true
	}
	f.collector = newCollector(fw, w, debounce, settleMax, f.hup, zerolog.Nop())
	go f.run()
	t.Cleanup(func() {
		close(f.stop)
		<-f.done
	})
	return f
}

func (f *fakeCollector) event(name string, op fsnotify.Op) {
	f.events <- fsnotify.Event{Name: name, Op: op}
}

// sync returns once the collector has handled everything sent to it before: it feeds an event
// the collector ignores, which it takes only after finishing with the previous one.
func (f *fakeCollector) sync() {
	f.events <- fsnotify.Event{Name: "/etc/axr/README.md", Op: fsnotify.Write}
}

func (f *fakeCollector) expectKick(t *testing.T, want Trigger, within time.Duration) time.Time {
	t.Helper()
	select {
	case got := <-f.kick:
		if got.t != want {
			t.Fatalf("trigger %s, want %s", got.t, want)
		}
		return time.Now()
	case <-time.After(within):
		t.Fatalf("no %s trigger within %v", want, within)
		return time.Time{}
	}
}

func (f *fakeCollector) expectNoKick(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-f.kick:
		t.Fatalf("unexpected trigger %s", got.t)
	case <-time.After(d):
	}
}

func TestCollectorDebouncesBurstIntoOneTrigger(t *testing.T) {
	f := startCollector(t, testDebounce)
	start := time.Now()
	for i := range 50 {
		f.event("/etc/axr/main.hcl", fsnotify.Write)
		if i%10 == 0 {
			f.event("/etc/axr/other.hcl", fsnotify.Create)
		}
	}
	at := f.expectKick(t, TriggerFile, waitLimit)
	if el := at.Sub(start); el < testDebounce {
		t.Errorf("trigger after %v, want at least the debounce %v", el, testDebounce)
	}
	f.expectNoKick(t, quiet)
}

func TestCollectorBurstCannotPostponeForever(t *testing.T) {
	const debounce = 20 * time.Millisecond
	const settleMax = 10 * debounce
	f := startCollectorCapped(t, debounce, settleMax, "/src")
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a change every half debounce: without the cap, never quiet
		defer close(done)
		tick := time.NewTicker(debounce / 2)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				select {
				case f.events <- fsnotify.Event{Name: "/src/pkg.tar", Op: fsnotify.Write}:
				case <-stop:
					return
				}
			}
		}
	}()
	f.expectKick(t, TriggerFile, settleMax+waitLimit)
	close(stop)
	<-done
}

func TestCollectorAbsorbClearsPendingTriggers(t *testing.T) {
	f := startCollector(t, testDebounce)

	// A debounced trigger still waiting for quiet is absorbed by a pass that starts.
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	if got := f.absorb(); got != TriggerFile {
		t.Errorf("absorb() = %q, want file", got)
	}
	f.expectNoKick(t, quiet)

	// So is one already queued.
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	time.Sleep(3 * testDebounce) // let it through the debounce into the queue
	if got := f.absorb(); got != TriggerFile {
		t.Errorf("absorb() = %q, want file", got)
	}
	f.expectNoKick(t, quiet)

	// A SIGHUP is reported as such, even behind a pending file trigger.
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	f.hup <- syscall.SIGHUP
	if got := f.absorb(); got != TriggerSignal {
		t.Errorf("absorb() = %q, want signal", got)
	}

	// Events after the pass started schedule the next one.
	if got := f.absorb(); got != "" {
		t.Errorf("absorb() with nothing pending = %q", got)
	}
	f.event("/etc/axr/main.hcl", fsnotify.Create)
	f.expectKick(t, TriggerFile, waitLimit)
}

// A SIGHUP that arrives while a file trigger is queued replaces it: a file trigger on invalid
// files runs no pass, a signal runs one with the last valid configuration.
func TestCollectorSignalWinsOverQueuedFile(t *testing.T) {
	f := startCollector(t, testDebounce)
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	time.Sleep(3 * testDebounce) // the file trigger is queued
	f.hup <- syscall.SIGHUP
	f.sync()
	f.expectKick(t, TriggerSignal, waitLimit)
	f.expectNoKick(t, quiet)

	// A file trigger after a queued signal leaves the signal.
	f.hup <- syscall.SIGHUP
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	time.Sleep(3 * testDebounce)
	f.expectKick(t, TriggerSignal, waitLimit)
	f.expectNoKick(t, quiet)
}

func TestMerge(t *testing.T) {
	t0 := time.Unix(100, 0)
	t1 := t0.Add(time.Second)
	file := func(at time.Time) kick { return kick{t: TriggerFile, since: at} }
	sig := kick{t: TriggerSignal}
	tests := map[string]struct {
		a, b, want kick
	}{
		"signal queued, file arrives": {sig, file(t1), sig},
		"file queued, signal arrives": {file(t0), sig, sig},
		"two files keep the earlier":  {file(t1), file(t0), file(t0)},
		"two files, earlier first":    {file(t0), file(t1), file(t0)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := merge(tt.a, tt.b); got != tt.want {
				t.Errorf("merge(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCollectorCoalescesWhileQueued(t *testing.T) {
	f := startCollector(t, testDebounce)
	f.hup <- syscall.SIGHUP
	f.hup <- syscall.SIGHUP // coalesced with the first: the dirty bit is already set
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	time.Sleep(3 * testDebounce)
	f.expectKick(t, TriggerSignal, waitLimit)
	f.expectNoKick(t, quiet)
}

func TestCollectorOverflowSchedulesPass(t *testing.T) {
	f := startCollector(t, time.Hour)
	f.errs <- fmt.Errorf("read: %w", fsnotify.ErrEventOverflow)
	f.expectKick(t, TriggerFile, waitLimit)
	f.errs <- fmt.Errorf("some other error")
	f.expectNoKick(t, quiet)
}

func TestCollectorClosedHangupDoesNotSpin(t *testing.T) {
	f := startCollector(t, testDebounce)
	close(f.hup)
	f.expectNoKick(t, quiet)
	f.event("/etc/axr/main.hcl", fsnotify.Write) // still serving events
	f.expectKick(t, TriggerFile, waitLimit)
}

func TestCollectorIgnoresIrrelevantEvents(t *testing.T) {
	f := startCollector(t, testDebounce, "/srv/packages")
	for _, ev := range []fsnotify.Event{
		{Name: "/etc/axr/main.hcl", Op: fsnotify.Chmod},
		{Name: "/etc/axr/README.md", Op: fsnotify.Write},
		{Name: "/etc/axr/.main.hcl.swp", Op: fsnotify.Create},
		{Name: "/srv/packages/.bash.tar.part", Op: fsnotify.Write},
		{Name: "/srv/packages/bash.tar", Op: fsnotify.Chmod},
	} {
		f.events <- ev
	}
	f.expectNoKick(t, quiet)
}

func TestRelevant(t *testing.T) {
	f := filter{
		configDirs: map[string]bool{"/etc/axr": true},
		sources:    map[string]bool{"/srv/pkgs": true, "/etc/axr/local": true},
		packages:   map[string]bool{"/srv/pkgs/new-1.0": true},
		anchors: map[string]bool{
			"/etc/axr": true, "/etc/axr/local": true, "/srv/pkgs": true, // the directories
			"/srv/current": true, // a symlink naming one of them, in its parent
		},
	}
	tests := map[string]struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		"hcl written":                {"/etc/axr/main.hcl", fsnotify.Write, true},
		"hcl renamed in":             {"/etc/axr/main.hcl", fsnotify.Create, true},
		"hcl removed":                {"/etc/axr/old.hcl", fsnotify.Remove, true},
		"hcl renamed away":           {"/etc/axr/old.hcl", fsnotify.Rename, true},
		"hcl chmod only":             {"/etc/axr/main.hcl", fsnotify.Chmod, false},
		"hcl write and chmod":        {"/etc/axr/main.hcl", fsnotify.Write | fsnotify.Chmod, true},
		"other file in config":       {"/etc/axr/notes.txt", fsnotify.Write, false},
		"hidden hcl":                 {"/etc/axr/.main.hcl", fsnotify.Write, false},
		"emacs lock":                 {"/etc/axr/.#main.hcl", fsnotify.Create, false},
		"vim swap":                   {"/etc/axr/.main.hcl.swp", fsnotify.Write, false},
		"backup":                     {"/etc/axr/main.hcl~", fsnotify.Write, false},
		"config dir removed":         {"/etc/axr", fsnotify.Remove, true},
		"package archive":            {"/srv/pkgs/bash-5.2.tar.gz", fsnotify.Create, true},
		"package dir":                {"/srv/pkgs/vim-9.0", fsnotify.Remove, true},
		"anything in source":         {"/srv/pkgs/README", fsnotify.Write, true},
		"partial download":           {"/srv/pkgs/.bash.tar.gz.part", fsnotify.Write, false},
		"source dir renamed":         {"/srv/pkgs", fsnotify.Rename, true},
		"source under config":        {"/etc/axr/local/x.tar", fsnotify.Create, true},
		"not watched":                {"/tmp/main.hcl", fsnotify.Write, false},
		"sibling with common prefix": {"/srv/pkgs2/bash.tar", fsnotify.Create, false},
		"symlink flipped":            {"/srv/current", fsnotify.Create, true},
		"symlink removed":            {"/srv/current", fsnotify.Remove, true},
		"other entry of a parent":    {"/srv/releases", fsnotify.Create, false},
		"hcl in a parent":            {"/srv/main.hcl", fsnotify.Create, false},
		"file in new package":        {"/srv/pkgs/new-1.0/manifest.yaml", fsnotify.Create, true},
		"hidden file in new package": {"/srv/pkgs/new-1.0/.manifest.yaml.tmp", fsnotify.Create, false},
		"deeper in new package":      {"/srv/pkgs/new-1.0/root/bin", fsnotify.Create, false},
		"file in old package":        {"/srv/pkgs/bash-5.2/manifest.yaml", fsnotify.Write, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := f.relevant(fsnotify.Event{Name: filepath.FromSlash(tt.name), Op: tt.op}); got != tt.want {
				t.Errorf("relevant(%s %s) = %v, want %v", tt.op, tt.name, got, tt.want)
			}
		})
	}
}
