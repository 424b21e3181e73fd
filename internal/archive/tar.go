package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// compression is how a tar stream is wrapped.
type compression uint8

const (
	plain compression = iota
	gzipped
	zstded
	xzed
	bzipped
)

func (c compression) String() string {
	switch c {
	case gzipped:
		return "gzip-compressed"
	case zstded:
		return "zstd-compressed"
	case xzed:
		return "xz-compressed"
	case bzipped:
		return "bzip2-compressed"
	}
	return "uncompressed"
}

// Suffixes lists the archive suffixes [Walk] reads, for messages.
const Suffixes = ".tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .txz, .tar.bz2 or .tbz2"

// Supported reports whether name ends in a suffix [Walk] reads: .tar, .tar.gz, .tgz, .tar.zst,
// .tar.xz, .txz, .tar.bz2 or .tbz2 (lower case).
func Supported(name string) bool {
	_, ok := compressionOf(name)
	return ok
}

// compressionOf says what the content of an archive called name must be.
func compressionOf(name string) (compression, bool) {
	for _, s := range []struct {
		suffix string
		comp   compression
	}{
		{".tar.gz", gzipped}, {".tgz", gzipped}, {".tar.zst", zstded}, {".tar.xz", xzed},
		{".txz", xzed}, {".tar.bz2", bzipped}, {".tbz2", bzipped}, {".tar", plain},
	} {
		if strings.HasSuffix(name, s.suffix) && len(name) > len(s.suffix) {
			return s.comp, true
		}
	}
	return 0, false
}

const (
	gzipMagic = "\x1f\x8b"
	zstdMagic = "\x28\xb5\x2f\xfd"
	xzMagic   = "\xfd7zXZ\x00"
	bzipMagic = "BZh" // followed by the block size, '1' to '9'
)

const (
	// zstdMaxWindow is the largest zstd window accepted: the zstd CLI's own default limit
	// for decompression (--memory=128MB), so archives made with --long still read.
	zstdMaxWindow = 128 << 20
	// xzMaxDict is the largest xz (LZMA2) dictionary accepted, for the same reason: xz -9
	// uses 64 MiB, and a larger one is a custom setting few archives use.
	xzMaxDict = 128 << 20
	// maxTrailing bounds the (decompressed) bytes accepted after the tar end-of-archive
	// marker: tar pads to its record size (10 KiB by default); more is not padding.
	maxTrailing = 1 << 20
)

// Walk reads the tar archive at path — .tar, .tar.gz/.tgz, .tar.zst, .tar.xz/.txz or
// .tar.bz2/.tbz2, chosen by the suffix and confirmed by the magic bytes — and calls fn for each entry, in archive order, as
// described in the package documentation: the whole archive is validated first, and fn is
// called in a second pass over the file. The single top-level folder, if any, is stripped;
// directories the archive implies without listing are reported (mode 0755) just before the
// first entry under them; hard links to an earlier regular file are reported as regular files
// with that file's content and mode, and [Entry.Link] naming it (the second pass may spool such
// content to an unlinked temporary file). The tar stream must be POSIX (ustar, pax or GNU, as every current
// tar writes): a pre-POSIX archive, which carries no magic, is [ErrFormat]. Trailing bytes
// after the end-of-archive marker beyond 1 MiB are [ErrFormat] too.
//
// A rejection is an [*Error]; an error from fn is returned unchanged; a cancelled ctx ends the
// walk with ctx's error.
func Walk(ctx context.Context, path string, lim Limits, fn WalkFunc) error {
	lim = lim.withDefaults()
	comp, ok := compressionOf(path)
	if !ok {
		return &Error{Archive: path, Err: ErrFormat, Reason: "name does not end in " + Suffixes}
	}
	t, err := scanTar(ctx, path, comp, lim)
	if err != nil {
		return err
	}
	return replayTar(ctx, path, comp, t, fn)
}

// tarFile is an open archive: the tar reader over the decompressed stream.
type tarFile struct {
	f    *os.File
	zr   *zstd.Decoder
	body *bufio.Reader // the decompressed stream, under tr
	tr   *tar.Reader
}

func (a *tarFile) close() {
	if a.zr != nil {
		a.zr.Close()
	}
	a.f.Close()
}

