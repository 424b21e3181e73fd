package signature

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format constants.
const (
	// FileName is the signature file's name, at the top of the package directory.
	FileName = "manifest.sig"
	// Algorithm is the only signature algorithm of format version 1.
	Algorithm = "ed25519"
	// MaxManifestSize bounds manifest.sig. Upstream reads at most 1 MiB, about 8 000 files.
	MaxManifestSize = 16 << 20
	// MaxPathLen bounds one path in manifest.sig, in bytes.
	MaxPathLen = 4096
	// formatVersion is the only version this package reads and writes.
	formatVersion = 1
)

// File is one regular file of a package: its path relative to the package directory
// (slash-separated, clean, e.g. "manifest.yaml" or "root/usr/bin/hello") and the SHA-256 of its
// content.
type File struct {
	Path   string
	SHA256 [32]byte
}

// Manifest is a parsed manifest.sig. Only Files and Signature are covered by the signature;
// KeyID selects the key, and Signer and Timestamp are the signer's unauthenticated claims.
type Manifest struct {
	// KeyID is the 16 upper-case hexadecimal digits naming the signing key (see [KeyID]).
	KeyID string
	// Signer is a free-text name; empty when manifest.sig has none. Not signed.
	Signer string
	// Timestamp is when the signature was made, in Unix seconds. Not signed.
	Timestamp int64
	// Signature is the Ed25519 signature of [Message](Files).
	Signature [ed25519.SignatureSize]byte
	// Files lists the signed files in manifest.sig's order, which the signed message follows.
	Files []File
}

// rawManifest is manifest.sig as YAML; pointers tell a missing field from a zero one.
type rawManifest struct {
	Version   *int      `yaml:"version"`
	Algorithm *string   `yaml:"algorithm"`
	KeyID     *string   `yaml:"key_id"`
	Signer    *string   `yaml:"signer"`
	Timestamp *int64    `yaml:"timestamp"`
	Signature *string   `yaml:"signature"`
	Files     []rawFile `yaml:"files"`
}

type rawFile struct {
	Path   *string `yaml:"path"`
	SHA256 *string `yaml:"sha256"`
}

// ParseManifest parses and checks manifest.sig. It does not verify anything: see
// [TrustStore.Verify]. Every error is an [*Error] wrapping [ErrMalformed].
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, malformed(FileName, "%d bytes; at most %d are allowed", len(data), MaxManifestSize)
	}
	var raw rawManifest
	if err := decodeStrict(data, &raw); err != nil {
		return nil, malformed(FileName, "%v", err)
	}
	m, err := raw.check()
	if err != nil {
		err.Source = FileName
		return nil, err
	}
	return m, nil
}

// check validates every field of r and converts it.
func (r *rawManifest) check() (*Manifest, *Error) {
	bad := func(format string, args ...any) *Error { return malformed("", format, args...) }
	switch {
	case r.Version == nil:
		return nil, bad("no version")
	case *r.Version != formatVersion:
		return nil, bad("version %d; only %d is known", *r.Version, formatVersion)
	case r.Algorithm == nil:
		return nil, bad("no algorithm")
	case *r.Algorithm != Algorithm:
		return nil, bad("algorithm %q; only %q is known", *r.Algorithm, Algorithm)
	case r.KeyID == nil:
		return nil, bad("no key_id")
	case r.Timestamp == nil:
		return nil, bad("no timestamp")
	case r.Signature == nil:
		return nil, bad("no signature")
	}
	m := &Manifest{Timestamp: *r.Timestamp}
	id, err := parseKeyID(*r.KeyID)
	if err != nil {
		return nil, bad("key_id: %v", err)
	}
	m.KeyID = id
	if r.Signer != nil {
		if err := checkText(*r.Signer); err != nil {
			return nil, bad("signer: %v", err)
		}
		m.Signer = *r.Signer
	}
	if err := decodeHex(m.Signature[:], *r.Signature); err != nil {
		return nil, bad("signature: %v", err)
	}
	files, e := checkFiles(r.Files)
	if e != nil {
		return nil, e
	}
	m.Files = files
	return m, nil
}

