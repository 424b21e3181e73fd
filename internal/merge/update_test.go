package merge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

// version is one package at one build: its id names its content.
type version struct {
	name, id string
	ents     []ent
}

func tree(t *testing.T, policy merge.Policy, vs ...version) (merge.Tree, func(int, string) (io.ReadCloser, error)) {
	t.Helper()
	var inputs []merge.Input
	var ids []string
	var ents [][]ent
	for _, v := range vs {
		inputs = append(inputs, pkg(v.name, v.ents...))
		ids = append(ids, v.id)
		ents = append(ents, v.ents)
	}
	return merge.Tree{Result: mustMerge(t, policy, inputs...), IDs: ids}, opener(ents...)
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestUpdate: Update turns the tree one set of packages wrote into exactly the tree a fresh
// Write of the next set makes, leaves what both share in place (the same inode), rewrites
// what changed, and keeps files no tree names.
func TestUpdate(t *testing.T) {
	base := version{"base", "base-1", []ent{dir("bin", 0o755), file("bin/sh", "sh", 0o755), dir("etc", 0o755), file("etc/motd", "hi", 0o644)}}
	tool1 := version{"tool", "tool-1", []ent{file("bin/tool", "v1", 0o755), dir("ro", 0o555), file("ro/a", "a", 0o444), dir("share/tool", 0o755), file("share/tool/old", "old", 0o644)}}
	tool2 := version{"tool", "tool-2", []ent{file("bin/tool", "v2", 0o755), dir("ro", 0o555), file("ro/a", "a", 0o444), file("ro/b", "b", 0o444), file("share/tool/new", "new", 0o644)}}
	same2 := version{"tool", "tool-1b", tool1.ents} // a new build with the same files
	shape := version{"shape", "shape-1", []ent{dir("x", 0o755), file("x/in", "in", 0o644), file("y", "y", 0o644), dir("m", 0o700)}}
	reshaped := version{"shape", "shape-2", []ent{file("x", "now a file", 0o644), link("y", "x"), dir("m", 0o750)}}
	busy := version{"busy", "busy-1", []ent{file("bin/sh", "busybox", 0o755)}}
	cases := []struct {
		name     string
		policy   merge.Policy
		old, new []version
		kept     []string // paths whose inode must not change
		redone   []string // paths whose inode must change
	}{
		{"one package upgraded", merge.PolicyError, []version{base, tool1}, []version{base, tool2},
			[]string{"bin/sh", "etc/motd", "bin", "ro"}, []string{"bin/tool", "ro/a"}},
		{"a package added", merge.PolicyError, []version{base}, []version{base, tool1}, []string{"bin/sh", "etc/motd"}, nil},
		{"a package removed", merge.PolicyError, []version{base, tool1}, []version{base}, []string{"bin/sh", "etc/motd"}, nil},
		{"a new build of the same files", merge.PolicyError, []version{base, tool1}, []version{base, same2}, []string{"bin/sh"}, []string{"bin/tool", "ro/a"}},
		{"types and modes change", merge.PolicyError, []version{base, shape}, []version{base, reshaped}, []string{"bin/sh", "m"}, []string{"y"}},
		{"nothing changes", merge.PolicyError, []version{base, tool1}, []version{base, tool1}, []string{"bin/sh", "bin/tool", "ro/a"}, nil},
		{"a conflict's winner goes", merge.PolicyKeepBoth, []version{busy, base}, []version{base}, []string{"etc/motd"}, []string{"bin/sh"}},
		{"a conflict appears", merge.PolicyKeepBoth, []version{base}, []version{base, busy}, []string{"bin/sh", "etc/motd"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			oldTree, oldOpen := tree(t, tc.policy, tc.old...)
			newTree, newOpen := tree(t, tc.policy, tc.new...)
			dest, fresh := t.TempDir(), t.TempDir()
			t.Cleanup(func() { makeWritable(t, dest); makeWritable(t, fresh) })
			if err := merge.Write(ctx, dest, oldTree.Result, oldOpen); err != nil {
				t.Fatalf("Write old: %v", err)
			}
			writeFile(t, filepath.Join(dest, ".own"), "the caller's")
			before := map[string]uint64{}
			side := t.TempDir() // a second link keeps each inode from being reused for a new file
			for i, p := range append(tc.kept, tc.redone...) {
				before[p] = inode(t, filepath.Join(dest, p))
				if err := os.Link(filepath.Join(dest, p), filepath.Join(side, fmt.Sprint(i))); err != nil && !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EPERM) {
					t.Fatal(err)
				}
			}
			if err := merge.Update(ctx, dest, oldTree, newTree, newOpen); err != nil {
				t.Fatalf("Update: %v", err)
			}
			if err := merge.Write(ctx, fresh, newTree.Result, newOpen); err != nil {
				t.Fatalf("Write new: %v", err)
			}
			want := listTree(t, fresh)
			want[".own"] = "f0644 the caller's"
			if diff := cmp.Diff(want, listTree(t, dest)); diff != "" {
				t.Errorf("updated tree (-fresh write +updated):\n%s", diff)
			}
			for _, p := range tc.kept {
				if inode(t, filepath.Join(dest, p)) != before[p] {
					t.Errorf("%s was rewritten; it is the same in both trees", p)
				}
			}
			for _, p := range tc.redone {
				if inode(t, filepath.Join(dest, p)) == before[p] {
					t.Errorf("%s was left as it was; it changed", p)
				}
			}
		})
	}
}

// TestUpdateNeverFollowsSymlinks: a directory of the old tree swapped for a symlink is not
// followed, neither to remove nor to write.
func TestUpdateNeverFollowsSymlinks(t *testing.T) {
	ctx := context.Background()
	oldV := version{"p", "p-1", []ent{dir("d", 0o755), file("d/f", "1", 0o644)}}
	newV := version{"p", "p-2", []ent{dir("d", 0o755), file("d/f", "2", 0o644)}}
	oldTree, oldOpen := tree(t, merge.PolicyError, oldV)
	newTree, newOpen := tree(t, merge.PolicyError, newV)
	dest, outside := t.TempDir(), t.TempDir()
	if err := merge.Write(ctx, dest, oldTree.Result, oldOpen); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(outside, "f"), "outside")
	if err := os.RemoveAll(filepath.Join(dest, "d")); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(dest, "d"))
	if err := merge.Update(ctx, dest, oldTree, newTree, newOpen); err == nil {
		t.Fatal("Update went through a symlink")
	}
	if got := listTree(t, outside); got["f"] != "f0644 outside" {
		t.Fatalf("the directory a symlink points to was changed: %v", got)
	}
}

// TestUpdateRejectsInputsWithoutIDs: a tree whose entries name an input it has no ID for is
// refused before anything is touched.
func TestUpdateRejectsInputsWithoutIDs(t *testing.T) {
	v := version{"p", "p-1", []ent{file("f", "1", 0o644)}}
	good, open := tree(t, merge.PolicyError, v)
	bad := merge.Tree{Result: good.Result}
	dest := t.TempDir()
	if err := merge.Write(context.Background(), dest, good.Result, open); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string][2]merge.Tree{"old": {bad, good}, "new": {good, bad}} {
		if err := merge.Update(context.Background(), dest, tc[0], tc[1], open); !errors.Is(err, merge.ErrInvalidInput) {
			t.Errorf("%s tree without IDs: %v, want ErrInvalidInput", name, err)
		}
	}
}
