package archive

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The xz container (tukaani.org/xz/xz-file-format.txt) puts the filter settings of each block,
// the LZMA2 dictionary size among them, in the block's header, and the decoder allocates that
// dictionary in full before it decodes a byte: a few dozen bytes can ask for 4 GiB. checkXZ
// reads each stream's index from the end of the file to find every block header, and refuses
// a dictionary over the limit before the decoder sees any. The decoder still checks everything
// else (checksums included); what is checked here is only what it needs to find the headers.

const (
	xzHeaderLen = 12 // stream header and stream footer
	lzma2Filter = 0x21
)

// checkXZ checks every block header of the (possibly multi-stream) xz file r, size bytes long:
// each must ask for an LZMA2 dictionary of at most maxDict bytes. The error is a reason for
// ErrFormat.
func checkXZ(r io.ReaderAt, size, maxDict int64) error {
	end := size
	for end > 0 {
		var err error
		if end, err = skipPadding(r, end); err != nil || end == 0 {
			return err
		}
		start, err := checkStream(r, end, maxDict)
		if err != nil {
			return err
		}
		end = start
	}
	return nil
}

// skipPadding returns where the stream padding (zero bytes, in fours) before end begins.
func skipPadding(r io.ReaderAt, end int64) (int64, error) {
	var b [4]byte
	for end >= 4 {
		if _, err := r.ReadAt(b[:], end-4); err != nil {
			return 0, err
		}
		if b != [4]byte{} {
			break
		}
		end -= 4
	}
	return end, nil
}

// checkStream checks the blocks of the stream that ends at end and returns where it starts.
func checkStream(r io.ReaderAt, end, maxDict int64) (int64, error) {
	if end < 2*xzHeaderLen {
		return 0, errors.New("truncated stream")
	}
	var footer [xzHeaderLen]byte
	if _, err := r.ReadAt(footer[:], end-xzHeaderLen); err != nil {
		return 0, err
	}
	if string(footer[10:]) != "YZ" {
		return 0, errors.New("no stream footer at the end (truncated?)")
	}
	indexLen := (int64(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
	indexAt := end - xzHeaderLen - indexLen
	if indexAt < xzHeaderLen {
		return 0, errors.New("index larger than the stream")
	}
	var blocks int64
	err := eachBlock(r, indexAt, indexLen, func(padded int64) error {
		if blocks += padded; blocks > indexAt-xzHeaderLen {
			return errors.New("blocks larger than the stream")
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	start := indexAt - blocks - xzHeaderLen
	var head [6]byte
	if _, err := r.ReadAt(head[:], start); err != nil || string(head[:]) != xzMagic {
		return 0, errors.New("the index does not lead to a stream header")
	}
	at := start + xzHeaderLen
	err = eachBlock(r, indexAt, indexLen, func(padded int64) error {
		if err := checkBlockHeader(r, at, maxDict); err != nil {
			return fmt.Errorf("block at byte %d: %w", at, err)
		}
		at += padded
		return nil
	})
	return start, err
}

// eachBlock reads the index at [at, at+n) and calls fn with each block's size, padded to a
// multiple of four, in order.
func eachBlock(r io.ReaderAt, at, n int64, fn func(padded int64) error) error {
	br := bufio.NewReader(io.NewSectionReader(r, at, n))
	if b, err := br.ReadByte(); err != nil || b != 0 {
		return errors.New("no index where the footer says")
	}
	count, err := readVarint(br)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	for range count {
		unpadded, err := readVarint(br)
		if err == nil {
			_, err = readVarint(br) // the uncompressed size
		}
		if err != nil {
			return fmt.Errorf("index: %w", err)
		}
		if unpadded < 5 || unpadded > 1<<62 {
			return fmt.Errorf("index: impossible block size %d", unpadded)
		}
		if err := fn(int64(unpadded+3) &^ 3); err != nil {
			return err
		}
	}
	return nil
}

// checkBlockHeader checks the filters of the block header at at.
func checkBlockHeader(r io.ReaderAt, at, maxDict int64) error {
	var sizeByte [1]byte
	if _, err := r.ReadAt(sizeByte[:], at); err != nil {
		return err
	}
	n := (int64(sizeByte[0]) + 1) * 4
	if sizeByte[0] == 0 {
		return errors.New("no block header")
	}
	br := bufio.NewReader(io.NewSectionReader(r, at+1, n-1))
	flags, err := br.ReadByte()
	if err != nil {
		return err
	}
	for _, present := range []byte{0x40, 0x80} { // compressed, uncompressed size
		if flags&present != 0 {
			if _, err := readVarint(br); err != nil {
				return err
			}
		}
	}
	for range flags&3 + 1 {
		if err := checkFilter(br, maxDict); err != nil {
			return err
		}
	}
	return nil
}

// checkFilter reads one filter's flags and checks an LZMA2 filter's dictionary size.
func checkFilter(br *bufio.Reader, maxDict int64) error {
	id, err := readVarint(br)
	if err != nil {
		return err
	}
	n, err := readVarint(br)
	if err != nil {
		return err
	}
	if n > 1<<10 {
		return fmt.Errorf("filter properties of %d bytes", n)
	}
	props := make([]byte, n)
	if _, err := io.ReadFull(br, props); err != nil {
		return err
	}
	if id != lzma2Filter || n != 1 {
		return nil // the decoder judges other filters
	}
	if dict := lzma2Dict(props[0]); dict > maxDict {
		return fmt.Errorf("dictionary of %d bytes; at most %d are accepted", dict, maxDict)
	}
	return nil
}

// lzma2Dict decodes an LZMA2 dictionary-size byte; codes over 40 (invalid) count as huge.
func lzma2Dict(code byte) int64 {
	switch {
	case code > 40:
		return 1 << 40
	case code == 40:
		return 1<<32 - 1
	}
	return int64(2|code&1) << (code/2 + 11)
}

// readVarint reads an xz multibyte integer: up to nine bytes, seven bits each, low first.
func readVarint(br io.ByteReader) (uint64, error) {
	var v uint64
	for i := range 9 {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			if b == 0 && i > 0 {
				return 0, errors.New("non-minimal integer")
			}
			return v, nil
		}
	}
	return 0, errors.New("integer too long")
}
