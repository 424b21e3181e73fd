package gitrev

import (
	"io"
	"os"
	"syscall"
)

// maxSmallFile bounds HEAD, a loose ref, a .git file, commondir and config.
const maxSmallFile = 1 << 20

// openRegular opens path for reading without blocking on a FIFO or device put in its place,
// and refuses anything but a regular file.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, errorf(path, err, "stat")
	}
	if fi.IsDir() {
		f.Close()
		return nil, nil, errorf(path, errIsDir, "not a regular file")
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, errorf(path, nil, "not a regular file (%s)", fi.Mode().Type())
	}
	return f, fi, nil
}

// readSmall reads a regular file of at most maxSmallFile bytes. A missing file is returned as
// the os error (errors.Is fs.ErrNotExist); anything else wrong is an *Error.
func readSmall(path string) ([]byte, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return nil, errorf(path, err, "read")
	}
	if len(b) > maxSmallFile {
		return nil, errorf(path, nil, "larger than %d bytes", maxSmallFile)
	}
	return b, nil
}
