package gitrev

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

const (
	// MaxIndexSize bounds the index file. It is read as a stream; what stays in memory is the
	// content of the trees being hashed, at most about the index's size. An index of a million
	// files is about 100 MiB; a configuration repository's is a few hundred KiB.
	MaxIndexSize = 128 << 20
	// maxIndexPath bounds one entry's path.
	maxIndexPath = 1 << 16

	modeTypeMask = 0o170000
	modeRegular  = 0o100000
	modeSymlink  = 0o120000
	modeGitlink  = 0o160000
	modeDir      = 0o040000 // a sparse index's directory entry

	flagAssumeValid = 0x8000
	flagExtended    = 0x4000
	flagStageMask   = 0x3000
	flagNameMask    = 0x0fff

	extFlagReserved     = 0x8000
	extFlagSkipWorktree = 0x4000
	extFlagIntentToAdd  = 0x2000
)

// indexEntry is one entry of the index (only the fields this package uses).
type indexEntry struct {
	ctimeSec, ctimeNsec uint32
	mtimeSec, mtimeNsec uint32
	ino, mode           uint32
	uid, gid, size      uint32
	oid                 []byte
	flags, extFlags     uint16
	path                string
}

func (e *indexEntry) stage() int         { return int(e.flags&flagStageMask) >> 12 }
func (e *indexEntry) assumeValid() bool  { return e.flags&flagAssumeValid != 0 }
func (e *indexEntry) skipWorktree() bool { return e.extFlags&extFlagSkipWorktree != 0 }
func (e *indexEntry) intentToAdd() bool  { return e.extFlags&extFlagIntentToAdd != 0 }
func (e *indexEntry) modeType() uint32   { return e.mode & modeTypeMask }
func (e *indexEntry) executable() bool   { return e.mode&0o100 != 0 }

// indexReader reads the index as a stream, hashing everything it reads for the trailing
// checksum and counting bytes so that no length in the file can make it read past its end.
type indexReader struct {
	r      *bufio.Reader
	h      hash.Hash
	off    int64
	size   int64
	format objectFormat
}

func (ir *indexReader) full(b []byte) error {
	if ir.off+int64(len(b)) > ir.size {
		return io.ErrUnexpectedEOF
	}
	if _, err := io.ReadFull(ir.r, b); err != nil {
		return err
	}
	ir.h.Write(b)
	ir.off += int64(len(b))
	return nil
}

func (ir *indexReader) byte() (byte, error) {
	var b [1]byte
	err := ir.full(b[:])
	return b[0], err
}

// cstring reads up to and including a NUL, returning the bytes before it.
func (ir *indexReader) cstring() ([]byte, error) {
	var out []byte
	for {
		c, err := ir.byte()
		if err != nil {
			return nil, err
		}
		if c == 0 {
			return out, nil
		}
		if len(out) == maxIndexPath {
			return nil, fmt.Errorf("path longer than %d bytes", maxIndexPath)
		}
		out = append(out, c)
	}
}

// varint reads git's offset varint (index v4 prefix lengths).
func (ir *indexReader) varint() (uint64, error) {
	c, err := ir.byte()
	if err != nil {
		return 0, err
	}
	v := uint64(c & 0x7f)
	for c&0x80 != 0 {
		if v > (1<<56)-1 {
			return 0, errors.New("varint overflows")
		}
		if c, err = ir.byte(); err != nil {
			return 0, err
		}
		v = ((v + 1) << 7) | uint64(c&0x7f)
	}
	return v, nil
}

// parseIndex reads an index of size bytes (versions 2, 3 and 4) and calls fn for every entry in
// file order, then skips the extensions and checks the trailing checksum (unless it is all zero,
// as with index.skipHash). It returns the index version.
func parseIndex(r io.Reader, size int64, f objectFormat, fn func(*indexEntry) error) (int, error) {
	ir := &indexReader{r: bufio.NewReaderSize(r, 64<<10), h: f.newHash(), size: size, format: f}
	if size > MaxIndexSize {
		return 0, fmt.Errorf("larger than %d bytes", MaxIndexSize)
	}
	var hdr [12]byte
	if err := ir.full(hdr[:]); err != nil {
		return 0, fmt.Errorf("header: %w", err)
	}
	if string(hdr[:4]) != "DIRC" {
		return 0, errors.New(`no "DIRC" signature`)
	}
	version := int(binary.BigEndian.Uint32(hdr[4:]))
	if version < 2 || version > 4 {
		return version, fmt.Errorf("version %d (2, 3 or 4 expected)", version)
	}
	count := int64(binary.BigEndian.Uint32(hdr[8:]))
	if count*int64(40+f.size+3) > size {
		return version, fmt.Errorf("%d entries cannot fit in %d bytes", count, size)
	}
	var prev string
	for i := int64(0); i < count; i++ {
		e, err := ir.entry(version, prev)
		if err != nil {
			return version, fmt.Errorf("entry %d (after %q): %w", i, prev, err)
		}
		if err := fn(e); err != nil {
			return version, err
		}
		prev = e.path
	}
	if err := ir.extensions(); err != nil {
		return version, err
	}
	return version, ir.trailer()
}

