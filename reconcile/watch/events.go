package watch

import (
	"errors"
	"os"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// kick is a queued trigger. since is the first file event of the burst that caused a file
// trigger (the settle check's cap counts from it); zero for a signal.
type kick struct {
	t     Trigger
	since time.Time
}

// merge coalesces two queued triggers into one. A signal wins over a file trigger: its pass
// reconciles the last valid configuration even when the files are invalid now, while a file
// trigger's pass would not run at all, so letting the file trigger win would swallow the SIGHUP.
func merge(a, b kick) kick {
	switch {
	case a.t == TriggerSignal:
		return a
	case b.t == TriggerSignal:
		return b
	case a.since.IsZero() || (!b.since.IsZero() && b.since.Before(a.since)):
		return b
	default:
		return a
	}
}

// collector turns file events and SIGHUPs into triggers on kick, a channel of capacity 1: the
// dirty bit. It owns the debounce state, so the scheduler never touches a timer another
// goroutine uses; the scheduler asks it to forget pending work through absorb.
type collector struct {
	fw        *fsnotify.Watcher
	w         *dirWatcher
	debounce  time.Duration
	settleMax time.Duration
	hangup    <-chan os.Signal
	log       zerolog.Logger

	kick     chan kick
	absorbCh chan chan Trigger
	stop     chan struct{} // closed by the scheduler to end run
	done     chan struct{} // closed when run has returned
}

func newCollector(fw *fsnotify.Watcher, w *dirWatcher, debounce, settleMax time.Duration, hangup <-chan os.Signal, log zerolog.Logger) *collector {
	return &collector{
		fw:        fw,
		w:         w,
		debounce:  debounce,
		settleMax: settleMax,
		hangup:    hangup,
		log:       log,
		kick:      make(chan kick, 1),
		absorbCh:  make(chan chan Trigger),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
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
			if !c.w.relevant(ev) {
				continue
			}
			c.log.Debug().Str("event", ev.String()).Msg("relevant file event")
			c.w.watchPackage(ev)
			now := time.Now()
			if !pending {
				pending, first = true, now
			}
			// A steady stream of events postpones the trigger up to SettleMax after the first
			// one, no longer: a directory that never goes quiet still gets passes.
			timer.Reset(min(c.debounce, first.Add(c.settleMax).Sub(now)))
		case err, ok := <-c.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; since no pass depends on their details, one full pass
				// makes up for all of them.
				c.log.Warn().Err(err).Msg("file events lost; scheduling a full pass")
				c.send(kick{t: TriggerFile, since: time.Now()})
				continue
			}
			c.log.Warn().Err(err).Msg("file watcher error")
		case <-timer.C:
			pending = false
			c.send(kick{t: TriggerFile, since: first})
		case _, ok := <-hangup:
			if !ok {
				hangup = nil // a closed channel would fire forever
				continue
			}
			c.send(kick{t: TriggerSignal})
		case reply := <-c.absorbCh:
			// A pass is starting and will read everything anew: whatever is pending, debounced
			// or queued, is satisfied by it. Events from now on schedule the next pass. The
			// reply says what was absorbed, so that a SIGHUP is not lost in a file trigger.
			var got Trigger
			if pending {
				got = TriggerFile
			}
			timer.Stop()
			pending = false
			select {
			case k := <-c.kick:
				if got == "" || k.t == TriggerSignal {
					got = k.t
				}
			default:
			}
			reply <- got
		}
	}
}

// send sets the dirty bit. If it is already set, k is merged into the trigger already queued.
// Only run sends on kick, so once the queued trigger has been taken out, the send succeeds.
func (c *collector) send(k kick) {
	for {
		select {
		case c.kick <- k:
			return
		default:
		}
		select {
		case old := <-c.kick:
			k = merge(old, k)
		default:
		}
	}
}

// absorb clears pending triggers; see run. It returns the strongest trigger absorbed
// (TriggerSignal over TriggerFile), or "" if none. It returns "" at once if the collector has
// stopped.
func (c *collector) absorb() Trigger {
	reply := make(chan Trigger, 1)
	select {
	case c.absorbCh <- reply:
		return <-reply
	case <-c.done:
		return ""
	}
}
