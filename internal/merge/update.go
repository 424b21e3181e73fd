package merge

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
)

// Tree is a merge's result together with the identity of each of its inputs (IDs[i] names
// Input i of every Placed): two files are the same when they come from the same path of inputs
// with the same ID. The caller guarantees that an ID names fixed content (realize uses the
// package's build-id path, which names its content).
type Tree struct {
	Result Result
	IDs    []string
}

// Update turns dest, which holds exactly the tree old as [Write] wrote it, into the tree res
// (opened by open, as for Write), touching only what differs: a path both trees have with the
// same entry is left as it is (a directory whose mode differs only gets its new mode); every
// other path of old is removed, deepest first, and every other path of res is created as Write
// creates it. What else dest holds (files no tree names) is left alone, so the caller can keep
// its own files there.
//
// It is as careful as Write: every path is reached one directory at a time from dest without
// following a symlink, and nothing outside dest is touched. A directory Update changes is made
// writable by its owner while it works. On any error dest holds part of the change, and the
// caller discards it.
func Update(ctx context.Context, dest string, old, res Tree, open func(input int, path string) (io.ReadCloser, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkIDs(old); err != nil {
		return err
	}
	if err := checkIDs(res); err != nil {
		return err
	}
	gone, added, touched := difference(old, res)
	dirs, files, links, err := split(added)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	w := &writer{stack: []openDir{{path: "", root: root}}, chown: os.Geteuid() == 0}
	defer w.close()
	if err := w.unlock(ctx, gone, touched); err != nil {
		return err
	}
	if err := w.remove(ctx, gone); err != nil {
		return err
	}
	w.close()
	finish := append(slices.Clone(dirs), touched...)
	slices.SortFunc(finish, func(a, b Placed) int { return comparePaths(a.Path, b.Path) })
	return write(ctx, root, dirs, files, links, finish, open)
}

func checkIDs(t Tree) error {
	for _, p := range t.Result.Placed {
		if p.Input < 0 || p.Input >= len(t.IDs) {
			return fmt.Errorf("updating %q: %w: input %d has no ID", p.Path, ErrInvalidInput, p.Input)
		}
	}
	return nil
}

// same reports whether a (of old) and b (of res) are one entry: the same type and mode, and for
// a symlink the same target, for a file the same path of the same input.
func same(old, res Tree, a, b Placed) bool {
	if a.Type != b.Type || a.Mode != b.Mode && a.Type != Dir {
		return false
	}
	switch a.Type {
	case Symlink:
		return a.Target == b.Target
	case File:
		return a.Size == b.Size && a.From == b.From && old.IDs[a.Input] == res.IDs[b.Input]
	}
	return true
}

// difference returns the paths of old to remove (in tree order), those of res to create, and
// the directories both keep that change: their mode, or what they hold.
func difference(old, res Tree) (gone, added, touched []Placed) {
	want := make(map[string]Placed, len(res.Result.Placed))
	for _, p := range res.Result.Placed {
		want[p.Path] = p
	}
	kept := map[string]bool{}
	for _, p := range old.Result.Placed {
		if n, ok := want[p.Path]; ok && same(old, res, p, n) {
			kept[p.Path] = true
		} else {
			gone = append(gone, p)
		}
	}
	for _, p := range res.Result.Placed {
		if !kept[p.Path] {
			added = append(added, p)
		}
	}
	changed := map[string]bool{}
	for _, p := range append(slices.Clone(gone), added...) {
		changed[parent(p.Path)] = true
	}
	for _, p := range old.Result.Placed {
		if n := want[p.Path]; kept[p.Path] && p.Type == Dir && (changed[p.Path] || p.Mode != n.Mode) {
			touched = append(touched, n)
		}
	}
	slices.SortFunc(gone, func(a, b Placed) int { return comparePaths(a.Path, b.Path) })
	return gone, added, touched
}

// unlock makes writable by their owner the directories Update removes from or adds to (dest
// itself excepted: it is the caller's), so that it works without privileges too.
func (w *writer) unlock(ctx context.Context, gone, touched []Placed) error {
	dirs := map[string]bool{}
	for _, p := range gone {
		if p.Type == Dir {
			dirs[p.Path] = true
		}
	}
	for _, p := range touched {
		dirs[p.Path] = true
	}
	for _, d := range slices.SortedFunc(func(yield func(string) bool) {
		for d := range dirs {
			if !yield(d) {
				return
			}
		}
	}, comparePaths) {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := w.enter(d)
		if err == nil {
			err = h.Chmod(".", 0o700)
		}
		if err != nil {
			return fmt.Errorf("opening directory %s for changes: %w", d, err)
		}
	}
	return nil
}

// remove removes gone (in tree order), children before their directories.
func (w *writer) remove(ctx context.Context, gone []Placed) error {
	for _, p := range slices.Backward(gone) {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := w.enter(parent(p.Path)) // closes p's own handle, if p is a directory Update entered
		if err == nil {
			err = h.Remove(base(p.Path))
		}
		if err != nil {
			return fmt.Errorf("removing %s: %w", p.Path, err)
		}
	}
	return nil
}
