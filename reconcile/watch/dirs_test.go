package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile replaces path as editors do: a hidden temporary file in the same directory renamed
// over it.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// flip points the symlink link at target atomically, the way deploys switch releases: a new
// link renamed over the old one.
func flip(t *testing.T, link, target string) {
	t.Helper()
	tmp := link + ".new"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// The configuration directory is a symlink `current` to a release; switching it to another
// release is a pass, and from then on saves in the new release count and saves in the old one
// do not.
func TestSymlinkedConfigDirFollowsFlip(t *testing.T) {
	root := t.TempDir()
	r1, r2 := filepath.Join(root, "releases", "r1"), filepath.Join(root, "releases", "r2")
	mkdirs(t, r1, r2)
	writeFile(t, filepath.Join(r1, "main.hcl"), "r1")
	writeFile(t, filepath.Join(r2, "main.hcl"), "r2")
	current := filepath.Join(root, "current")
	if err := os.Symlink("releases/r1", current); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t)
	h.manualTimer() // every pass below comes from an event
	h.configDir = current
	h.start()
	h.expect(TriggerStartup, ResultOK)
	if got := h.state(0); got != "r1" {
		t.Fatalf("startup pass got %q, want r1", got)
	}

	flip(t, current, "releases/r2")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(1); got != "r2" {
		t.Fatalf("pass after the switch got %q, want r2", got)
	}
	h.expectNone(quiet)

	writeFile(t, filepath.Join(r2, "main.hcl"), "r2b")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(2); got != "r2b" {
		t.Errorf("pass after a save in the new release got %q, want r2b", got)
	}
	writeFile(t, filepath.Join(r1, "main.hcl"), "r1b")
	h.expectNone(quiet) // the old release is no longer watched

	// And back: the watches follow every switch.
	flip(t, current, "releases/r1")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(3); got != "r1b" {
		t.Errorf("pass after switching back got %q, want r1b", got)
	}
	writeFile(t, filepath.Join(r2, "main.hcl"), "r2c")
	h.expectNone(quiet)
	h.stop()
}

// The release a symlink points at is replaced under the unchanged link.
func TestSymlinkTargetReplaced(t *testing.T) {
	root := t.TempDir()
	rel := filepath.Join(root, "releases", "live")
	mkdirs(t, rel)
	writeFile(t, filepath.Join(rel, "main.hcl"), "v1")
	current := filepath.Join(root, "current")
	if err := os.Symlink("releases/live", current); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.manualTimer()
	h.configDir = current
	h.start()
	h.expect(TriggerStartup, ResultOK)

	next := filepath.Join(root, "releases", ".live.new")
	mkdirs(t, next)
	writeFile(t, filepath.Join(next, "main.hcl"), "v2")
	if err := os.Rename(rel, rel+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, rel); err != nil {
		t.Fatal(err)
	}
	h.expectState(TriggerFile, "v2")
	writeFile(t, filepath.Join(rel, "main.hcl"), "v3")
	h.expectState(TriggerFile, "v3")
	writeFile(t, filepath.Join(rel+".old", "main.hcl"), "old")
	h.expectNone(quiet)
	h.stop()
}

// A configuration directory replaced by rename (a new checkout moved into place): the watch on
// the old directory still exists under the same path, but it watches the old inode.
func TestConfigDirReplacedByRename(t *testing.T) {
	h := newHarness(t)
	h.manualTimer()
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	next, old := h.dir+".new", h.dir+".old"
	mkdirs(t, next)
	writeFile(t, filepath.Join(next, "main.hcl"), "v2")
	if err := os.Rename(h.dir, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, h.dir); err != nil {
		t.Fatal(err)
	}
	h.expectState(TriggerFile, "v2")
	h.write("main.hcl", "v3")
	h.expectState(TriggerFile, "v3")
	writeFile(t, filepath.Join(old, "main.hcl"), "old")
	h.expectNone(quiet)
	h.stop()
}

