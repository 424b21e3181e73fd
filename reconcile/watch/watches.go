package watch

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// maxPackageWatches bounds how many newly created package directories are watched at once (see
// dirWatcher.watchPackage). They are dropped as soon as a settle check finds the trees quiet,
// so the bound matters only when many packages arrive at once; beyond it, the settle check alone
// covers them.
const maxPackageWatches = 64

// dirWatcher keeps the file watches in line with the directories the daemon must watch, and
// decides which events are relevant. The scheduler calls sync; the collector calls relevant and
// watchPackage; a mutex orders them.
//
// Every directory D that matters (the configuration directory, each source directory) is
// watched three ways, all by their real paths (symbolic links resolved):
//
//   - D's target, for its entries;
//   - D's parent, for the name D: the directory (or the symlink) being created, removed,
//     renamed over or flipped shows there, and nowhere else;
//   - when D is a symlink, its target's parent, for the target's name: a release directory
//     replaced under an unchanged link.
//
// A watch follows an inode, not a name, so a directory replaced by rename keeps its old watch
// under the same path; sync therefore records each watched directory's identity (device and
// inode) and re-establishes any watch whose path now names another directory.
type dirWatcher struct {
	fw  *fsnotify.Watcher
	log zerolog.Logger

	mu      sync.Mutex
	f       filter
	watched map[string]fileID // paths given to fw.Add → the directory each named then
}

// fileID identifies a directory (device, inode).
type fileID struct{ dev, ino uint64 }

// filter is what makes an event relevant. All paths are absolute, clean and symlink-free, as
// fsnotify reports them for the paths dirWatcher adds.
type filter struct {
	configDirs map[string]bool // *.hcl entries count (the directories that exist)
	sources    map[string]bool // every entry counts
	packages   map[string]bool // newly created package directories: every entry counts
	anchors    map[string]bool // watched directories and symlinks by full path: any event on the name counts
}

func newDirWatcher(fw *fsnotify.Watcher, log zerolog.Logger) *dirWatcher {
	return &dirWatcher{fw: fw, log: log, f: emptyFilter(), watched: map[string]fileID{}}
}

func emptyFilter() filter {
	return filter{configDirs: map[string]bool{}, sources: map[string]bool{}, packages: map[string]bool{}, anchors: map[string]bool{}}
}

