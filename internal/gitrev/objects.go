package gitrev

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// maxObjectSize bounds an object read from the store (a commit, or a delta base of one).
	maxObjectSize = 16 << 20
	// maxDeltaDepth bounds a chain of deltas (git's own default depth is 50).
	maxDeltaDepth = 100
	// maxPacks bounds how many pack indexes are searched.
	maxPacks = 4096
)

// errObjectNotFound: no loose object and no pack has it.
var errObjectNotFound = errors.New("object not found")

// objectStore reads objects from a repository's object directory and its alternates.
type objectStore struct {
	format objectFormat
	dirs   []string // objects directories: the repository's, then its alternates
}

func newObjectStore(common string, f objectFormat) (*objectStore, error) {
	objects := filepath.Join(common, "objects")
	s := &objectStore{format: f, dirs: []string{objects}}
	path := filepath.Join(objects, "info", "alternates")
	b, err := readSmall(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(objects, line)
		}
		s.dirs = append(s.dirs, filepath.Clean(line))
	}
	return s, nil
}

// commitTree returns the tree object name (binary) of a commit.
func (s *objectStore) commitTree(commit string) ([]byte, error) {
	typ, data, err := s.read(commit, 0)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", commit, err)
	}
	if typ != "commit" {
		return nil, fmt.Errorf("%s is a %s, not a commit", commit, typ)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	h, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok || !s.format.isHexName(string(h)) {
		return nil, fmt.Errorf("commit %s does not start with a tree line", commit)
	}
	return hex.DecodeString(string(h))
}

// read returns an object's type and content, loose or packed.
func (s *objectStore) read(oid string, depth int) (string, []byte, error) {
	if depth > maxDeltaDepth {
		return "", nil, fmt.Errorf("delta chain deeper than %d", maxDeltaDepth)
	}
	for _, dir := range s.dirs {
		typ, data, err := readLoose(filepath.Join(dir, oid[:2], oid[2:]))
		if !errors.Is(err, fs.ErrNotExist) {
			return typ, data, err
		}
	}
	bin, err := hex.DecodeString(oid)
	if err != nil {
		return "", nil, err
	}
	for _, dir := range s.dirs {
		idxs, err := filepath.Glob(filepath.Join(dir, "pack", "*.idx"))
		if err != nil {
			return "", nil, err
		}
		if len(idxs) > maxPacks {
			return "", nil, fmt.Errorf("%s: more than %d packs", dir, maxPacks)
		}
		for _, idx := range idxs {
			off, found, err := packIndexLookup(idx, s.format, bin)
			if err != nil {
				return "", nil, errorf(idx, err, "corrupt pack index")
			}
			if found {
				pack := strings.TrimSuffix(idx, ".idx") + ".pack"
				typ, data, err := s.readPacked(pack, off, depth)
				if err != nil {
					return "", nil, errorf(pack, err, "object %s at offset %d", oid, off)
				}
				return typ, data, nil
			}
		}
	}
	return "", nil, errObjectNotFound
}

// readLoose inflates a loose object: "TYPE SIZE\0" and SIZE bytes.
func readLoose(path string) (string, []byte, error) {
	f, _, err := openRegular(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	z, err := zlib.NewReader(bufio.NewReader(f))
	if err != nil {
		return "", nil, errorf(path, err, "corrupt loose object")
	}
	defer z.Close()
	typ, data, err := parseLoose(z)
	if err != nil {
		return "", nil, errorf(path, err, "corrupt loose object")
	}
	return typ, data, nil
}

func parseLoose(r io.Reader) (string, []byte, error) {
	br := bufio.NewReader(io.LimitReader(r, maxObjectSize+64))
	hdr, err := br.ReadString(0)
	if err != nil || len(hdr) > 64 {
		return "", nil, errors.New("no object header")
	}
	typ, sizeText, ok := strings.Cut(strings.TrimSuffix(hdr, "\x00"), " ")
	size, err := strconv.Atoi(sizeText)
	if !ok || err != nil || size < 0 || size > maxObjectSize {
		return "", nil, fmt.Errorf("bad object header %q", hdr)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(br, data); err != nil {
		return "", nil, fmt.Errorf("shorter than its header says: %w", err)
	}
	return typ, data, nil
}

// packIndexLookup finds oid in a version-2 pack index and returns its offset in the pack.
func packIndexLookup(path string, f objectFormat, oid []byte) (int64, bool, error) {
	file, fi, err := openRegular(path)
	if err != nil {
		return 0, false, err
	}
	defer file.Close()
	var hdr [8 + 256*4]byte
	if _, err := file.ReadAt(hdr[:], 0); err != nil {
		return 0, false, err
	}
	if !bytes.Equal(hdr[:8], []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}) {
		return 0, false, fmt.Errorf("not a version 2 pack index: %w", ErrUnsupported)
	}
	fan := func(i int) int64 { return int64(binary.BigEndian.Uint32(hdr[8+4*i:])) }
	n := fan(255)
	hs := int64(f.size)
	namesAt := int64(len(hdr))
	if namesAt+n*(hs+8)+2*hs > fi.Size() {
		return 0, false, fmt.Errorf("%d objects cannot fit in %d bytes", n, fi.Size())
	}
	lo, hi := int64(0), fan(int(oid[0]))
	if oid[0] > 0 {
		lo = fan(int(oid[0]) - 1)
	}
	if lo > hi || hi > n {
		return 0, false, errors.New("fan-out table not ascending")
	}
	name := make([]byte, hs)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, err := file.ReadAt(name, namesAt+mid*hs); err != nil {
			return 0, false, err
		}
		switch c := bytes.Compare(name, oid); {
		case c < 0:
			lo = mid + 1
		case c > 0:
			hi = mid
		default:
			return packOffset(file, namesAt+n*(hs+4), n, mid)
		}
	}
	return 0, false, nil
}

