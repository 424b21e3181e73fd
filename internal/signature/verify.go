package signature

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"fmt"
	"slices"
	"time"
)

// TrustStore is a set of trusted public keys: every key in it is trusted, for every package it
// is asked about. The zero value and nil trust nothing.
type TrustStore struct {
	keys []PublicKey // sorted by ID, then key bytes; no two equal keys
}

// NewTrustStore returns a trust store of keys. A key given twice counts once (the first copy's
// descriptive fields are kept); distinct keys sharing an id are all kept and all tried.
func NewTrustStore(keys ...PublicKey) *TrustStore {
	ts := &TrustStore{}
	for _, k := range keys {
		if slices.ContainsFunc(ts.keys, func(o PublicKey) bool { return bytes.Equal(o.Key, k.Key) }) {
			continue
		}
		k.ID = KeyID(k.Key)
		ts.keys = append(ts.keys, k)
	}
	slices.SortStableFunc(ts.keys, func(a, b PublicKey) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), bytes.Compare(a.Key, b.Key))
	})
	return ts
}

// Keys returns the trusted keys, sorted by id.
func (ts *TrustStore) Keys() []PublicKey {
	if ts == nil {
		return nil
	}
	return slices.Clone(ts.keys)
}

// Len returns the number of trusted keys.
func (ts *TrustStore) Len() int {
	if ts == nil {
		return 0
	}
	return len(ts.keys)
}

// Verified describes a package whose signature verified.
type Verified struct {
	// Key is the trusted key that verified the signature; Key.ID is the signer's key id, the
	// one to record on the imported package.
	Key PublicKey
	// Signer and Timestamp are manifest.sig's unauthenticated claims, for display only.
	Signer    string
	Timestamp int64
	// Files is the number of files the signature covers.
	Files int
}

// Verify checks a package against its manifest.sig and the trusted keys. manifestSig is the
// content of the package's manifest.sig, nil when the package has none. files is every regular
// file of the package directory (or archive) with its path relative to the package's top (see
// [File]); an entry for manifest.sig itself is ignored, and symbolic links and directories are
// not passed, since the format cannot sign them. now decides key expiry.
//
// It checks, in this order, and returns an [*Error] for the first failure: manifest.sig is
// present ([ErrMissing]) and well formed ([ErrMalformed]); a trusted key has its key id
// ([ErrUntrustedKey]); the signature verifies under it ([ErrBadSignature]) and the key has not
// expired ([ErrKeyExpired]); the package's files are exactly the signed ones with the signed
// content ([ErrHashMismatch], [ErrFileMissing], [ErrNotSigned]; the error names the first such
// file by path and counts the others).
func (ts *TrustStore) Verify(manifestSig []byte, files []File, now time.Time) (Verified, error) {
	if manifestSig == nil {
		return Verified{}, &Error{Source: FileName, Err: ErrMissing}
	}
	m, err := ParseManifest(manifestSig)
	if err != nil {
		return Verified{}, err
	}
	key, err := ts.authenticate(m, now)
	if err != nil {
		return Verified{}, err
	}
	if err := compareFiles(m.Files, files); err != nil {
		err.Source, err.KeyID = FileName, m.KeyID
		return Verified{}, err
	}
	return Verified{Key: key, Signer: m.Signer, Timestamp: m.Timestamp, Files: len(m.Files)}, nil
}

// authenticate finds the trusted key that made m's signature.
func (ts *TrustStore) authenticate(m *Manifest, now time.Time) (PublicKey, error) {
	fail := func(sentinel error, format string, args ...any) error {
		return &Error{Source: FileName, KeyID: m.KeyID, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
	}
	var candidates []PublicKey
	for _, k := range ts.Keys() {
		if k.ID == m.KeyID {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return PublicKey{}, fail(ErrUntrustedKey, "no trusted key has this id (%d trusted key(s))", ts.Len())
	}
	msg := Message(m.Files)
	var expired *PublicKey
	for _, k := range candidates {
		if !ed25519.Verify(k.Key, msg, m.Signature[:]) {
			continue
		}
		if k.Expired(now) {
			expired = &k
			continue
		}
		return k, nil
	}
	if expired != nil {
		return PublicKey{}, fail(ErrKeyExpired, "expired at %s", time.Unix(expired.Expires, 0).UTC().Format(time.RFC3339))
	}
	return PublicKey{}, fail(ErrBadSignature, "the file list or the signature was altered, or another key made it")
}

// compareFiles checks that have (the package) holds exactly the signed files with the signed
// hashes.
func compareFiles(signed, have []File) *Error {
	want := make(map[string][32]byte, len(signed))
	for _, f := range signed {
		want[f.Path] = f.SHA256
	}
	type problem struct {
		path   string
		err    error
		detail string
	}
	var problems []problem
	seen := make(map[string]bool, len(have))
	for _, f := range have {
		if f.Path == FileName || seen[f.Path] {
			continue
		}
		seen[f.Path] = true
		h, ok := want[f.Path]
		switch {
		case !ok:
			problems = append(problems, problem{f.Path, ErrNotSigned, ""})
		case h != f.SHA256:
			problems = append(problems, problem{f.Path, ErrHashMismatch, fmt.Sprintf("signed sha256 %x, found %x", h, f.SHA256)})
		}
	}
	for _, f := range signed {
		if !seen[f.Path] {
			problems = append(problems, problem{f.Path, ErrFileMissing, ""})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	first := slices.MinFunc(problems, func(a, b problem) int { return cmp.Compare(a.path, b.path) })
	return &Error{File: first.path, Err: first.err, Detail: first.detail, More: len(problems) - 1}
}
