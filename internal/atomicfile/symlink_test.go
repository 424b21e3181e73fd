package atomicfile

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Symlink replaces a link (or creates one) atomically, runs beforeRename while the temporary link
// exists under WriteFile's temporary name pattern, and leaves nothing else behind.
func TestSymlink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "current")
	for _, target := range []string{"gen-1", "gen-2"} {
		var during []string
		err := Symlink(target, path, func() {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				during = append(during, e.Name())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.Readlink(path); err != nil || got != target {
			t.Fatalf("current -> %q (%v), want %q", got, err, target)
		}
		temp := regexp.MustCompile(`^\.current\.\d+\.tmp$`)
		found := false
		for _, n := range during {
			found = found || temp.MatchString(n)
		}
		if !found {
			t.Fatalf("before the rename the directory held %v, want a .current.<digits>.tmp link", during)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("after the switch the directory holds %d entries", len(entries))
		}
	}
	// A failed rename (the path is a non-empty directory) leaves no temporary link.
	bad := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(bad, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Symlink("gen-3", bad, nil); err == nil {
		t.Fatal("replacing a non-empty directory succeeded")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".busy.*")); len(m) != 0 {
		t.Fatalf("left behind %v", m)
	}
	if err := Symlink("x", dir+"/", nil); err == nil {
		t.Fatal("a directory path was accepted")
	}
}
