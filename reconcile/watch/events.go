package watch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// collector turns file events and SIGHUPs into triggers on kick, a channel of capacity 1: the
// dirty bit. It owns the debounce state, so the scheduler never touches a timer another
// goroutine uses; the scheduler asks it to forget pending work through absorb.
type collector struct {
	fw        *fsnotify.Watcher
	configDir string                          // absolute and clean
	sources   atomic.Pointer[map[string]bool] // absolute, clean source directories; set by the scheduler
	debounce  time.Duration
	hangup    <-chan os.Signal
	log       zerolog.Logger

	kick     chan Trigger
	absorbCh chan chan struct{}
	stop     chan struct{} // closed by the scheduler to end run
	done     chan struct{} // closed when run has returned
}

func newCollector(fw *fsnotify.Watcher, configDir string, debounce time.Duration, hangup <-chan os.Signal, log zerolog.Logger) *collector {
	c := &collector{
		fw:        fw,
		configDir: configDir,
		debounce:  debounce,
		hangup:    hangup,
		log:       log,
		kick:      make(chan Trigger, 1),
		absorbCh:  make(chan chan struct{}),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	c.sources.Store(&map[string]bool{})
	return c
}

// run is the collector's goroutine. It returns when stop is closed or the watcher is closed.
func (c *collector) run() {
	defer close(c.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var (
		pending bool      // a debounced file trigger is waiting for timer
		first   time.Time // the first event of the pending burst
	)
	hangup := c.hangup
	for {
		select {
		case <-c.stop:
			return
		case ev, ok := <-c.fw.Events:
			if !ok {
				return
			}
			if !c.relevant(ev) {
				continue
			}
			c.log.Debug().Str("event", ev.String()).Msg("relevant file event")
			now := time.Now()
			if !pending {
				pending, first = true, now
			}
			timer.Reset(min(c.debounce, first.Add(burstFactor*c.debounce).Sub(now)))
		case err, ok := <-c.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; since no pass depends on their details, one full pass
				// makes up for all of them.
				c.log.Warn().Err(err).Msg("file events lost; scheduling a full pass")
				c.send(TriggerFile)
				continue
			}
			c.log.Warn().Err(err).Msg("file watcher error")
		case <-timer.C:
			pending = false
			c.send(TriggerFile)
		case _, ok := <-hangup:
			if !ok {
				hangup = nil // a closed channel would fire forever
				continue
			}
			c.send(TriggerSignal)
		case reply := <-c.absorbCh:
			// A pass is starting and will read everything anew: whatever is pending, debounced
			// or queued, is satisfied by it. Events from now on schedule the next pass.
			timer.Stop()
			pending = false
			select {
			case <-c.kick:
			default:
			}
			close(reply)
		}
	}
}

// send sets the dirty bit. If it is already set, t is coalesced into the trigger already queued.
func (c *collector) send(t Trigger) {
	select {
	case c.kick <- t:
	default:
	}
}

// absorb clears pending triggers; see run. It returns at once if the collector has stopped.
func (c *collector) absorb() {
	reply := make(chan struct{})
	select {
	case c.absorbCh <- reply:
		<-reply
	case <-c.done:
	}
}

// relevant reports whether ev may change what a pass would do. Only names count, never the
// operation's details beyond excluding pure attribute changes, which inotify also reports for
// timestamps and link counts and which never change configuration or package content by
// themselves (a removal is reported separately).
func (c *collector) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod || ev.Op == 0 {
		return false
	}
	sources := *c.sources.Load()
	if ev.Name == c.configDir || sources[ev.Name] {
		return true // a watched directory itself was removed or renamed
	}
	return relevantName(ev.Name, c.configDir, sources)
}

// relevantName is the name filter: *.hcl directly in the configuration directory, anything
// directly in a source directory, except names beginning with '.' (editors' swap and lock
// files, partial downloads, .git), which neither the configuration loader nor the source scanner
// reads.
func relevantName(name, configDir string, sources map[string]bool) bool {
	dir, base := filepath.Split(name)
	dir = filepath.Clean(dir)
	if strings.HasPrefix(base, ".") || base == "" {
		return false
	}
	if sources[dir] {
		return true
	}
	return dir == configDir && strings.HasSuffix(base, ".hcl")
}