// packOffset reads entry i of the offset table at off32 (with its 64-bit extension after it).
func packOffset(file *os.File, off32, n, i int64) (int64, bool, error) {
	var b [8]byte
	if _, err := file.ReadAt(b[:4], off32+4*i); err != nil {
		return 0, false, err
	}
	v := binary.BigEndian.Uint32(b[:4])
	if v&0x80000000 == 0 {
		return int64(v), true, nil
	}
	if _, err := file.ReadAt(b[:], off32+4*n+8*int64(v&0x7fffffff)); err != nil {
		return 0, false, err
	}
	o := binary.BigEndian.Uint64(b[:])
	if o > 1<<62 {
		return 0, false, errors.New("offset out of range")
	}
	return int64(o), true, nil
}

var packTypes = [8]string{1: "commit", 2: "tree", 3: "blob", 4: "tag"}

// readPacked reads the object at off in a pack, resolving deltas.
func (s *objectStore) readPacked(pack string, off int64, depth int) (string, []byte, error) {
	if depth > maxDeltaDepth {
		return "", nil, fmt.Errorf("delta chain deeper than %d", maxDeltaDepth)
	}
	file, _, err := openRegular(pack)
	if err != nil {
		return "", nil, err
	}
	defer file.Close()
	r := bufio.NewReader(io.NewSectionReader(file, off, 1<<62))
	typ, size, err := packObjectHeader(r)
	if err != nil {
		return "", nil, err
	}
	if size > maxObjectSize {
		return "", nil, fmt.Errorf("object of %d bytes", size)
	}
	var baseType string
	var base []byte
	switch typ {
	case 1, 2, 3, 4:
		data, err := inflate(r, size)
		return packTypes[typ], data, err
	case 6: // OFS_DELTA: the base is earlier in this pack
		rel, err := ofsDeltaOffset(r)
		if err != nil {
			return "", nil, err
		}
		if rel <= 0 || rel > off {
			return "", nil, fmt.Errorf("delta base offset %d out of range", rel)
		}
		baseType, base, err = s.readPacked(pack, off-rel, depth+1)
		if err != nil {
			return "", nil, err
		}
	case 7: // REF_DELTA: the base is named
		name := make([]byte, s.format.size)
		if _, err := io.ReadFull(r, name); err != nil {
			return "", nil, err
		}
		baseType, base, err = s.read(hex.EncodeToString(name), depth+1)
		if err != nil {
			return "", nil, err
		}
	default:
		return "", nil, fmt.Errorf("object type %d", typ)
	}
	delta, err := inflate(r, size)
	if err != nil {
		return "", nil, err
	}
	data, err := applyDelta(base, delta)
	return baseType, data, err
}

// packObjectHeader reads a pack entry's type and (inflated) size.
func packObjectHeader(r io.ByteReader) (int, int64, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	typ, size := int(c>>4)&7, int64(c&15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return 0, 0, errors.New("object size overflows")
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, 0, err
		}
		size |= int64(c&0x7f) << shift
	}
	return typ, size, nil
}

// ofsDeltaOffset reads an OFS_DELTA's distance back to its base.
func ofsDeltaOffset(r io.ByteReader) (int64, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	v := int64(c & 0x7f)
	for c&0x80 != 0 {
		if v > 1<<55 {
			return 0, errors.New("offset overflows")
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, err
		}
		v = (v+1)<<7 | int64(c&0x7f)
	}
	return v, nil
}

// inflate reads a zlib stream that must inflate to exactly size bytes.
func inflate(r io.Reader, size int64) ([]byte, error) {
	z, err := zlib.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(z, data); err != nil {
		return nil, fmt.Errorf("inflating: %w", err)
	}
	return data, nil
}

// applyDelta applies a git delta (source size, target size, then copy and insert
// instructions) to base.
func applyDelta(base, delta []byte) ([]byte, error) {
	r := bytes.NewReader(delta)
	srcSize, err1 := binary.ReadUvarint(r)
	dstSize, err2 := binary.ReadUvarint(r)
	if err1 != nil || err2 != nil || srcSize != uint64(len(base)) || dstSize > maxObjectSize {
		return nil, errors.New("bad delta header")
	}
	out := make([]byte, 0, dstSize)
	for r.Len() > 0 {
		op, _ := r.ReadByte()
		switch {
		case op&0x80 != 0:
			var off, n uint64
			for i := range 7 {
				if op&(1<<i) == 0 {
					continue
				}
				b, err := r.ReadByte()
				if err != nil {
					return nil, errors.New("truncated copy instruction")
				}
				if i < 4 {
					off |= uint64(b) << (8 * i)
				} else {
					n |= uint64(b) << (8 * (i - 4))
				}
			}
			if n == 0 {
				n = 0x10000
			}
			if off+n > uint64(len(base)) || uint64(len(out))+n > dstSize {
				return nil, errors.New("copy out of range")
			}
			out = append(out, base[off:off+n]...)
		case op != 0:
			if int(op) > r.Len() || uint64(len(out))+uint64(op) > dstSize {
				return nil, errors.New("insert out of range")
			}
			lit := make([]byte, op)
			r.Read(lit)
			out = append(out, lit...)
		default:
			return nil, errors.New("reserved delta instruction 0")
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, errors.New("delta result shorter than its header says")
	}
	return out, nil
}
