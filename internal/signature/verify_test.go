package signature

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// mutate parses sig, applies f and writes it back.
func mutate(t *testing.T, sig []byte, f func(*Manifest)) []byte {
	t.Helper()
	m, err := ParseManifest(sig)
	if err != nil {
		t.Fatal(err)
	}
	f(m)
	return m.Marshal()
}

func without(files []File, path string) []File {
	var out []File
	for _, f := range files {
		if f.Path != path {
			out = append(out, f)
		}
	}
	return out
}

// TestVerifyRefusals: each reason for refusing a package gives its own sentinel, and the error
// names the key or file it is about.
func TestVerifyRefusals(t *testing.T) {
	good := signTest(t, testFiles())
	byOther, err := Sign(otherKey(t), testFiles(), SignOptions{Timestamp: 1})
	if err != nil {
		t.Fatal(err)
	}
	otherID := KeyID(otherKey(t).Public().(ed25519.PublicKey))
	changed := testFiles()
	changed[2].SHA256[0] ^= 1 // root/usr/bin/hello
	expiring := NewTrustStore(PublicKey{Key: testKey(t).Public().(ed25519.PublicKey), Expires: testNow.Unix() - 1})

	tests := []struct {
		name     string
		ts       *TrustStore
		sig      []byte
		files    []File
		want     error
		keyID    string
		file     string
		more     int
		contains string
	}{
		{name: "no manifest.sig", sig: nil, want: ErrMissing},
		{name: "empty manifest.sig", sig: []byte{}, want: ErrMalformed, contains: "empty document"},
		{name: "not YAML", sig: []byte("{{{"), want: ErrMalformed},
		{name: "unknown field", sig: append([]byte("extra: 1\n"), good...), want: ErrMalformed, contains: "extra"},
		{name: "other key", sig: byOther, want: ErrUntrustedKey, keyID: otherID},
		{name: "empty trust store", ts: NewTrustStore(), sig: good, want: ErrUntrustedKey, keyID: testKeyID},
		{name: "nil trust store", ts: nil, sig: good, want: ErrUntrustedKey, keyID: testKeyID},
		{name: "signature altered", sig: mutate(t, good, func(m *Manifest) { m.Signature[10] ^= 0x80 }), want: ErrBadSignature, keyID: testKeyID},
		{name: "signed hash altered", sig: mutate(t, good, func(m *Manifest) { m.Files[0].SHA256[0] ^= 1 }), want: ErrBadSignature},
		{name: "signed path altered", sig: mutate(t, good, func(m *Manifest) { m.Files[0].Path = "deps.yml" }), want: ErrBadSignature},
		{name: "entry dropped from list", sig: mutate(t, good, func(m *Manifest) { m.Files = m.Files[1:] }), want: ErrBadSignature},
		{name: "key id relabelled", sig: mutate(t, byOther, func(m *Manifest) { m.KeyID = testKeyID }), want: ErrBadSignature, keyID: testKeyID},
		{name: "key expired", ts: expiring, sig: good, want: ErrKeyExpired, keyID: testKeyID, contains: "expired at"},
		{name: "content changed", sig: good, files: changed, want: ErrHashMismatch, file: "root/usr/bin/hello", contains: "signed sha256"},
		{name: "signed file missing", sig: good, files: without(testFiles(), "manifest.yaml"), want: ErrFileMissing, file: "manifest.yaml"},
		{name: "extra file", sig: good, files: append(testFiles(), File{Path: "root/usr/bin/evil"}), want: ErrNotSigned, file: "root/usr/bin/evil"},
		{
			name: "several problems: first by path, others counted", sig: good,
			files: append(without(changed, "deps.yaml"), File{Path: "zz"}),
			want:  ErrFileMissing, file: "deps.yaml", more: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := trustOf(testKey(t))
			if tc.ts != nil || strings.HasPrefix(tc.name, "nil trust") {
				ts = tc.ts
			}
			files := tc.files
			if files == nil {
				files = testFiles()
			}
			_, err := ts.Verify(tc.sig, files, testNow)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error = %v, want %v", err, tc.want)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not *Error", err)
			}
			if tc.keyID != "" && se.KeyID != tc.keyID {
				t.Errorf("KeyID = %q, want %q", se.KeyID, tc.keyID)
			}
			if se.File != tc.file || se.More != tc.more {
				t.Errorf("File, More = %q, %d; want %q, %d", se.File, se.More, tc.file, tc.more)
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.Contains(err.Error(), "manifest.sig") {
				t.Errorf("message %q lacks %q or manifest.sig", err, tc.contains)
			}
			for _, other := range []error{ErrMissing, ErrMalformed, ErrUntrustedKey, ErrKeyExpired, ErrBadSignature, ErrHashMismatch, ErrFileMissing, ErrNotSigned} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
		})
	}
}