// checkFiles validates the file entries: each path well formed and listed once, each hash 64
// hexadecimal digits.
func checkFiles(raw []rawFile) ([]File, *Error) {
	files := make([]File, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for i, rf := range raw {
		at := "files[" + strconv.Itoa(i) + "]"
		if rf.Path == nil {
			return nil, &Error{File: at, Err: ErrMalformed, Detail: "no path"}
		}
		f := File{Path: *rf.Path}
		if err := CheckPath(f.Path); err != nil {
			return nil, &Error{File: at, Err: ErrMalformed, Detail: fmt.Sprintf("path %q: %v", f.Path, err)}
		}
		if seen[f.Path] {
			return nil, &Error{File: f.Path, Err: ErrMalformed, Detail: "listed twice"}
		}
		seen[f.Path] = true
		if rf.SHA256 == nil {
			return nil, &Error{File: f.Path, Err: ErrMalformed, Detail: "no sha256"}
		}
		if err := decodeHex(f.SHA256[:], *rf.SHA256); err != nil {
			return nil, &Error{File: f.Path, Err: ErrMalformed, Detail: fmt.Sprintf("sha256: %v", err)}
		}
		files = append(files, f)
	}
	return files, nil
}

// decodeHex fills dst from s, exactly 2*len(dst) hexadecimal digits of either case.
func decodeHex(dst []byte, s string) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("%d characters; want %d hexadecimal digits", len(s), 2*len(dst))
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return fmt.Errorf("not hexadecimal")
	}
	return nil
}

// CheckPath reports whether p may appear in manifest.sig: relative, slash-separated and clean
// (no empty, "." or ".." component, no leading or trailing slash), valid UTF-8 of at most
// [MaxPathLen] bytes without control characters, double quotes or backslashes, and not
// manifest.sig itself. Upstream writes paths between double quotes without escaping them and
// signs them without a separator; these rules make that writing unambiguous and keep raw hash
// bytes from passing as part of a path (see the package documentation).
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty")
	case len(p) > MaxPathLen:
		return fmt.Errorf("%d bytes; at most %d are allowed", len(p), MaxPathLen)
	case p == FileName:
		return fmt.Errorf("%s cannot sign itself", FileName)
	}
	if err := checkText(p); err != nil {
		return err
	}
	for part := range strings.SplitSeq(p, "/") {
		switch part {
		case "":
			return fmt.Errorf("not clean: empty component or leading or trailing slash")
		case ".", "..":
			return fmt.Errorf("not clean: %q component", part)
		}
	}
	return nil
}

// checkText refuses what cannot be written between upstream's unescaped double quotes so that
// both upstream's line parser and a YAML parser read it back unchanged.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Errorf("contains control character %U", r)
		case r == '"' || r == '\\':
			return fmt.Errorf("contains %q", r)
		case r == '\ufeff' || r == '\ufffe' || r == '\uffff' || r == '\u2028' || r == '\u2029':
			return fmt.Errorf("contains %U", r)
		}
	}
	return nil
}

// Message returns the bytes an Ed25519 signature covers: for each file, in order, its 32-byte
// SHA-256 followed by its path, with nothing between or around them.
func Message(files []File) []byte {
	n := 0
	for _, f := range files {
		n += len(f.SHA256) + len(f.Path)
	}
	msg := make([]byte, 0, n)
	for _, f := range files {
		msg = append(msg, f.SHA256[:]...)
		msg = append(msg, f.Path...)
	}
	return msg
}

// Marshal writes m in upstream's layout, line for line as upstream's writer does: a comment,
// version, algorithm, key_id, signer (only when set, quoted), timestamp, the signature in
// lower-case hexadecimal, and the files, each a quoted path and a lower-case hash.
func (m *Manifest) Marshal() []byte {
	var b strings.Builder
	b.WriteString("# Axiom Package Signature\n")
	fmt.Fprintf(&b, "version: %d\nalgorithm: %s\nkey_id: %s\n", formatVersion, Algorithm, m.KeyID)
	if m.Signer != "" {
		fmt.Fprintf(&b, "signer: \"%s\"\n", m.Signer)
	}
	fmt.Fprintf(&b, "timestamp: %d\nsignature: %x\nfiles:\n", m.Timestamp, m.Signature[:])
	for _, f := range m.Files {
		fmt.Fprintf(&b, "  - path: \"%s\"\n    sha256: %x\n", f.Path, f.SHA256[:])
	}
	return []byte(b.String())
}