// openTar opens path and checks that its bytes are what its suffix says.
func openTar(path string, comp compression) (*tarFile, error) {
	fail := func(sentinel error, format string, args ...any) error {
		return &Error{Archive: path, Err: sentinel, Reason: fmt.Sprintf(format, args...)}
	}
	// O_NONBLOCK: opening a FIFO must not hang; it is rejected below.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &Error{Archive: path, Err: err, Reason: "cannot open"}
	}
	a := &tarFile{f: f}
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{Archive: path, Err: err, Reason: "cannot stat"}
	}
	if !fi.Mode().IsRegular() {
		return nil, fail(ErrFormat, "not a regular file (%v)", fi.Mode().Type())
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF {
		return nil, &Error{Archive: path, Err: err, Reason: "cannot read"}
	}
	if actual := sniff(head); actual != comp {
		return nil, fail(ErrFormat, "name says %s but the content is %s", comp, actual)
	}
	body, err := a.decompress(br, comp, fi.Size())
	if err != nil {
		return nil, fail(ErrFormat, "%v", err)
	}
	a.body = bufio.NewReaderSize(body, 64<<10)
	block, err := a.body.Peek(512)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fail(ErrFormat, "%d bytes are too short for a tar archive", len(block))
		}
		return nil, fail(ErrFormat, "%v", err)
	}
	if !bytes.HasPrefix(block[257:], []byte("ustar")) && !isZero(block) {
		return nil, fail(ErrFormat, "not a POSIX (ustar, pax or GNU) tar archive")
	}
	a.tr = tar.NewReader(a.body)
	ok = true
	return a, nil
}

// sniff says how the bytes that start a file are compressed. A tar header (its "ustar" magic
// at offset 257) is taken as uncompressed first, so a plain archive whose first name happens to
// start like a compressed stream ("BZh9...") is still read.
func sniff(head []byte) compression {
	switch {
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return plain
	case bytes.HasPrefix(head, []byte(gzipMagic)):
		return gzipped
	case bytes.HasPrefix(head, []byte(zstdMagic)):
		return zstded
	case bytes.HasPrefix(head, []byte(xzMagic)):
		return xzed
	case len(head) > len(bzipMagic) && bytes.HasPrefix(head, []byte(bzipMagic)) && '1' <= head[3] && head[3] <= '9':
		return bzipped
	}
	return plain
}

// decompress wraps br, the start of the archive file (size bytes long), in the decompressor
// comp names. The error is a reason for ErrFormat.
func (a *tarFile) decompress(br *bufio.Reader, comp compression, size int64) (io.Reader, error) {
	switch comp {
	case gzipped:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	case zstded:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		a.zr = zr
		return zr, nil
	case xzed:
		// The decoder allocates each block's dictionary at the size its header asks for, up
		// to 4 GiB, before reading any data: the headers are checked first.
		if err := checkXZ(a.f, size, xzMaxDict); err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		return xr, nil
	case bzipped:
		return bzip2.NewReader(br), nil // memory is bounded by the format: 900 kB blocks
	}
	return br, nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// scanTar is the first pass: it reads the whole archive and returns its validated listing.
func scanTar(ctx context.Context, path string, comp compression, lim Limits) (*tree, error) {
	a, err := openTar(path, comp)
	if err != nil {
		return nil, err
	}
	defer a.close()
	fail := func(err *Error) error {
		err.Archive = path
		return err
	}
	t := newTree(lim)
	last := ""
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := next(a.tr)
		if err == io.EOF {
			break
		}
		if err != nil {
			if last == "" {
				return nil, fail(reject(ErrFormat, "", "reading the first header: %v", err))
			}
			return nil, fail(reject(ErrFormat, "", "reading the header after entry %q: %v", last, err))
		}
		last = hdr.Name
		r := rawOf(hdr)
		if err := t.addHeader(hdr, r); err != nil {
			return nil, fail(err)
		}
		if hasContent(hdr.Typeflag) {
			n, err := io.Copy(io.Discard, &ctxReader{ctx, a.tr})
			if err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil || n != hdr.Size {
				return nil, fail(reject(ErrFormat, hdr.Name, "header claims %d bytes of content, the archive holds %d (%v)", hdr.Size, n, err))
			}
		}
	}
	// Read to the end of the (decompressed) stream, so that a damaged gzip or zstd trailer
	// is noticed; tar itself stops at its end-of-archive marker.
	n, err := io.Copy(io.Discard, io.LimitReader(a.body, maxTrailing+1))
	switch {
	case err != nil:
		return nil, fail(reject(ErrFormat, "", "after the end of the tar archive: %v", err))
	case n > maxTrailing:
		return nil, fail(reject(ErrFormat, "", "more than %d bytes follow the end of the tar archive", maxTrailing))
	}
	if err := t.finish(true); err != nil {
		return nil, fail(err)
	}
	return t, nil
}

// next is tr.Next, except that tar.ErrInsecurePath (reported when GODEBUG=tarinsecurepath=0)
// is left to this package's own, stricter checks.
func next(tr *tar.Reader) (*tar.Header, error) {
	hdr, err := tr.Next()
	if hdr != nil && errors.Is(err, tar.ErrInsecurePath) {
		err = nil
	}
	return hdr, err
}

func rawOf(hdr *tar.Header) raw {
	return raw{name: hdr.Name, flag: hdr.Typeflag, mode: hdr.Mode, size: hdr.Size, link: hdr.Linkname}
}

