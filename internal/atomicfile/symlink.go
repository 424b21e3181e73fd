package atomicfile

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Symlink points path at target atomically and durably, the way WriteFile writes a file: a new
// symbolic link under a temporary name in path's directory, renamed over path, then the
// directory fsynced. Readers see the old target or the new one, never no link. The temporary
// name is ".<base>.<random>.tmp", as WriteFile's; a crash before the rename can leave it behind.
// beforeRename, when not nil, runs once the temporary link exists (crash tests stop there).
func Symlink(target, path string, beforeRename func()) error {
	dir, base := filepath.Split(path)
	if base == "" {
		return &fs.PathError{Op: "atomicfile.Symlink", Path: path, Err: errors.New("path names a directory")}
	}
	if dir == "" {
		dir = "."
	}
	tmp, err := tempLink(target, dir, base)
	if err != nil {
		return err
	}
	if beforeRename != nil {
		beforeRename()
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp) // best effort: the switch already failed
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: %s replaced, but fsync of its directory failed: %w", path, err)
	}
	return nil
}

// tempLink makes the link under a fresh temporary name in dir.
func tempLink(target, dir, base string) (string, error) {
	for range 10 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		tmp := filepath.Join(dir, "."+base+"."+strconv.FormatUint(binary.LittleEndian.Uint64(b[:]), 10)+".tmp")
		err := os.Symlink(target, tmp)
		if err == nil {
			return tmp, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("atomicfile: create temporary link for %s: %w", filepath.Join(dir, base), err)
		}
	}
	return "", fmt.Errorf("atomicfile: no free temporary name for %s", filepath.Join(dir, base))
}
