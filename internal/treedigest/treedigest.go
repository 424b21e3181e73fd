// Package treedigest names the content of a directory tree with one digest, so that a
// generation's files can be compared later with what was written when it was realized
// (`verify --deep`) without keeping a list of them.
//
// The digest is "sha256:" and the lowercase hex SHA-256 of, for every entry below the top (not
// the top itself), depth first with each directory's names in byte order, where str(b) is u64(len(b)) followed by b, all
// integers unsigned big-endian:
//
//	u8(type)      1 regular file, 2 directory, 3 symlink, 4 anything else
//	u32(mode)     permission bits with 0o4000 setuid, 0o2000 setgid, 0o1000 sticky
//	str(path)     relative to the top, slash-separated
//	str(payload)  regular file: the 32-byte SHA-256 of its content; symlink: its target;
//	              otherwise empty
//
// Symlinks are never followed. Owners and times are left out: they are not what a generation
// promises.
package treedigest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Prefix starts every digest.
const Prefix = "sha256:"

// Digest returns the digest of the tree at dir. ctx is checked between entries.
func Digest(ctx context.Context, dir string) (string, error) {
	h := sha256.New()
	buf := make([]byte, 64<<10)
	str := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	// WalkDir's order: depth first, each directory's names sorted.
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		typ, payload, err := entry(p, info, buf)
		if err != nil {
			return err
		}
		var head [5]byte
		head[0] = typ
		binary.BigEndian.PutUint32(head[1:], mode(info.Mode()))
		h.Write(head[:])
		str([]byte(filepath.ToSlash(rel)))
		str(payload)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("digest of %s: %w", dir, err)
	}
	return Prefix + hex.EncodeToString(h.Sum(nil)), nil
}

func entry(p string, info fs.FileInfo, buf []byte) (byte, []byte, error) {
	switch {
	case info.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return 0, nil, err
		}
		defer f.Close()
		fh := sha256.New()
		if _, err := io.CopyBuffer(fh, f, buf); err != nil {
			return 0, nil, err
		}
		return 1, fh.Sum(nil), nil
	case info.IsDir():
		return 2, nil, nil
	case info.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(p)
		return 3, []byte(t), err
	}
	return 4, nil, nil
}

func mode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}
