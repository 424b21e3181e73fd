package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The golden files were made outside this package from upstream's format alone (its writer's
// layout, its message construction, RFC 8032 Ed25519 from crypto/ed25519) with RFC 8032's test
// key: golden-sorted.sig lists the files in byte order, as Sign does, and
// golden-upstream-order.sig in an arbitrary order with another signer, as upstream's
// directory-order signer might.

// TestSignMatchesGolden: Sign writes upstream's layout byte for byte.
func TestSignMatchesGolden(t *testing.T) {
	files := testFiles()
	slices.Reverse(files) // Sign sorts
	got := signTest(t, files)
	want := readTestdata(t, "golden-sorted.sig")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Sign output differs from the golden manifest.sig (-want +got):\n%s", diff)
	}
}

// TestGoldenVerifies: both goldens verify against the package they sign, whatever their order.
func TestGoldenVerifies(t *testing.T) {
	ts := trustOf(testKey(t))
	for _, tc := range []struct{ file, signer string }{
		{"golden-sorted.sig", "Test Signer <test@example.com>"},
		{"golden-upstream-order.sig", "Local Build (builder)"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			v, err := ts.Verify(readTestdata(t, tc.file), testFiles(), testNow)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Verified{Key: ts.Keys()[0], Signer: tc.signer, Timestamp: 1735689600, Files: 4}
			if diff := cmp.Diff(want, v); diff != "" {
				t.Errorf("Verified (-want +got):\n%s", diff)
			}
			if v.Key.ID != testKeyID {
				t.Errorf("key id %s, want %s", v.Key.ID, testKeyID)
			}
		})
	}
}

// TestGoldenRoundTrip: parsing a golden and writing it again gives the same bytes, and the
// parsed fields are what the file says.
func TestGoldenRoundTrip(t *testing.T) {
	for _, name := range []string{"golden-sorted.sig", "golden-upstream-order.sig"} {
		data := readTestdata(t, name)
		m, err := ParseManifest(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := m.Marshal(); !bytes.Equal(got, data) {
			t.Errorf("%s: Marshal(Parse) differs:\n%s", name, got)
		}
		if m.KeyID != testKeyID || m.Timestamp != 1735689600 || len(m.Files) != 4 {
			t.Errorf("%s: parsed %+v", name, m)
		}
	}
}

// TestMessageLayout: the signed message is hash then path per file, nothing else, in listed
// order; checked against a hand-built message and a signature made from it directly.
func TestMessageLayout(t *testing.T) {
	files := []File{hashed("root/usr/bin/hello"), hashed("manifest.yaml")}
	h1 := sha256.Sum256([]byte(testContent["root/usr/bin/hello"]))
	h2 := sha256.Sum256([]byte(testContent["manifest.yaml"]))
	want := slices.Concat(h1[:], []byte("root/usr/bin/hello"), h2[:], []byte("manifest.yaml"))
	if got := Message(files); !bytes.Equal(got, want) {
		t.Fatalf("Message = %x\nwant      %x", got, want)
	}
	m, err := ParseManifest(readTestdata(t, "golden-upstream-order.sig"))
	if err != nil {
		t.Fatal(err)
	}
	pub := testKey(t).Public().(ed25519.PublicKey)
	if !ed25519.Verify(pub, Message(m.Files), m.Signature[:]) {
		t.Error("golden signature does not verify over Message of its files")
	}
	if got := hex.EncodeToString(pub[:8]); KeyID(pub) != "D75A980182B10AB7" || got != "d75a980182b10ab7" {
		t.Errorf("KeyID = %s", KeyID(pub))
	}
}
