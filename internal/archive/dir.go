package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"syscall"

	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// WalkDir reads the directory tree at dir by the same rules as [Walk] and calls fn for each
// entry below dir (dir itself is not reported), parents before children, names in byte order
// within a directory. Unlike Walk it never strips a top-level folder. Hard links between files
// of the tree are regular files, each reported with its content, every name after the first (in
// walk order) with [Entry.Link] naming the first; a regular file with more links
// than the tree holds is [ErrLinkEscape], since its other names are outside dir: it may be a file
// the tree's owner could not read, which the mode normalisation would make world-readable. The
// first pass lists and checks the tree (without reading content);
// the second re-examines every entry, opens regular files without following symlinks, and
// fails with [ErrChanged] if anything no longer matches the first pass. Entries created after
// the first pass are not reported.
//
// A rejection is an [*Error] whose Archive is dir; an error from fn is returned unchanged; a
// cancelled ctx ends the walk with ctx's error. All access goes through an [os.Root], so even
// a tree changed underneath cannot lead the walk outside dir.
func WalkDir(ctx context.Context, dir string, lim Limits, fn WalkFunc) error {
	lim = lim.withDefaults()
	root, err := nonblock.OpenRoot(dir)
	if err != nil {
		return &Error{Archive: dir, Err: err, Reason: "cannot open directory"}
	}
	defer root.Close()
	t := newTree(lim)
	err = scanDir(ctx, root, "", t)
	if e := checkHardLinks(t); err == nil && e != nil {
		err = e
	}
	if err == nil {
		linkGroups(t)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Archive = dir
		}
		return err
	}
	if err := t.finish(false); err != nil {
		err.Archive = dir
		return err
	}
	return replayDir(ctx, dir, root, t, fn)
}

