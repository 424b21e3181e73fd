package source

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"io/fs"
	"slices"

	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// buildIDTag starts every encoding; a new encoding gets a new tag, and so new ids.
const buildIDTag = "axiom-build-id/v1"

// BuildIDLen is the length of a build-id: 24 lowercase hexadecimal digits (96 bits).
const BuildIDLen = 24

// BuildID returns the build-id of a package with manifest m, dependencies d and root/ tree
// files (in any order). It is the first 24 lowercase hexadecimal digits of the SHA-256 of this
// byte string, where str(b) is u64(len(b)) followed by b, and u64, u32 and u8 are unsigned
// big-endian integers of 8, 4 and 1 bytes:
//
//	str("axiom-build-id/v1")
//	str(m.Marshal())          the normalized manifest.yaml
//	str(d.Marshal())          the normalized deps.yaml; pkgmeta.Deps{} for a package without one
//	u64(n)                    the number of entries under root/ (root/ itself is not one)
//	n times, sorted by path in byte order:
//	  u8(type)                1 regular file, 2 directory, 3 symlink, 4 hard link (a regular
//	                          file with Link set)
//	  u32(mode)               the mode as Scan records it, as Unix permission bits: 0o644 or
//	                          0o755 for a regular file, plus 0o4000 for setuid and 0o2000 for
//	                          setgid; 0o755 for a directory, 0o777 for a symlink (see [File])
//	  str(path)               relative to root/, slash-separated, clean
//	  str(payload)            regular file: the 32-byte SHA-256 of its content; directory: empty;
//	                          symlink: its target, as shipped; hard link: the path (relative to
//	                          root/) of the file it is another name of
//
// Every field has a fixed width or a length prefix, so the byte string decodes one way only:
// packages that differ in manifest, dependencies, a path, type, mode, content or symlink target
// get different ids (up to a collision of 96-bit SHA-256 prefixes), and so do two packages
// that differ only in whether two names are one file or two copies. Everything else is left
// out on purpose: provenance (it says where a copy came from, not what it is), owners, times,
// the order of entries in an archive (which also decides nothing about hard links: the first
// name in byte order is the file), the archive's format and compression, a stripped top-level
// folder, the mode of root/ itself, and every mode bit but the execute, setuid and setgid bits
// of a regular file (Scan normalises modes; see [File]). So the same package, as a directory or
// as any archive, on any machine and under any umask, has the same id.
//
// Setid bits and hard links entered this encoding after its first use without a new tag: the
// encoding of a package with neither is unchanged, so their ids stayed the same.
//
// The manifest and deps enter as pkgmeta writes them, so a change to pkgmeta's writer changes
// ids; such a change must be treated like a new tag.
func BuildID(m pkgmeta.Manifest, d pkgmeta.Deps, files []File) string {
	h := sha256.New()
	writeCanonical(h, m.Marshal(), d.Marshal(), files)
	return hex.EncodeToString(h.Sum(nil))[:BuildIDLen]
}

// hardLinkType is the type byte of a hard link in the encoding; the others are FileType's.
const hardLinkType = 4

// unixMode returns a mode's permission bits with setuid and setgid as Unix writes them.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	return u
}

// writeCanonical writes the encoding BuildID hashes.
func writeCanonical(w io.Writer, manifest, deps []byte, files []File) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	var buf []byte
	str := func(s []byte) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	str([]byte(buildIDTag))
	str(manifest)
	str(deps)
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(files)))
	for _, f := range files {
		typ := byte(f.Type)
		if f.Type == Regular && f.Link != "" {
			typ = hardLinkType
		}
		buf = append(buf, typ)
		buf = binary.BigEndian.AppendUint32(buf, unixMode(f.Mode))
		str([]byte(f.Path))
		switch {
		case typ == hardLinkType:
			str([]byte(f.Link))
		case f.Type == Regular:
			str(f.SHA256[:])
		case f.Type == Symlink:
			str([]byte(f.Target))
		default:
			str(nil)
		}
		if len(buf) > 64<<10 {
			w.Write(buf) // w is a hash or a buffer: writes cannot fail
			buf = buf[:0]
		}
	}
	w.Write(buf)
}
