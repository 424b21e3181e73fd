package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

// The settle check. File events say that something changed, not that it has finished changing:
// `cp -r pkg src/` creates pkg/ at once and then fills it for as long as the copy takes, and
// only the creation shows in the (non-recursive) watch of src/. A pass that read pkg/ half-way
// would import half a package into the immutable store. So before a pass triggered by a file
// event, the daemon takes a stamp of the trees the pass reads (treeStamp), waits one more
// debounce interval and takes it again; only two equal stamps in a row let the pass start. If
// the trees never stop changing, the pass runs anyway SettleMax after the first event, with a
// warning: the daemon must not be starved by a directory someone writes to constantly.
//
// The safe way to add a package is still to copy it in under a name beginning with '.', which
// both the watcher and the scanner ignore, and rename it into place: the rename is atomic.

// treeStamp summarises the metadata of what a pass reads: the *.hcl files of configDirs and every
// entry (recursively, for package directories) of each source directory, names beginning with
// '.' excepted, as the loader and the scanner skip them. Symbolic links naming the directories
// are followed. Errors go into the stamp as text: a
// tree that is changing may fail half-way, and a stable error is as settled as a stable tree.
func treeStamp(configDirs, sources []string) string {
	h := sha256.New()
	for _, dir := range configDirs {
		stampEntries(h, dir, func(name string) bool { return strings.HasSuffix(name, ".hcl") })
	}
	for _, dir := range sources {
		stampEntries(h, dir, func(string) bool { return true })
	}
	return hex.EncodeToString(h.Sum(nil))
}

func stampEntries(w io.Writer, dir string, want func(name string) bool) {
	fmt.Fprintf(w, "dir %q\n", dir)
	des, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintf(w, "error %v\n", err)
		return
	}
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || !want(name) {
			continue
		}
		st, err := source.Stamp(filepath.Join(dir, name))
		if err != nil {
			st = "error " + err.Error()
		}
		fmt.Fprintf(w, "%q %s\n", name, st)
	}
}

// settle waits until the watched trees are quiet (see above): it returns true when two stamps
// one Debounce apart were equal, false when SettleMax after since passed first. A SIGHUP while
// it waits ends the wait (signal is then true: the pass is the signal's, which runs at once).
// Further file triggers that arrive meanwhile are absorbed into the wait.
func (d *daemon[S]) settle(ctx context.Context, since time.Time) (quiet, signal bool) {
	deadline := since.Add(d.cfg.SettleMax)
	// The paths as configured, not as last resolved: a directory that has just appeared, or a
	// link just switched, is read through its name, as the pass will read it.
	prev := treeStamp(d.configDirs, d.sources)
	d.log.Debug().Msg("waiting for the watched directories to settle")
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for waited := 0; ; waited++ {
		left := time.Until(deadline)
		if left <= 0 {
			d.log.Warn().Float64("settle_max_seconds", d.cfg.SettleMax.Seconds()).
				Msg("watched directories are still changing; running the pass anyway (copy packages in under a name beginning with '.', then rename them into place)")
			return false, false
		}
		t.Reset(min(d.cfg.Debounce, left))
		select {
		case <-ctx.Done():
			return false, false
		case k := <-d.col.kick:
			if k.t == TriggerSignal {
				return false, true
			}
			continue // more changes went quiet: the timer restarts from now
		case <-t.C:
		}
		cur := treeStamp(d.configDirs, d.sources)
		if cur == prev {
			if waited > 0 {
				d.log.Debug().Int("rounds", waited+1).Msg("watched directories settled")
			}
			return true, false
		}
		prev = cur
	}
}
