// Package nonblock opens paths in directories other people write to (package sources, the
// configuration, a Git checkout) without ever waiting. Between a walk's Lstat and its open, a
// directory or file can be swapped for a FIFO, and a plain open(2) of a FIFO waits for a writer
// forever, under the reconciler's global lock. Every such open goes through here: O_NONBLOCK so
// nothing waits, O_DIRECTORY where a directory is meant, and a check of what was opened.
package nonblock

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// OpenDir opens the directory path for listing without blocking on whatever is at path.
func OpenDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
}

// OpenRoot is os.OpenRoot without blocking: os.OpenRoot opens its path without O_DIRECTORY and
// checks only afterwards, so a FIFO at dir would hang it. The directory is opened first, and
// the root is made from that very directory (through the process's fd directory), so a swap in
// between changes nothing.
func OpenRoot(dir string) (*os.Root, error) {
	f, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if r, err := os.OpenRoot(fmt.Sprintf("%s/%d", fdDir, f.Fd())); err == nil {
		return r, nil
	}
	// No fd directory (FreeBSD without fdescfs): the directory was just seen, so only a swap in
	// this instant could make the open below wait.
	return os.OpenRoot(dir)
}

// Open opens path for reading without blocking, whatever is there, and says what it opened.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// ReadRegular reads the regular file at path, at most max bytes (more is an error), without
// blocking on a FIFO or device swapped in for it.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, fi, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("not a regular file (%v)", fi.Mode().Type())}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d bytes", max)}
	}
	return b, err
}