// entry reads one entry; prev is the previous entry's path (index v4 strips a prefix of it).
func (ir *indexReader) entry(version int, prev string) (*indexEntry, error) {
	fixed := make([]byte, 40+ir.format.size+2)
	if err := ir.full(fixed); err != nil {
		return nil, err
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(fixed[4*i:]) }
	e := &indexEntry{
		ctimeSec: u(0), ctimeNsec: u(1), mtimeSec: u(2), mtimeNsec: u(3),
		ino: u(5), mode: u(6), uid: u(7), gid: u(8), size: u(9),
		oid:   fixed[40 : 40+ir.format.size],
		flags: binary.BigEndian.Uint16(fixed[40+ir.format.size:]),
	}
	n := len(fixed)
	if e.flags&flagExtended != 0 {
		if version < 3 {
			return nil, errors.New("extended flags in a version 2 index")
		}
		var x [2]byte
		if err := ir.full(x[:]); err != nil {
			return nil, err
		}
		e.extFlags = binary.BigEndian.Uint16(x[:])
		if e.extFlags&extFlagReserved != 0 {
			return nil, errors.New("reserved extended flag set")
		}
		n += 2
	}
	if err := ir.path(e, version, prev, n); err != nil {
		return nil, err
	}
	switch e.modeType() {
	case modeRegular, modeSymlink, modeGitlink, modeDir:
	default:
		return nil, fmt.Errorf("%q: mode %o", e.path, e.mode)
	}
	return e, nil
}

// path reads an entry's path: NUL-terminated and padded to 8 bytes (v2, v3), or a prefix of the
// previous path plus a NUL-terminated suffix (v4). n is the entry's length so far.
func (ir *indexReader) path(e *indexEntry, version int, prev string, n int) error {
	if version == 4 {
		strip, err := ir.varint()
		if err != nil {
			return err
		}
		if strip > uint64(len(prev)) {
			return fmt.Errorf("strips %d bytes of a %d-byte path", strip, len(prev))
		}
		suffix, err := ir.cstring()
		if err != nil {
			return err
		}
		e.path = prev[:len(prev)-int(strip)] + string(suffix)
	} else {
		p, err := ir.cstring()
		if err != nil {
			return err
		}
		e.path = string(p)
		pad := make([]byte, (n+len(p)+8)&^7-(n+len(p)+1))
		if err := ir.full(pad); err != nil {
			return err
		}
		if bytes.Count(pad, []byte{0}) != len(pad) {
			return errors.New("padding is not NUL")
		}
	}
	if e.path == "" || len(e.path) > maxIndexPath {
		return fmt.Errorf("path of %d bytes", len(e.path))
	}
	if l := int(e.flags & flagNameMask); l != flagNameMask && l != len(e.path) {
		return fmt.Errorf("%q: name length %d in flags", e.path, l)
	}
	return nil
}

// extensions skips every extension after the entries. A split index ("link") keeps entries in
// another file and is refused; unknown optional extensions (upper-case signature) are skipped
// as git skips them, unknown required ones are refused as git refuses them.
func (ir *indexReader) extensions() error {
	for ir.size-ir.off > int64(ir.format.size) {
		var hdr [8]byte
		if err := ir.full(hdr[:]); err != nil {
			return fmt.Errorf("extension header: %w", err)
		}
		sig, n := string(hdr[:4]), int64(binary.BigEndian.Uint32(hdr[4:]))
		if sig == "link" {
			return fmt.Errorf("split index: %w", ErrUnsupported)
		}
		if (sig[0] < 'A' || sig[0] > 'Z') && sig != "sdir" {
			return fmt.Errorf("required extension %q: %w", sig, ErrUnsupported)
		}
		if n > ir.size-ir.off-int64(ir.format.size) {
			return fmt.Errorf("extension %q of %d bytes runs past the end", sig, n)
		}
		if _, err := io.CopyN(ir.h, ir.r, n); err != nil {
			return fmt.Errorf("extension %q: %w", sig, err)
		}
		ir.off += n
	}
	return nil
}

// trailer checks the checksum over everything before it.
func (ir *indexReader) trailer() error {
	want := make([]byte, ir.format.size)
	if ir.size-ir.off != int64(len(want)) {
		return fmt.Errorf("%d bytes where the %d-byte checksum should be", ir.size-ir.off, len(want))
	}
	got := ir.h.Sum(nil)
	if _, err := io.ReadFull(ir.r, want); err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	if !bytes.Equal(want, got) && !bytes.Equal(want, make([]byte, len(want))) {
		return errors.New("checksum mismatch")
	}
	return nil
}
