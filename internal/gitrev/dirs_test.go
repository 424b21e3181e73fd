package gitrev

import (
	"path/filepath"
	"testing"
)

func TestReadDirs(t *testing.T) {
	fleet := newRepo(t)
	write(t, filepath.Join(fleet, "common", "p.hcl"), "profile p {}\n")
	write(t, filepath.Join(fleet, "hosts", "h1", "s.hcl"), "store {}\n")
	git(t, fleet, "add", "-A")
	git(t, fleet, "commit", "-q", "-m", "fleet")
	head := git(t, fleet, "rev-parse", "HEAD")
	other := newRepo(t)
	otherHead := git(t, other, "rev-parse", "HEAD")
	plain := t.TempDir()
	dirty := newRepo(t)
	dirtyHead := git(t, dirty, "rev-parse", "HEAD")
	write(t, filepath.Join(dirty, "store.hcl"), "changed\n")

	for name, tc := range map[string]struct {
		dirs  []string
		want  string
		dirty bool
	}{
		"none given":              {nil, None, false},
		"one tree, two dirs":      {[]string{filepath.Join(fleet, "common"), filepath.Join(fleet, "hosts", "h1")}, head, false},
		"not in git":              {[]string{plain}, None, false},
		"two outside git":         {[]string{plain, t.TempDir()}, None, false},
		"two trees, in order":     {[]string{other, filepath.Join(fleet, "common"), fleet}, otherHead + "," + head, false},
		"git and plain":           {[]string{filepath.Join(fleet, "common"), plain}, head + "," + None, false},
		"dirty tree among others": {[]string{fleet, dirty}, head + "," + dirtyHead + "-dirty", true},
	} {
		t.Run(name, func(t *testing.T) {
			rs, err := ReadDirs(t.Context(), tc.dirs...)
			if err != nil {
				t.Fatal(err)
			}
			if rs.String() != tc.want || rs.Dirty() != tc.dirty {
				t.Errorf("ReadDirs = %q dirty=%v, want %q dirty=%v", rs.String(), rs.Dirty(), tc.want, tc.dirty)
			}
		})
	}
}
