package archive

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// xzStream compresses b into one xz stream of blocks of at most blockSize bytes.
func xzStream(t testing.TB, b []byte, blockSize int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.WriterConfig{BlockSize: blockSize}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setFirstDict sets the dictionary code of a stream's first block and fixes the header CRC.
func setFirstDict(t testing.TB, s []byte, code byte) []byte {
	t.Helper()
	s = bytes.Clone(s)
	n := (int(s[xzHeaderLen]) + 1) * 4
	hdr := s[xzHeaderLen : xzHeaderLen+n]
	i := bytes.Index(hdr[:n-4], []byte{lzma2Filter, 1})
	if i < 0 {
		t.Fatal("no LZMA2 filter")
	}
	hdr[i+2] = code
	binary.LittleEndian.PutUint32(hdr[n-4:], crc32.ChecksumIEEE(hdr[:n-4]))
	return s
}

// TestCheckXZ: every block of every stream is found from the indexes at the end, through stream
// padding, so that a large dictionary anywhere is refused before the decoder allocates it.
func TestCheckXZ(t *testing.T) {
	data := []byte(strings.Repeat("axiom reconcile ", 4000)) // 64 000 bytes
	one := xzStream(t, data, 1<<20)
	many := xzStream(t, data, 4096)
	pad := make([]byte, 8)
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name string
		file []byte
		ok   bool
	}{
		{"one block", one, true},
		{"many blocks", many, true},
		{"two streams with padding", join(many, pad, one, pad), true},
		{"huge dictionary", setFirstDict(t, one, 40), false},
		{"invalid dictionary code", setFirstDict(t, one, 41), false},
		{"huge dictionary in the first of many blocks", setFirstDict(t, many, 40), false},
		{"huge dictionary in the first of two streams", join(setFirstDict(t, many, 40), pad, one), false},
		{"truncated", one[:len(one)-1], false},
		{"footer only", one[len(one)-12:], false},
		{"padding only", make([]byte, 16), true}, // nothing to allocate; the decoder refuses it
		{"bad backward size", func() []byte {
			b := bytes.Clone(one)
			binary.LittleEndian.PutUint32(b[len(b)-8:], 1<<30)
			return b
		}(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkXZ(bytes.NewReader(tc.file), int64(len(tc.file)), xzMaxDict)
			if (err == nil) != tc.ok {
				t.Fatalf("checkXZ = %v; want ok=%v", err, tc.ok)
			}
		})
	}
	if n := bytes.Count(many, []byte(xzMagic)); n != 1 {
		t.Fatalf("the many-block sample holds %d streams; want 1", n)
	}
	blocks := 0
	if err := eachBlock(bytes.NewReader(many), int64(len(many))-xzHeaderLen-indexLen(t, many), indexLen(t, many),
		func(int64) error { blocks++; return nil }); err != nil || blocks < 10 {
		t.Fatalf("the many-block sample has %d blocks (%v); want at least 10", blocks, err)
	}
}

func indexLen(t testing.TB, s []byte) int64 {
	t.Helper()
	return (int64(binary.LittleEndian.Uint32(s[len(s)-8:])) + 1) * 4
}

func TestLZMA2Dict(t *testing.T) {
	for code, want := range map[byte]int64{0: 4 << 10, 1: 6 << 10, 22: 8 << 20, 30: 128 << 20, 31: 192 << 20, 40: 1<<32 - 1, 41: 1 << 40} {
		if got := lzma2Dict(code); got != want {
			t.Errorf("lzma2Dict(%d) = %d; want %d", code, got, want)
		}
	}
}

// FuzzCheckXZ: checkXZ reads arbitrary bytes without panicking, looping or reading outside
// them.
func FuzzCheckXZ(f *testing.F) {
	data := []byte(strings.Repeat("fuzz ", 2000))
	f.Add(xzStream(f, data, 1<<20))
	f.Add(xzStream(f, data, 1024))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkXZ(readerAtOnly{bytes.NewReader(b)}, int64(len(b)), xzMaxDict)
	})
}

// readerAtOnly hides everything but ReadAt.
type readerAtOnly struct{ r io.ReaderAt }

func (r readerAtOnly) ReadAt(p []byte, off int64) (int, error) { return r.r.ReadAt(p, off) }