// TestVerifyAccepts: a signed package verifies whatever order its files come in, an entry for
// manifest.sig is ignored, and an unexpired key verifies.
func TestVerifyAccepts(t *testing.T) {
	sig := signTest(t, testFiles())
	files := append([]File{{Path: FileName}}, testFiles()...)
	files[1], files[4] = files[4], files[1]
	later := NewTrustStore(PublicKey{Key: testKey(t).Public().(ed25519.PublicKey), Expires: testNow.Unix() + 1})
	for name, ts := range map[string]*TrustStore{"plain": trustOf(testKey(t)), "expires later": later, "two keys": trustOf(otherKey(t), testKey(t))} {
		v, err := ts.Verify(sig, files, testNow)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v.Key.ID != testKeyID || v.Files != 4 || v.Signer != "Test Signer <test@example.com>" {
			t.Errorf("%s: Verified = %+v", name, v)
		}
	}
}

// TestRoundTrip: what Sign writes, Verify accepts, for several shapes of package.
func TestRoundTrip(t *testing.T) {
	for name, files := range map[string][]File{
		"golden package": testFiles(),
		"one file":       {{Path: "manifest.yaml"}},
		"no files":       nil,
		"unicode path":   {{Path: "root/usr/share/doc/caf\u00e9/\u65e5\u672c.txt", SHA256: [32]byte{1}}},
		"odd characters": {{Path: "root/a b/#c: d/'e'/{f}/[g]/&h/*i/!j/%k/@l/`m`/|n", SHA256: [32]byte{2}}},
	} {
		for _, signer := range []string{"", "Build host (x86_64) <ops@example.org>"} {
			sig, err := Sign(testKey(t), files, SignOptions{Signer: signer, Timestamp: 42})
			if err != nil {
				t.Fatalf("%s: Sign: %v", name, err)
			}
			v, err := trustOf(testKey(t)).Verify(sig, files, testNow)
			if err != nil {
				t.Fatalf("%s: Verify: %v\n%s", name, err, sig)
			}
			if v.Signer != signer || v.Timestamp != 42 || v.Files != len(files) {
				t.Errorf("%s: Verified = %+v", name, v)
			}
		}
	}
}

// TestEveryByteMatters: flipping any bit of any byte of the signature, of any signed hash or of
// any package file's hash makes verification fail.
func TestEveryByteMatters(t *testing.T) {
	good := signTest(t, testFiles())
	ts := trustOf(testKey(t))
	for i := range ed25519.SignatureSize {
		for _, bit := range []byte{0x01, 0x80} {
			sig := mutate(t, good, func(m *Manifest) { m.Signature[i] ^= bit })
			if _, err := ts.Verify(sig, testFiles(), testNow); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("signature byte %d ^ %#x: %v", i, bit, err)
			}
		}
	}
	for f := range testFiles() {
		for i := range 32 {
			sig := mutate(t, good, func(m *Manifest) { m.Files[f].SHA256[i] ^= 0x10 })
			if _, err := ts.Verify(sig, testFiles(), testNow); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("signed hash of file %d byte %d: %v", f, i, err)
			}
			files := testFiles()
			files[f].SHA256[i] ^= 0x10
			_, err := ts.Verify(good, files, testNow)
			var se *Error
			if !errors.Is(err, ErrHashMismatch) || !errors.As(err, &se) || se.File != files[f].Path {
				t.Fatalf("package hash of %s byte %d: %v", files[f].Path, i, err)
			}
		}
	}
}

// TestSharedKeyIDTriesEveryKey: when two trusted keys share an id, the one that verifies wins,
// whichever comes first.
func TestSharedKeyIDTriesEveryKey(t *testing.T) {
	real := newPublicKey(testKey(t).Public().(ed25519.PublicKey))
	impostor := newPublicKey(otherKey(t).Public().(ed25519.PublicKey))
	impostor.ID = real.ID // ids are 64 bits: a collision is possible, if costly
	sig := signTest(t, testFiles())
	for _, keys := range [][]PublicKey{{impostor, real}, {real, impostor}} {
		ts := &TrustStore{keys: keys}
		v, err := ts.Verify(sig, testFiles(), testNow)
		if err != nil || string(v.Key.Key) != string(real.Key) {
			t.Errorf("Verify = %+v, %v", v.Key, err)
		}
	}
	if _, err := (&TrustStore{keys: []PublicKey{impostor}}).Verify(sig, testFiles(), testNow); !errors.Is(err, ErrBadSignature) {
		t.Errorf("impostor alone: %v", err)
	}
}

// TestNewTrustStore: duplicates collapse, ids are derived, keys come out sorted.
func TestNewTrustStore(t *testing.T) {
	a := newPublicKey(testKey(t).Public().(ed25519.PublicKey))
	a.Owner = "first"
	dup := a
	dup.Owner = "second"
	dup.ID = "WRONG"
	b := newPublicKey(otherKey(t).Public().(ed25519.PublicKey))
	ts := NewTrustStore(a, b, dup)
	keys := ts.Keys()
	if len(keys) != 2 || ts.Len() != 2 {
		t.Fatalf("keys = %+v", keys)
	}
	if keys[0].ID > keys[1].ID {
		t.Errorf("not sorted: %s, %s", keys[0].ID, keys[1].ID)
	}
	for _, k := range keys {
		if k.ID != KeyID(k.Key) {
			t.Errorf("id %s not derived", k.ID)
		}
		if k.ID == a.ID && k.Owner != "first" {
			t.Errorf("duplicate replaced the first copy: %+v", k)
		}
	}
}
