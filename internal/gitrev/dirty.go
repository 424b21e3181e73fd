package gitrev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dirty compares the work tree with the index. commit is HEAD's commit (None if unborn): with
// no index at all, a tree whose HEAD has a commit reads as every file deleted, as git reads it.
func (r *repo) dirty(ctx context.Context, cfg config, commit string) (bool, error) {
	path := filepath.Join(r.gitDir, "index")
	f, fi, err := openRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return commit != None, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	root, err := os.OpenRoot(r.worktree)
	if err != nil {
		return false, errorf(r.worktree, err, "open work tree")
	}
	defer root.Close()
	c := &checker{root: root, cfg: cfg, indexTime: fi.ModTime()}
	tree := newTreeBuilder(cfg.format)
	n := 0
	_, err = parseIndex(f, fi.Size(), cfg.format, func(e *indexEntry) error {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tree.add(e.path, e.mode, e.oid)
		if c.dirty {
			return nil // keep parsing: a corrupt index is still an error
		}
		d, err := c.entryDirty(e)
		c.dirty = d
		return err
	})
	var fileErr *Error
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.As(err, &fileErr):
		return false, fileErr // a work-tree file that cannot be read, not a bad index
	default:
		return false, errorf(path, err, "corrupt index")
	}
	if c.dirty || commit == None {
		return c.dirty, nil
	}
	return r.staged(cfg.format, commit, tree.root())
}

// staged says whether the index's tree differs from the commit's: a change added to the index
// and not committed, whatever the work tree says.
func (r *repo) staged(f objectFormat, commit string, indexTree []byte) (bool, error) {
	store, err := newObjectStore(r.common, f)
	if err != nil {
		return false, err
	}
	headTree, err := store.commitTree(commit)
	var e *Error
	switch {
	case errors.As(err, &e):
		return false, e
	case err != nil:
		return false, errorf(filepath.Join(r.common, "objects"), err, "reading HEAD's commit")
	}
	return !bytes.Equal(headTree, indexTree), nil
}

// checker compares index entries with the work tree.
type checker struct {
	root      *os.Root
	cfg       config
	indexTime time.Time
	okDir     string // the last directory known to be a real directory (no symlink on the way)
	dirty     bool
}

// entryDirty says whether e's file differs from the index, as git's ie_modified does.
func (c *checker) entryDirty(e *indexEntry) (bool, error) {
	if err := checkIndexPath(e.path); err != nil {
		return false, fmt.Errorf("entry %q: %w", e.path, err)
	}
	switch {
	case e.stage() != 0, e.intentToAdd():
		return true, nil // unmerged, or added with -N: differs from HEAD
	case e.modeType() == modeGitlink, e.modeType() == modeDir, e.skipWorktree(), e.assumeValid():
		return false, nil
	}
	if !c.leadingDirsReal(e.path) {
		return true, nil // a parent became a file or a symlink: the file is gone
	}
	// Every directory on the way is a real directory (checked above), and Lstat does not follow
	// the last component, so the plain path stays inside the work tree; it costs one system
	// call where the os.Root equivalent costs one per component.
	st, err := os.Lstat(filepath.Join(c.root.Name(), e.path))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true, nil
	}
	if err != nil {
		return false, errorf(filepath.Join(c.root.Name(), e.path), err, "stat")
	}
	if changed := c.typeChanged(e, st); changed {
		return true, nil
	}
	sys, _ := st.Sys().(*syscall.Stat_t)
	if sys != nil && uint32(st.Size()) != e.size && e.size != 0 {
		return true, nil
	}
	if sys != nil && statMatches(e, sys) && !c.racy(e) {
		return false, nil
	}
	sum, err := c.blobHash(e)
	if err != nil {
		return false, errorf(filepath.Join(c.root.Name(), e.path), err, "hashing")
	}
	return !bytes.Equal(sum, e.oid), nil
}

// typeChanged: a regular file became a symlink or the reverse, or the executable bit flipped
// (where core.filemode says it is tracked).
func (c *checker) typeChanged(e *indexEntry, st fs.FileInfo) bool {
	switch e.modeType() {
	case modeSymlink:
		return st.Mode().Type() != fs.ModeSymlink
	default:
		if !st.Mode().IsRegular() {
			return true
		}
		return c.cfg.fileMode && (st.Mode().Perm()&0o100 != 0) != e.executable()
	}
}

// racy is git's racy-git rule: a file modified in the same instant as (or after) the index was
// written may have changed without its stat data showing it, so its content must be compared.
func (c *checker) racy(e *indexEntry) bool {
	it := c.indexTime
	if it.IsZero() {
		return true
	}
	sec, nsec := it.Unix(), int64(it.Nanosecond())
	return int64(e.mtimeSec) > sec || int64(e.mtimeSec) == sec && int64(e.mtimeNsec) >= nsec
}

// leadingDirsReal says every directory above path is a directory and not a symlink, caching
// the last directory checked (the index is sorted, so neighbours share it).
func (c *checker) leadingDirsReal(path string) bool {
	dir := filepath.Dir(path)
	if dir == "." || dir == c.okDir || strings.HasPrefix(c.okDir, dir+"/") {
		return true
	}
	parts := strings.Split(dir, "/")
	for i := range parts {
		st, err := c.root.Lstat(strings.Join(parts[:i+1], "/"))
		if err != nil || !st.IsDir() {
			return false
		}
	}
	c.okDir = dir
	return true
}

// blobHash is the object name git gives the file's content: a symlink's target, or a regular
// file's bytes, as "blob SIZE\0" + content.
func (c *checker) blobHash(e *indexEntry) ([]byte, error) {
	h := c.cfg.format.newHash()
	if e.modeType() == modeSymlink {
		target, err := c.root.Readlink(e.path)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "blob %d\x00%s", len(target), target)
		return h.Sum(nil), nil
	}
	f, err := c.root.OpenFile(e.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("became a %s while being read", fi.Mode().Type())
	}
	h.Write([]byte("blob " + strconv.FormatInt(fi.Size(), 10) + "\x00"))
	n, err := io.Copy(h, io.LimitReader(f, fi.Size()))
	if err != nil {
		return nil, err
	}
	if n != fi.Size() {
		return nil, errors.New("shrank while being read")
	}
	return h.Sum(nil), nil
}

// checkIndexPath refuses a path git would never write to an index: absolute, with empty, "."
// or ".." components, or through a .git directory. Such a path in an index is an attack.
func checkIndexPath(p string) error {
	if strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return errors.New("absolute path or NUL in it")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." || strings.EqualFold(c, ".git") {
			return fmt.Errorf("bad path component %q", c)
		}
	}
	return nil
}
