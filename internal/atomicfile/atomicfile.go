package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile writes data to path atomically and durably: when it returns nil, path holds data
// with permission bits perm, and the change survives a crash. When it returns an error, path is
// unchanged (or, if the final directory fsync failed, already replaced but perhaps not durable)
// and no temporary file is left behind.
//
// Unlike os.WriteFile, perm is applied exactly, without the process umask, so that a file's mode
// is part of what the caller decides. Only the permission bits of perm are used. A file that path
// names is replaced, not written through: if path is a symbolic link, the link is replaced by a
// regular file (resolve it first with filepath.EvalSymlinks to write the file it points to). The
// new file belongs to the calling user; ownership, extended attributes and ACLs of a file it
// replaces are not carried over.
//
// The temporary file is named ".<base>.<random>.tmp" in path's directory. A crash between its
// creation and the rename can leave one behind; such files are garbage and may be removed.
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return &fs.PathError{Op: "atomicfile.WriteFile", Path: path, Err: errors.New("path names a directory")}
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("atomicfile: create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if err != nil && !renamed {
			f.Close()      // may already be closed; the error is then irrelevant
			os.Remove(tmp) // best effort: the write already failed
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", tmp, err)
	}
	if err = f.Chmod(perm.Perm()); err != nil {
		return fmt.Errorf("atomicfile: chmod %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	// From here on the new content is in place; the temporary name no longer exists.
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: %s replaced, but fsync of its directory failed: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		// Some file systems cannot fsync a directory; their renames are as durable as they get.
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
