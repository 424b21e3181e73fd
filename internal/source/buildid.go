package source

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
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
//	  u8(type)                1 regular file, 2 directory, 3 symlink
//	  u32(mode)               f.Mode.Perm(): as Scan records it, 0o644 or 0o755 for a regular file,
//	                          0o755 for a directory, 0o777 for a symlink (see [File])
//	  str(path)               relative to root/, slash-separated, clean
//	  str(payload)            regular file: the 32-byte SHA-256 of its content; directory: empty;
//	                          symlink: its target
//
// Every field has a fixed width or a length prefix, so the byte string decodes one way only:
// packages that differ in manifest, dependencies, a path, type, mode, content or symlink target
// get different ids (up to a collision of 96-bit SHA-256 prefixes). Everything else is left
// out on purpose: provenance (it says where a copy came from, not what it is), owners, times,
// the order of entries in an archive, the archive's format and compression, a stripped
// top-level folder, hard links (read as regular files), the mode of root/ itself, and every
// mode bit but the execute bit of a regular file (Scan normalises modes; see [File]). So the
// same package, as a directory or as any archive, on any machine and under any umask, has the
// same id.
//
// The manifest and deps enter as pkgmeta writes them, so a change to pkgmeta's writer changes
// ids; such a change must be treated like a new tag.
func BuildID(m pkgmeta.Manifest, d pkgmeta.Deps, files []File) string {
	h := sha256.New()
	writeCanonical(h, m.Marshal(), d.Marshal(), files)
	return hex.EncodeToString(h.Sum(nil))[:BuildIDLen]
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
		buf = append(buf, byte(f.Type))
		buf = binary.BigEndian.AppendUint32(buf, uint32(f.Mode.Perm()))
		str([]byte(f.Path))
		switch f.Type {
		case Regular:
			str(f.SHA256[:])
		case Symlink:
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