// scanDir is the first pass over the directory rel ("" is the root), depth first.
func scanDir(ctx context.Context, root *os.Root, rel string, t *tree) error {
	name := rel
	if name == "" {
		name = "."
	}
	// O_DIRECTORY|O_NOFOLLOW|O_NONBLOCK: a directory swapped for a FIFO or a symlink since its
	// Lstat fails here instead of hanging or leading elsewhere.
	d, err := root.OpenFile(name, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return &Error{Entry: rel, Err: err, Reason: "cannot open directory"}
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return &Error{Entry: rel, Err: err, Reason: "cannot list directory"}
	}
	slices.Sort(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := path.Join(rel, n)
		r, typ, target, fi, err := lstat(root, p)
		if err != nil {
			return err
		}
		if e := t.add(r, typ, fs.FileMode(r.mode)&keptBits, r.size, target); e != nil {
			return e
		}
		rc := &t.recs[len(t.recs)-1]
		rc.file = fi
		if rc.skip {
			continue // ignored (AppleDouble and the like), with everything beneath it
		}
		if typ == Dir {
			if err := scanDir(ctx, root, p, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// keptBits are the mode bits of a file on disk that normMode looks at.
const keptBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid

// inode identifies a file on its file system.
type inode struct{ dev, ino uint64 }

// linkInfo returns a file's identity and link count; ok is false where the platform does not
// report them.
func linkInfo(fi fs.FileInfo) (id inode, nlink uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return inode{}, 0, false
	}
	return inode{dev: uint64(st.Dev), ino: uint64(st.Ino)}, uint64(st.Nlink), true
}

// checkHardLinks rejects a regular file some of whose hard links lie outside the tree: its link
// count exceeds the number of its names the first pass found. Hard links within the tree stay
// allowed. The entry named is the file's first name in walk order.
func checkHardLinks(t *tree) *Error {
	found := map[inode]int{}
	for _, rc := range t.recs {
		if rc.file == nil || !rc.file.Mode().IsRegular() {
			continue // ignored names count too: they are inside the tree
		}
		if id, n, ok := linkInfo(rc.file); ok && n > 1 {
			found[id]++
		}
	}
	for _, rc := range t.recs {
		if rc.skip || rc.entry.Type != Regular {
			continue
		}
		id, n, ok := linkInfo(rc.file)
		if ok && n > 1 && uint64(found[id]) < n {
			return reject(ErrLinkEscape, rc.raw.name,
				"a hard link to a file outside the tree (%d links, %d of them in the tree); copy the file instead of linking it", n, found[id])
		}
	}
	return nil
}

// linkGroups marks every later name of a file with several names in the tree as a hard link
// to its first name in walk order, as a tar archive records them, so that a package keeps its
// hard links however it is stored. Ignored names (AppleDouble and the like) are never a link's
// target: they are not handed out.
func linkGroups(t *tree) {
	first := map[inode]int{}
	for i := range t.recs {
		rc := &t.recs[i]
		if rc.skip || rc.entry.Type != Regular {
			continue
		}
		id, n, ok := linkInfo(rc.file)
		if !ok || n < 2 {
			continue
		}
		if j, seen := first[id]; seen {
			rc.hardlink = j
		} else {
			first[id] = i
		}
	}
}

// lstat describes the entry at p without following it.
func lstat(root *os.Root, p string) (raw, Type, string, fs.FileInfo, error) {
	fi, err := root.Lstat(p)
	if err != nil {
		return raw{}, 0, "", nil, &Error{Entry: p, Err: err, Reason: "cannot stat"}
	}
	r := raw{name: p, mode: int64(fi.Mode())}
	switch fi.Mode().Type() {
	case 0:
		r.size = fi.Size()
		return r, Regular, "", fi, nil
	case fs.ModeDir:
		return r, Dir, "", fi, nil
	case fs.ModeSymlink:
		target, err := root.Readlink(p)
		if err != nil {
			return raw{}, 0, "", nil, &Error{Entry: p, Err: err, Reason: "cannot read symlink"}
		}
		r.link = target
		return r, Symlink, target, fi, nil
	}
	return raw{}, 0, "", nil, reject(ErrSpecialFile, p, "%s", describeType(fi.Mode().Type()))
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return fmt.Sprintf("unsupported file type %v", m)
}

// replayDir is the second pass.
func replayDir(ctx context.Context, dir string, root *os.Root, t *tree, fn WalkFunc) error {
	changed := func(entry, format string, args ...any) error {
		return &Error{Archive: dir, Entry: entry, Err: ErrChanged, Reason: fmt.Sprintf(format, args...)}
	}
	for _, rc := range t.recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rc.skip {
			continue // ignored: not read, so not held to the first pass either
		}
		p := rc.raw.name
		r, _, _, fi, err := lstat(root, p)
		if err != nil {
			return changed(p, "%v", err)
		}
		if r != rc.raw || !os.SameFile(fi, rc.file) || !sameLinks(fi, rc.file) {
			return changed(p, "no longer what the first pass saw")
		}
		e := rc.entry
		if e.Type != Regular {
			if err := fn(e, emptyReader{}); err != nil {
				return err
			}
			continue
		}
		if err := replayFile(ctx, dir, root, rc, fi, fn); err != nil {
			return err
		}
	}
	return nil
}

// sameLinks reports whether a file still has the link count the first pass saw.
func sameLinks(now, first fs.FileInfo) bool {
	_, a, _ := linkInfo(now)
	_, b, _ := linkInfo(first)
	return now.IsDir() || a == b // a directory's count moves with its subdirectories
}

// replayFile hands one regular file to fn; before is what Lstat just found at its path.
func replayFile(ctx context.Context, dir string, root *os.Root, rc rec, before fs.FileInfo, fn WalkFunc) error {
	p, e := rc.raw.name, rc.entry
	// O_NOFOLLOW|O_NONBLOCK: a file swapped for a symlink or a FIFO is caught by the checks
	// below, and opening it neither follows it outside the root nor hangs.
	f, err := root.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return &Error{Archive: dir, Entry: p, Err: ErrChanged, Reason: fmt.Sprintf("cannot open: %v", err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || !os.SameFile(before, fi) || fi.Size() != e.Size {
		return &Error{Archive: dir, Entry: p, Err: ErrChanged, Reason: "the file opened is not the one listed"}
	}
	// One byte more than listed, so that a file that grew is noticed.
	r := &contentReader{ctx: ctx, r: io.LimitReader(f, e.Size+1), archive: dir, entry: p}
	if err := fn(e, r); err != nil {
		return err
	}
	return r.finish(e.Size)
}
