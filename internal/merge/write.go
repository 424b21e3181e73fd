package merge

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
)

// Write materialises res in dest, which must be an existing, empty directory (not a symlink).
// open returns the content of the file at path inside input (the [Placed] Input and From).
//
// It creates, in this order: every directory (mode 0700 while writing); every file, with
// O_CREATE|O_EXCL, copied from open (several at once, so open must be safe for concurrent
// use), checked to be exactly Size bytes and set to its mode; every symlink; then, deepest
// first, each directory's recorded mode. Nothing is fsynced: durability is the caller's commit
// point, which must include every write before it (realize snapshots the generation, and a ZFS
// snapshot holds all that was written before it was taken; one sync of the whole dataset
// instead of one per file is what makes a large generation cheap). Symlinks come last so nothing is ever
// written through one, and modes come after content so a read-only directory does not block
// its children. Every path is reached one directory at a time from dest, and a directory
// that is not the one Write created (a symlink, say) fails the write with
// [ErrUnexpectedFile]; a file or symlink whose name is already taken fails with an error
// matching [fs.ErrExist]. Nothing is written through a symlink, and nothing outside dest.
//
// Write checks res only as far as its own safety needs; the rest is [Merge]'s business.
// Symlink targets are written exactly as given (absolute or leading out of dest: a target is
// data, and Write never follows a link). A file keeps the setuid and setgid bits of its Mode
// (Merge leaves them only where the input allows them).
//
// ctx is checked before each entry; a cancelled ctx stops Write with ctx.Err(). Run as root,
// Write makes root (0:0) the owner of everything it creates, so that a set-id file means
// "run as root" and nothing takes a group from where dest happens to be; otherwise
// everything belongs to the running user. Times are not preserved. On any error dest holds
// part of the tree and the caller discards it.
func Write(ctx context.Context, dest string, res Result, open func(input int, path string) (io.ReadCloser, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dirs, files, links, err := split(res.Placed)
	if err != nil {
		return err
	}
	root, err := openDest(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	return write(ctx, root, dirs, files, links, dirs, open)
}

// split checks every entry as far as writing it safely needs and sorts them, by type, into
// tree order.
func split(placed []Placed) (dirs, files, links []Placed, err error) {
	for _, p := range placed {
		if err := checkPath(p.Path); err != nil {
			return nil, nil, nil, fmt.Errorf("writing %q: %w: %v", p.Path, ErrUnsafePath, err)
		}
		switch p.Type {
		case Dir:
			dirs = append(dirs, p)
		case File:
			files = append(files, p)
		case Symlink:
			if err := checkTarget(p.Target); err != nil {
				return nil, nil, nil, fmt.Errorf("writing %q: %w: %v", p.Path, ErrUnsafePath, err)
			}
			links = append(links, p)
		default:
			return nil, nil, nil, fmt.Errorf("writing %q: %w: unknown entry type %v", p.Path, ErrInvalidInput, p.Type)
		}
	}
	byPath := func(a, b Placed) int { return comparePaths(a.Path, b.Path) }
	for _, s := range [][]Placed{dirs, files, links} {
		slices.SortFunc(s, byPath)
	}
	return dirs, files, links, nil
}

// write creates dirs, files and links (each in tree order, their parents there already or
// among dirs) below root, then gives each directory of finish (in tree order) its mode,
// deepest first.
func write(ctx context.Context, root *os.Root, dirs, files, links, finish []Placed, open func(input int, path string) (io.ReadCloser, error)) error {
	w := &writer{stack: []openDir{{path: "", root: root}}, chown: os.Geteuid() == 0}
	defer w.close()
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := w.enter(parent(d.Path))
		if err == nil {
			err = h.Mkdir(base(d.Path), 0o700)
		}
		if err != nil {
			return fmt.Errorf("creating directory %s: %w", d.Path, err)
		}
	}
	if err := writeFiles(ctx, root, files, w.chown, open); err != nil {
		return err
	}
	for _, l := range links {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := w.enter(parent(l.Path))
		if err == nil {
			err = h.Symlink(l.Target, base(l.Path))
		}
		if err == nil && w.chown {
			err = h.Lchown(base(l.Path), 0, 0)
		}
		if err != nil {
			return fmt.Errorf("creating symlink %s: %w", l.Path, err)
		}
	}
	for _, d := range slices.Backward(finish) { // tree order reversed: children before parents
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.finishDir(d); err != nil {
			return fmt.Errorf("finishing directory %s: %w", d.Path, err)
		}
	}
	return nil
}

// openDest opens dest as a root and checks that it is an empty directory, not a symlink.
func openDest(dest string) (*os.Root, error) {
	fi, err := os.Lstat(dest)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is %s, not a directory", ErrUnexpectedFile, dest, describe(fi))
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	err = func() error {
		st, err := root.Stat(".")
		if err != nil {
			return err
		}
		if !os.SameFile(fi, st) {
			return fmt.Errorf("%w: %s was replaced while being opened", ErrUnexpectedFile, dest)
		}
		d, err := root.Open(".")
		if err != nil {
			return err
		}
		defer d.Close()
		names, err := d.Readdirnames(1)
		if len(names) > 0 {
			return fmt.Errorf("%w: %s is not empty (it holds %q)", ErrUnexpectedFile, dest, names[0])
		}
		if err != io.EOF {
			return err
		}
		return nil
	}()
	if err != nil {
		root.Close()
		return nil, err
	}
	return root, nil
}

// openDir is a directory Write holds open, by its path from dest.
type openDir struct {
	path string
	root *os.Root
}

// writer holds the chain of directories from dest down to the one last entered. Visiting
// paths in tree order enters each directory once per pass and keeps at most one handle per
// level open.
type writer struct {
	stack []openDir // stack[0] is dest itself, owned by Write
	chown bool      // make root the owner of everything written (Write runs as root)
}

// own makes root the owner of f when w.chown, whatever group its directory would give it.
// It must come before Chmod: chown clears setuid and setgid.
func (w *writer) own(f *os.File) error {
	if !w.chown {
		return nil
	}
	return f.Chown(0, 0)
}

// enter returns a handle on directory dir ("" is dest), reached one component at a time from
// dest, each checked to be the directory found there without following a symlink.
func (w *writer) enter(dir string) (*os.Root, error) {
	for len(w.stack) > 1 {
		top := w.stack[len(w.stack)-1].path
		if top == dir || strings.HasPrefix(dir, top+"/") {
			break
		}
		w.stack[len(w.stack)-1].root.Close()
		w.stack = w.stack[:len(w.stack)-1]
	}
	for {
		top := w.stack[len(w.stack)-1]
		if top.path == dir {
			return top.root, nil
		}
		rest := strings.TrimPrefix(dir[len(top.path):], "/")
		name, _, _ := strings.Cut(rest, "/")
		sub, err := openSubdir(top.root, name)
		if err != nil {
			return nil, err
		}
		w.stack = append(w.stack, openDir{path: join(top.path, name), root: sub})
	}
}

func (w *writer) close() {
	for _, d := range w.stack[1:] {
		d.root.Close()
	}
	w.stack = w.stack[:1]
}

// openSubdir opens the directory name inside parent as a root and checks, with Lstat, that
// name is that very directory and not a symlink.
func openSubdir(parent *os.Root, name string) (*os.Root, error) {
	sub, err := parent.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	if err := sameDir(parent, name, sub.Stat); err != nil {
		sub.Close()
		return nil, err
	}
	return sub, nil
}

// sameDir checks that name inside parent is a directory, not a symlink, and the one stat
// describes.
func sameDir(parent *os.Root, name string, stat func(string) (fs.FileInfo, error)) error {
	fi, err := parent.Lstat(name)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is %s, not the directory Write created", ErrUnexpectedFile, name, describe(fi))
	}
	st, err := stat(".")
	if err != nil {
		return err
	}
	if !os.SameFile(fi, st) {
		return fmt.Errorf("%w: %s is not the directory Write created", ErrUnexpectedFile, name)
	}
	return nil
}

