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
//
// The digest is defined over entries, not over a directory: [Sum] computes it from a list of
// them, so that a caller that knows what a tree holds (realize knows every file's content hash
// from the packages it merged) can name the tree without reading it back; [Digest] reads the
// tree and gives the same value for the same entries.
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
	"slices"
	"strings"
)

// Prefix starts every digest.
const Prefix = "sha256:"

// Type is an entry's type, as the encoding writes it.
type Type byte

// The types of entry.
const (
	File    Type = 1
	Dir     Type = 2
	Symlink Type = 3
	Other   Type = 4
)

// Entry is one entry of a tree.
type Entry struct {
	// Path is relative to the top, slash-separated and clean.
	Path string
	Type Type
	// Mode: the permission bits with fs.ModeSetuid, fs.ModeSetgid and fs.ModeSticky; other
	// bits are ignored.
	Mode fs.FileMode
	// SHA256 is a file's content hash; Target a symlink's target.
	SHA256 [32]byte
	Target string
}

// Sum returns the digest of a tree holding exactly entries, in any order.
func Sum(entries []Entry) string {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int { return walkOrder(a.Path, b.Path) })
	h := sha256.New()
	str := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, e := range entries {
		var head [5]byte
		head[0] = byte(e.Type)
		binary.BigEndian.PutUint32(head[1:], mode(e.Mode))
		h.Write(head[:])
		str([]byte(e.Path))
		switch e.Type {
		case File:
			str(e.SHA256[:])
		case Symlink:
			str([]byte(e.Target))
		default:
			str(nil)
		}
	}
	return Prefix + hex.EncodeToString(h.Sum(nil))
}

// walkOrder orders paths as a depth-first walk visits them with each directory's names in byte
// order: component by component, a directory before what is in it. A "/" ranks below every
// byte a name can hold (names hold no NUL), which gives that order in one byte-wise compare.
func walkOrder(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return -1
		}
		if cb == '/' {
			return 1
		}
		return int(ca) - int(cb)
	}
	return len(a) - len(b)
}

// Digest returns the digest of the tree at dir, reading every file. ctx is checked between
// entries.
func Digest(ctx context.Context, dir string) (string, error) {
	entries, err := Read(ctx, dir)
	if err != nil {
		return "", err
	}
	return Sum(entries), nil
}

// Read returns the entries below dir (not dir itself), reading and hashing every file. ctx is
// checked between entries.
func Read(ctx context.Context, dir string) ([]Entry, error) {
	var out []Entry
	buf := make([]byte, 64<<10)
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
		info, err := d.Info()
		if err != nil {
			return err
		}
		e, err := entry(p, info, buf)
		if err != nil {
			return err
		}
		e.Path = filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("digest of %s: %w", dir, err)
	}
	return out, nil
}

func entry(p string, info fs.FileInfo, buf []byte) (Entry, error) {
	e := Entry{Mode: info.Mode()}
	switch {
	case info.Mode().IsRegular():
		e.Type = File
		f, err := os.Open(p)
		if err != nil {
			return e, err
		}
		defer f.Close()
		fh := sha256.New()
		if _, err := io.CopyBuffer(fh, f, buf); err != nil {
			return e, err
		}
		fh.Sum(e.SHA256[:0])
	case info.IsDir():
		e.Type = Dir
	case info.Mode()&fs.ModeSymlink != 0:
		e.Type = Symlink
		t, err := os.Readlink(p)
		if err != nil {
			return e, err
		}
		e.Target = t
	default:
		e.Type = Other
	}
	return e, nil
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