// A source directory created after startup, and one deleted and created again, are watched as
// soon as they exist: their parent's watch sees them appear.
func TestSourceDirCreatedAfterStartupAndRecreated(t *testing.T) {
	src := filepath.Join(t.TempDir(), "packages") // not there yet
	h := newHarness(t)
	h.manualTimer()
	h.setSources(src)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	mkdirs(t, src)
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	if err := os.WriteFile(filepath.Join(src, "bash-5.2.tar.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK) // the new directory is watched

	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	mkdirs(t, src)
	h.expect(TriggerFile, ResultOK)
	if err := os.WriteFile(filepath.Join(src, "vim-9.1.tar.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)
	h.stop()
}

// `cp -r pkg src/` creates pkg/ at once and fills it for as long as the copy takes, deep in
// directories no watch sees. The pass starts only once the copy has ended.
func TestSettleWaitsForCopyToFinish(t *testing.T) {
	src := t.TempDir()
	h := newHarness(t)
	h.manualTimer()
	h.cfg.Debounce = 250 * time.Millisecond // the copy's gaps are 10ms
	h.setSources(src)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	// The copy must never pause for a debounce interval, or the daemon is right to take it for
	// finished; a machine too loaded to keep that up gets another try.
	for try := 1; ; try++ {
		bin := filepath.Join(src, fmt.Sprint("pkg-", try), "root", "usr", "bin")
		mkdirs(t, bin)
		var last time.Time
		var stall time.Duration
		for i := range 40 { // about 0.4s: more than the debounce
			if err := os.WriteFile(filepath.Join(bin, fmt.Sprint("f", i)), []byte("x"), 0o755); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			if !last.IsZero() {
				stall = max(stall, now.Sub(last))
			}
			last = now
			time.Sleep(10 * time.Millisecond)
		}
		h.expect(TriggerFile, ResultOK)
		h.expectNone(quiet)
		n := int(h.passes.Load())
		h.mu.Lock()
		started := h.starts[n-1]
		h.mu.Unlock()
		if stall >= h.cfg.Debounce/2 && try < 3 {
			t.Logf("try %d: the copy stalled for %v; trying again", try, stall)
			continue
		}
		if started.Before(last) {
			t.Errorf("the pass started %v before the copy's last write", last.Sub(started))
		}
		if n != try+1 {
			t.Errorf("%d passes, want %d (startup, one per copy)", n, try+1)
		}
		break
	}
	h.stop()
}

// A directory that never stops changing holds a pass back for SettleMax, no longer.
func TestSettleMaxRunsPassAnyway(t *testing.T) {
	src := t.TempDir()
	h := newHarness(t)
	h.manualTimer()
	h.cfg.Debounce = 100 * time.Millisecond // twenty writes per interval: never quiet
	h.cfg.SettleMax = 500 * time.Millisecond
	h.setSources(src)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	deep := filepath.Join(src, "busy", "root", "var")
	start := time.Now() // before the first change
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		if err := os.MkdirAll(deep, 0o755); err != nil {
			done <- err
			return
		}
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			// A new file each time: the tree's listing changes too, not only a file's times,
			// so every stamp differs even where timestamps are coarse.
			if err := os.WriteFile(filepath.Join(deep, fmt.Sprint("log.", i)), fmt.Append(nil, i), 0o644); err != nil {
				done <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	h.expect(TriggerFile, ResultOK)
	took := time.Since(start)
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took < h.cfg.SettleMax {
		t.Errorf("the pass ran %v after the first change, before SettleMax %v, although the tree kept changing", took, h.cfg.SettleMax)
	}
	if lines := h.sink.lines("watched directories are still changing; running the pass anyway (copy packages in under a name beginning with '.', then rename them into place)"); len(lines) != 1 {
		t.Errorf("want one warning that the pass runs unsettled, got %v", lines)
	}
	h.stop()
}

// A package directory created in a source directory is watched itself until the next settled
// pass, so entries written into it are events.
func TestNewPackageDirectoryIsWatchedUntilSettled(t *testing.T) {
	src := t.TempDir()
	h := newHarness(t)
	h.manualTimer()
	h.cfg.Debounce = 150 * time.Millisecond
	h.setSources(src)
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)

	pkg := filepath.Join(src, "vim-9.1")
	mkdirs(t, pkg)
	waitFor(t, "the new package directory to be watched", func() bool { return len(h.sink.lines("watching new package directory")) == 1 })
	if err := os.WriteFile(filepath.Join(pkg, "manifest.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	inPkg := func() int {
		n := 0
		for _, l := range h.sink.lines("relevant file event") {
			if strings.Contains(l["event"].(string), filepath.Join("vim-9.1", "manifest.yaml")) {
				n++
			}
		}
		return n
	}
	waitFor(t, "an event from inside the package directory", func() bool { return inPkg() > 0 })
	h.expect(TriggerFile, ResultOK)
	h.expectNone(quiet)

	// That pass found the tree settled: the package directory is no longer watched.
	seen := inPkg()
	if err := os.WriteFile(filepath.Join(pkg, "manifest.yaml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.expectNone(quiet)
	if inPkg() != seen {
		t.Error("events from inside an old package directory")
	}
	h.stop()
}

// Run watches the configuration directory's parent for its name, and nothing else of it.
func TestParentEventsFilteredByName(t *testing.T) {
	h := newHarness(t)
	h.manualTimer()
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	parent := filepath.Dir(h.dir)
	for _, name := range []string{"other.hcl", "sibling"} {
		if err := os.WriteFile(filepath.Join(parent, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mkdirs(t, filepath.Join(parent, "another-dir"))
	h.expectNone(quiet)
	h.stop()
}

// Several configuration directories through one `current` symlink, as contrib/git-sync lays
// them out (current -> rev-<sha>, the fleet's common/ and hosts/<name>/ inside): the switch is
// one pass, which reads both directories from the new tree; a save in either directory of the
// current tree is a pass; a tree being checked out beside them is not.
func TestConfigDirsFollowOneSwitch(t *testing.T) {
	root := t.TempDir()
	for _, rev := range []string{"rev-a", "rev-b"} {
		mkdirs(t, filepath.Join(root, rev, "common"), filepath.Join(root, rev, "hosts", "h1"))
		writeFile(t, filepath.Join(root, rev, "common", "c.hcl"), rev+"/common ")
		writeFile(t, filepath.Join(root, rev, "hosts", "h1", "h.hcl"), rev+"/h1")
	}
	current := filepath.Join(root, "current")
	if err := os.Symlink("rev-a", current); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t)
	h.manualTimer()
	h.configDir = filepath.Join(current, "common")
	h.moreDirs = []string{filepath.Join(current, "hosts", "h1")}
	h.start()
	h.expect(TriggerStartup, ResultOK)
	if got := h.state(0); got != "rev-a/common rev-a/h1" {
		t.Fatalf("startup pass got %q", got)
	}

	// A checkout in progress beside current: nothing to do until the switch.
	mkdirs(t, filepath.Join(root, "rev-c", "hosts", "h1"))
	writeFile(t, filepath.Join(root, "rev-c", "hosts", "h1", "h.hcl"), "half")
	h.expectNone(quiet)

	flip(t, current, "rev-b")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(1); got != "rev-b/common rev-b/h1" {
		t.Fatalf("pass after the switch got %q, want both directories from rev-b", got)
	}
	writeFile(t, filepath.Join(root, "rev-b", "hosts", "h1", "h.hcl"), "rev-b/h1 edited")
	h.expect(TriggerFile, ResultOK)
	if got := h.state(2); got != "rev-b/common rev-b/h1 edited" {
		t.Errorf("pass after a save in the second directory got %q", got)
	}
	h.stop()
}