// writeFile creates one file and copies its content in. The content is copied straight from
// the reader open returns: when that is an *os.File, the kernel may copy (or, on OpenZFS with
// block cloning, share) the blocks itself.
func (w *writer) writeFile(f Placed, open func(input int, path string) (io.ReadCloser, error)) (err error) {
	h, err := w.enter(parent(f.Path))
	if err != nil {
		return err
	}
	src, err := open(f.Input, f.From)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := src.Close(); err == nil {
			err = cerr
		}
	}()
	out, err := h.OpenFile(base(f.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	n, err := io.Copy(out, &io.LimitedReader{R: src, N: f.Size + 1})
	if err != nil {
		return err
	}
	if n != f.Size {
		more := ""
		if n > f.Size {
			more = " or more"
		}
		return fmt.Errorf("content is %d bytes%s, want %d", n, more, f.Size)
	}
	if err := w.own(out); err != nil {
		return err
	}
	if err := out.Chmod(f.Mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid)); err != nil {
		return err
	}
	return nil
}

// writeWorkers is how many files Write copies at once. With block cloning a copy is mostly
// metadata work in the kernel, so a few streams keep it busy while one waits; more than a few
// only contend for the same dataset's locks. Each takes at least minShare files: a small tree
// is written by one, in tree order.
const (
	writeWorkers = 4
	minShare     = 64
)

// writeFiles writes files (in tree order) with writeWorkers writers, each taking a contiguous
// share so that it enters each of its directories once. The first error stops the others.
func writeFiles(ctx context.Context, root *os.Root, files []Placed, chown bool, open func(input int, path string) (io.ReadCloser, error)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	share := max(minShare, (len(files)+writeWorkers-1)/writeWorkers)
	for start := 0; start < len(files); start += share {
		part := files[start:min(start+share, len(files))]
		wg.Go(func() {
			w := &writer{stack: []openDir{{path: "", root: root}}, chown: chown}
			defer w.close()
			for _, f := range part {
				if ctx.Err() != nil {
					return
				}
				if err := w.writeFile(f, open); err != nil {
					cancel(fmt.Errorf("writing %s: %w", f.Path, err))
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// finishDir gives a directory its recorded mode.
func (w *writer) finishDir(d Placed) error {
	h, err := w.enter(parent(d.Path))
	if err != nil {
		return err
	}
	name := base(d.Path)
	f, err := h.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := sameDir(h, name, func(string) (fs.FileInfo, error) { return f.Stat() }); err != nil {
		return err
	}
	if err := w.own(f); err != nil {
		return err
	}
	if err := f.Chmod(d.Mode.Perm()); err != nil {
		return err
	}
	return f.Close()
}

// describe names a file's type for messages.
func describe(fi fs.FileInfo) string {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsRegular():
		return "a file"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}
