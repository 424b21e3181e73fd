package configdirs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// switching is a `current` link switched from rev-a to rev-b after the nth resolution.
type switching struct {
	calls, after int
}

func (s *switching) eval(p string) (string, error) {
	s.calls++
	rev := "rev-a"
	if s.calls > s.after {
		rev = "rev-b"
	}
	return strings.Replace(p, "current", rev, 1), nil
}

func TestResolveSeesOneTree(t *testing.T) {
	dirs := []string{"/cfg/current/common", "/cfg/current/roles/web", "/cfg/current/hosts/web1"}
	for after := range 8 {
		s := &switching{after: after}
		got, err := resolve(dirs, s.eval)
		if err != nil {
			t.Fatal(err)
		}
		tree := strings.Split(got[0], "/")[2]
		for _, g := range got {
			if !strings.HasPrefix(g, "/cfg/"+tree+"/") {
				t.Errorf("switch after %d resolutions: %v mixes two trees", after, got)
			}
		}
	}
}

func TestResolveGivesUpOnALinkThatNeverSettles(t *testing.T) {
	n := 0
	flapping := func(p string) (string, error) {
		n++
		return p + string(rune('a'+n%2)), nil
	}
	_, err := resolve([]string{"/x"}, flapping)
	var ue *UnstableError
	if !errors.As(err, &ue) || !slices.Equal(ue.Dirs, []string{"/x"}) {
		t.Fatalf("resolve = %v, want an *UnstableError naming /x", err)
	}
}

func TestResolveOnDisk(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "rev-a", "hosts", "h1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("rev-a", filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(root, "current", "nope")
	got, err := Resolve([]string{filepath.Join(root, "current", "hosts", "h1"), missing, "plain/./dir"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(real, "rev-a", "hosts", "h1"), missing, "plain/./dir"}
	if !slices.Equal(got, want) {
		t.Errorf("Resolve = %v, want %v", got, want)
	}
}