// sync brings the watches in line with configDirs and sourceDirs (absolute, as the configuration
// names them, symlinks not resolved): it resolves symbolic links again, watches what is missing,
// re-watches directories that were replaced, and drops the rest. With dropPackages it also
// drops the watches on new package directories. It never fails: a directory that cannot be
// watched is logged and left to the interval resync.
func (w *dirWatcher) sync(configDirs, sourceDirs []string, dropPackages bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := emptyFilter()
	want := map[string]bool{}
	for _, dir := range configDirs {
		if t, ok := w.resolve(dir, want, f.anchors); ok {
			f.configDirs[t] = true
		}
	}
	for _, dir := range sourceDirs {
		if t, ok := w.resolve(dir, want, f.anchors); ok {
			f.sources[t] = true
		}
	}
	if !dropPackages {
		for p := range w.f.packages {
			if f.sources[filepath.Dir(p)] {
				f.packages[p] = true
				want[p] = true
			}
		}
	}

	inList := make(map[string]bool)
	for _, p := range w.fw.WatchList() {
		inList[p] = true
		if !want[p] {
			_ = w.fw.Remove(p) // it may be gone already; either way it is no longer watched
		}
	}
	for p := range w.watched {
		if !want[p] {
			delete(w.watched, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		// Identity before Add: if the directory is replaced in between, the next sync sees a
		// mismatch and watches the new one, instead of believing the old watch current.
		id, err := dirID(p)
		if err != nil {
			if inList[p] {
				_ = w.fw.Remove(p)
			}
			delete(w.watched, p)
			delete(f.packages, p)
			continue
		}
		if old, ok := w.watched[p]; ok && old == id && inList[p] {
			continue
		}
		if inList[p] {
			_ = w.fw.Remove(p) // the path names another directory now
		}
		if err := w.fw.Add(p); err != nil {
			delete(w.watched, p)
			delete(f.packages, p)
			w.log.Warn().Err(err).Str("dir", p).Msg("cannot watch directory; relying on the interval")
			continue
		}
		w.watched[p] = id
	}
	w.f = f
}

// resolve adds to want the directories that watch dir (see dirWatcher) and to anchors the names
// that stand for it, and returns dir's real path if it exists as a directory.
func (w *dirWatcher) resolve(dir string, want, anchors map[string]bool) (string, bool) {
	parent := ""
	if p, err := filepath.EvalSymlinks(filepath.Dir(dir)); err == nil && isDir(p) {
		parent = p
		want[p] = true
		anchors[filepath.Join(p, filepath.Base(dir))] = true
	}
	t, err := filepath.EvalSymlinks(dir)
	if err != nil || !isDir(t) {
		return "", false
	}
	want[t] = true
	anchors[t] = true
	if tp := filepath.Dir(t); tp != parent && tp != t {
		// dir is, or passes through, a symlink: the release it points at can be replaced too.
		want[tp] = true
	}
	w.watchLinksOnTheWay(filepath.Dir(dir), want, anchors)
	return t, true
}

// watchLinksOnTheWay watches, for each symbolic link among dir's components (dir absolute and
// clean), the directory holding the link, with the link's name as an anchor: a configuration
// directory inside a switched tree (contrib/git-sync's current/hosts/web1) follows the switch
// of `current`, which shows only in current's own parent. Links inside a link's target are
// resolved, not watched.
func (w *dirWatcher) watchLinksOnTheWay(dir string, want, anchors map[string]bool) {
	for p := dir; ; p = filepath.Dir(p) {
		parent := filepath.Dir(p)
		if parent == p {
			return
		}
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		rp, err := filepath.EvalSymlinks(parent)
		if err != nil || !isDir(rp) {
			continue
		}
		want[rp] = true
		anchors[filepath.Join(rp, filepath.Base(p))] = true
	}
}

// relevant reports whether ev may change what a pass would do; see filter.relevant.
func (w *dirWatcher) relevant(ev fsnotify.Event) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.relevant(ev)
}

// watchPackage watches a directory just created directly in a source directory (a package being
// copied in), so that the entries written into it postpone the pass as well. It costs one watch
// (on kqueue, one descriptor per entry) until the next settled pass; see maxPackageWatches.
func (w *dirWatcher) watchPackage(ev fsnotify.Event) {
	if !ev.Has(fsnotify.Create) {
		return
	}
	dir, base := filepath.Split(ev.Name)
	if strings.HasPrefix(base, ".") {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.f.sources[filepath.Clean(dir)] || w.f.packages[ev.Name] || len(w.f.packages) >= maxPackageWatches {
		return
	}
	fi, err := os.Lstat(ev.Name)
	if err != nil || !fi.IsDir() { // symlinked packages are read through the link, not watched
		return
	}
	id, err := dirID(ev.Name)
	if err != nil {
		return
	}
	if err := w.fw.Add(ev.Name); err != nil {
		w.log.Debug().Err(err).Str("dir", ev.Name).Msg("cannot watch new package directory")
		return
	}
	w.watched[ev.Name] = id
	w.f.packages[ev.Name] = true
	w.log.Debug().Str("dir", ev.Name).Msg("watching new package directory")
}

// relevant reports whether ev may change what a pass would do. Only names count, never the
// operation's details beyond excluding pure attribute changes, which inotify also reports for
// timestamps and link counts and which never change configuration or package content by
// themselves (a removal is reported separately).
func (f *filter) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod || ev.Op == 0 {
		return false
	}
	if f.anchors[ev.Name] {
		return true // a watched directory, or the name of one in its parent
	}
	return f.relevantName(ev.Name)
}

// relevantName is the name filter: *.hcl directly in the configuration directory, anything
// directly in a source directory or a new package directory, except names beginning with '.'
// (editors' swap and lock files, partial downloads, packages being copied in, .git), which
// neither the configuration loader nor the source scanner reads.
func (f *filter) relevantName(name string) bool {
	dir, base := filepath.Split(name)
	dir = filepath.Clean(dir)
	if strings.HasPrefix(base, ".") || base == "" {
		return false
	}
	if f.sources[dir] || f.packages[dir] {
		return true
	}
	return f.configDirs[dir] && strings.HasSuffix(base, ".hcl")
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func dirID(p string) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return fileID{}, err
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, nil //nolint:unconvert // widths differ by platform
}
