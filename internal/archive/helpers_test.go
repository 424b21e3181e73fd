package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// member is one entry of an archive built by a test.
type member struct {
	hdr  tar.Header
	body string
}

func file(name, body string) member {
	return member{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))}, body: body}
}

func fileMode(name, body string, mode int64) member {
	m := file(name, body)
	m.hdr.Mode = mode
	return m
}

func dir(name string) member {
	return member{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

func symlink(name, target string) member {
	return member{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func hardlink(name, target string) member {
	return member{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644}}
}

func special(name string, flag byte) member {
	return member{hdr: tar.Header{Typeflag: flag, Name: name, Mode: 0o644, Devmajor: 1, Devminor: 3}}
}

// tarOf writes members with archive/tar's writer.
func tarOf(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("writing header %q: %v", h.Name, err)
		}
		if _, err := io.WriteString(tw, m.body); err != nil {
			t.Fatalf("writing %q: %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdOf(t testing.TB, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

func xzOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	// A small dictionary: the default 8 MiB costs the encoder (and every decoder, which
	// allocates what the header asks) more than the fuzzer's whole run of an input.
	xw, err := xz.WriterConfig{DictCap: 64 << 10}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xzWithDict returns the single-block xz stream b with its LZMA2 dictionary-size code set to
// code (30 is 128 MiB, 31 is 192 MiB, 40 is 4 GiB) and the block header's CRC32 fixed, as a hostile archive
// would ask for a dictionary the decoder allocates up front.
func xzWithDict(t testing.TB, b []byte, code byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	const at = 12 // the first block header follows the 12-byte stream header
	n := (int(b[at]) + 1) * 4
	hdr := b[at : at+n]
	i := bytes.Index(hdr[:n-4], []byte{0x21, 0x01})
	if i < 0 {
		t.Fatal("no LZMA2 filter in the first block header")
	}
	hdr[i+2] = code
	binary.LittleEndian.PutUint32(hdr[n-4:], crc32.ChecksumIEEE(hdr[:n-4]))
	return b
}

// bzip2Of compresses with the bzip2 program: the standard library only decompresses. The
// tests need it installed (Debian: bzip2), as the committed samples need GNU tar to remake.
func bzip2Of(t testing.TB, b []byte) []byte {
	t.Helper()
	cmd := exec.Command("bzip2", "-c", "-9")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bzip2 (the tests need the bzip2 program): %v", err)
	}
	return out
}

// compressFor returns b compressed as the suffix of name asks.
func compressFor(t testing.TB, name string, b []byte) []byte {
	switch filepath.Ext(name) {
	case ".gz", ".tgz":
		return gzipOf(t, b)
	case ".zst":
		return zstdOf(t, b)
	case ".xz", ".txz":
		return xzOf(t, b)
	case ".bz2", ".tbz2":
		return bzip2Of(t, b)
	}
	return b
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// got is what a walk reported for one entry.
type got struct {
	archive.Entry
	Content string
}

func walkAll(t testing.TB, p string, lim archive.Limits) ([]got, error) {
	t.Helper()
	var out []got
	walk := archive.Walk
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		walk = archive.WalkDir
	}
	err := walk(context.Background(), p, lim, func(e archive.Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if int64(len(b)) != e.Size {
			t.Errorf("%s: reader gave %d bytes, Size is %d", e.Path, len(b), e.Size)
		}
		out = append(out, got{Entry: e, Content: string(b)})
		return nil
	})
	return out, err
}

// wantReject checks that err is an *archive.Error for archive p and entry, wrapping sentinel.
func wantReject(t *testing.T, err error, p, entry string, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v; want one wrapping %q", err, sentinel)
	}
	var ae *archive.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *archive.Error", err)
	}
	if ae.Archive != p {
		t.Errorf("Error.Archive = %q; want %q", ae.Archive, p)
	}
	if ae.Entry != entry {
		t.Errorf("Error.Entry = %q; want %q (error: %v)", ae.Entry, entry, err)
	}
}
