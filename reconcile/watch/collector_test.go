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
	f := &fakeCollector{events: make(chan fsnotify.Event), errs: make(chan error), hup: make(chan os.Signal)}
	fw := &fsnotify.Watcher{Events: f.events, Errors: f.errs}
	f.collector = newCollector(fw, "/etc/axr", debounce, f.hup, zerolog.Nop())
	set := make(map[string]bool)
	for _, s := range sources {
		set[s] = true
	}
	f.sources.Store(&set)
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

func (f *fakeCollector) expectKick(t *testing.T, want Trigger, within time.Duration) time.Time {
	t.Helper()
	select {
	case got := <-f.kick:
		if got != want {
			t.Fatalf("trigger %s, want %s", got, want)
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
		t.Fatalf("unexpected trigger %s", got)
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
	f := startCollector(t, debounce, "/src")
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
	f.expectKick(t, TriggerFile, burstFactor*debounce+waitLimit)
	close(stop)
	<-done
}

func TestCollectorAbsorbClearsPendingTriggers(t *testing.T) {
	f := startCollector(t, testDebounce)

	// A debounced trigger still waiting for quiet is absorbed by a pass that starts.
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	f.absorb()
	f.expectNoKick(t, quiet)

	// So is one already queued.
	f.event("/etc/axr/main.hcl", fsnotify.Write)
	time.Sleep(3 * testDebounce) // let it through the debounce into the queue
	f.absorb()
	f.expectNoKick(t, quiet)

	// Events after the pass started schedule the next one.
	f.absorb()
	f.event("/etc/axr/main.hcl", fsnotify.Create)
	f.expectKick(t, TriggerFile, waitLimit)
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
	c := &collector{configDir: "/etc/axr"}
	c.sources.Store(&map[string]bool{"/srv/pkgs": true, "/etc/axr/local": true})
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
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := c.relevant(fsnotify.Event{Name: filepath.FromSlash(tt.name), Op: tt.op}); got != tt.want {
				t.Errorf("relevant(%s %s) = %v, want %v", tt.op, tt.name, got, tt.want)
			}
		})
	}
}