// addHeader validates one tar header and records it.
func (t *tree) addHeader(hdr *tar.Header, r raw) *Error {
	perm := fs.FileMode(hdr.Mode & 0o777)
	if hdr.Mode&0o4000 != 0 {
		perm |= fs.ModeSetuid
	}
	if hdr.Mode&0o2000 != 0 {
		perm |= fs.ModeSetgid
	}
	noContent := func() *Error {
		if hdr.Size != 0 {
			return reject(ErrFormat, hdr.Name, "header of a %s claims %d bytes of content", typeName(hdr.Typeflag), hdr.Size)
		}
		return nil
	}
	var err *Error
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader:
		err = t.addSkipped(r)
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		// '7' (contiguous file) is a regular file to every tar that does not preallocate,
		// GNU tar included.
		err = t.add(r, Regular, perm, hdr.Size, "")
	case tar.TypeDir:
		if e := noContent(); e != nil {
			return e
		}
		err = t.add(r, Dir, perm, 0, "")
	case tar.TypeSymlink:
		if e := noContent(); e != nil {
			return e
		}
		err = t.add(r, Symlink, perm, 0, hdr.Linkname)
	case tar.TypeLink:
		if e := noContent(); e != nil {
			return e
		}
		err = t.addHardLink(r, perm)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return reject(ErrSpecialFile, hdr.Name, "%s", typeName(hdr.Typeflag))
	default:
		return reject(ErrSpecialFile, hdr.Name, "unsupported entry type %s", typeName(hdr.Typeflag))
	}
	return err
}

// hasContent reports whether entries of a type are regular files, whose content follows them.
func hasContent(flag byte) bool {
	return flag == tar.TypeReg || flag == tar.TypeGNUSparse || flag == tar.TypeCont
}

func typeName(flag byte) string {
	switch flag {
	case tar.TypeReg:
		return "regular file"
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	case tar.TypeCont:
		return "contiguous file"
	}
	return fmt.Sprintf("%q", flag)
}

// replayTar is the second pass: it reads the archive again, checks each header against the
// listing and calls fn.
func replayTar(ctx context.Context, path string, comp compression, t *tree, fn WalkFunc) error {
	a, err := openTar(path, comp)
	if err != nil {
		return err
	}
	defer a.close()
	changed := func(entry, format string, args ...any) error {
		return &Error{Archive: path, Entry: entry, Err: ErrChanged, Reason: fmt.Sprintf(format, args...)}
	}
	sp := &spool{n: len(t.recs)} // content of hard links' targets
	defer sp.close()
	for i, rc := range t.recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := next(a.tr)
		if err != nil {
			return changed(rc.raw.name, "the first pass read this entry, the second cannot: %v", err)
		}
		if rawOf(hdr) != rc.raw {
			return changed(rc.raw.name, "the second pass finds %q (%s) in its place", hdr.Name, typeName(hdr.Typeflag))
		}
		for _, d := range rc.before {
			if err := fn(d, emptyReader{}); err != nil {
				return err
			}
		}
		if rc.skip {
			continue
		}
		e := rc.entry
		var body io.Reader
		switch {
		case rc.hardlink >= 0:
			body = sp.section(rc.hardlink, t.recs[rc.hardlink].entry.Size)
		case e.Type == Regular && rc.spool:
			if body, err = sp.tee(i, a.tr); err != nil {
				return &Error{Archive: path, Entry: rc.raw.name, Err: err, Reason: "cannot keep a hard link target's content"}
			}
		case e.Type == Regular:
			body = a.tr
		default:
			if err := fn(e, emptyReader{}); err != nil {
				return err
			}
			continue
		}
		r := &contentReader{ctx: ctx, r: body, archive: path, entry: rc.raw.name}
		if err := fn(e, r); err != nil {
			return err
		}
		if err := r.finish(e.Size); err != nil {
			return err
		}
	}
	if hdr, err := next(a.tr); err != io.EOF {
		if err == nil {
			return changed(hdr.Name, "the second pass finds an entry the first did not")
		}
		return changed("", "the second pass cannot read the end of the archive: %v", err)
	}
	return nil
}

// spool keeps the content of the entries that hard links point to, so that each link's content
// can be read again when the link comes: an unlinked temporary file, made when first needed, and
// where each of the n entries' content begins in it.
type spool struct {
	n  int
	f  *os.File
	at []int64
}

// tee returns a reader of r that copies what it reads to the spool, as entry i's content.
func (s *spool) tee(i int, r io.Reader) (io.Reader, error) {
	if s.f == nil {
		f, err := newSpool()
		if err != nil {
			return nil, err
		}
		s.f, s.at = f, make([]int64, s.n)
	}
	var err error
	if s.at[i], err = s.f.Seek(0, io.SeekEnd); err != nil {
		return nil, err
	}
	return io.TeeReader(r, s.f), nil
}

// section returns a reader of entry i's content, size bytes, kept by tee.
func (s *spool) section(i int, size int64) io.Reader {
	return io.NewSectionReader(s.f, s.at[i], size)
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
	}
}

// newSpool returns an unlinked temporary file.
func newSpool() (*os.File, error) {
	f, err := os.CreateTemp("", "axiom-archive-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
