package signature

import (
	"errors"
	"fmt"
)

// The reasons a package's signature is refused. Every error [TrustStore.Verify] and the parsers
// return is an [*Error] wrapping exactly one of them, so callers test with [errors.Is].
var (
	// ErrMissing: the package has no manifest.sig.
	ErrMissing = errors.New("package is not signed (no manifest.sig)")
	// ErrMalformed: manifest.sig (or a key file) does not parse, or breaks a rule of the format.
	ErrMalformed = errors.New("malformed")
	// ErrUntrustedKey: no trusted key has the key id manifest.sig names.
	ErrUntrustedKey = errors.New("signing key is not trusted")
	// ErrKeyExpired: the trusted key that made the signature expired before the check.
	ErrKeyExpired = errors.New("signing key has expired")
	// ErrBadSignature: the Ed25519 signature does not verify under the trusted key: the file
	// list or the signature was changed, or another key made it.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrHashMismatch: a file's content differs from the hash the signature vouches for.
	ErrHashMismatch = errors.New("file does not match its signed hash")
	// ErrFileMissing: a file the signature lists is not in the package.
	ErrFileMissing = errors.New("signed file is missing from the package")
	// ErrNotSigned: a file of the package is not in the signature's list.
	ErrNotSigned = errors.New("file is not covered by the signature")
)

// Error is a refused signature, key file or verification. Err is one of the sentinels above.
type Error struct {
	// Source names what was being read: "manifest.sig", a key file's name, or "inline key".
	Source string
	// KeyID is the key id manifest.sig names, when it was read that far.
	KeyID string
	// File is the package path a content error is about (ErrHashMismatch, ErrFileMissing,
	// ErrNotSigned), or the path of a malformed file entry.
	File string
	// Detail says more, for a person: which field is wrong, which hashes differ.
	Detail string
	// More counts further files with a content error beyond File.
	More int
	Err  error
}

func (e *Error) Error() string {
	msg := e.Source
	if msg == "" {
		msg = "signature"
	}
	if e.KeyID != "" && !errors.Is(e.Err, ErrMalformed) {
		msg += " (key " + e.KeyID + ")"
	}
	msg += ": "
	if e.File != "" {
		msg += e.File + ": "
	}
	msg += e.Err.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.More > 0 {
		msg += fmt.Sprintf(" (and %d more file(s))", e.More)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// malformed makes an ErrMalformed error about source.
func malformed(source, format string, args ...any) *Error {
	return &Error{Source: source, Err: ErrMalformed, Detail: fmt.Sprintf(format, args...)}
}

// IsContentError reports whether err says the package's files contradict a signature that
// verified: a hash mismatch, a signed file missing, or a file the signature does not cover.
func IsContentError(err error) bool {
	return errors.Is(err, ErrHashMismatch) || errors.Is(err, ErrFileMissing) || errors.Is(err, ErrNotSigned)
}
