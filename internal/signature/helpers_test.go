package signature

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testSeed is the secret key of RFC 8032's first Ed25519 test vector: public, so only for tests.
const testSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"

// testKeyID is the key id of testSeed's public key, d75a9801….
const testKeyID = "D75A980182B10AB7"

// testNow is a fixed time for verification, after every test signature was made.
var testNow = time.Unix(1767225600, 0) // 2026-01-01

func testKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	seed, err := hex.DecodeString(testSeed)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// otherKey is a second, unrelated key.
func otherKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte("another signer"))
	return ed25519.NewKeyFromSeed(seed[:])
}

func trustOf(priv ...ed25519.PrivateKey) *TrustStore {
	var keys []PublicKey
	for _, p := range priv {
		keys = append(keys, newPublicKey(p.Public().(ed25519.PublicKey)))
	}
	return NewTrustStore(keys...)
}

// testContent is the package the golden files sign.
var testContent = map[string]string{
	"manifest.yaml":                   "name: hello\nversion: 1.0.0\n",
	"deps.yaml":                       "dependencies: []\n",
	"root/usr/bin/hello":              "#!/bin/sh\necho hello\n",
	"root/usr/share/doc/hello/README": "Hello, world.\n",
}

// testFiles returns testContent's files, in byte order of path.
func testFiles() []File {
	return []File{
		hashed("deps.yaml"),
		hashed("manifest.yaml"),
		hashed("root/usr/bin/hello"),
		hashed("root/usr/share/doc/hello/README"),
	}
}

func hashed(path string) File {
	return File{Path: path, SHA256: sha256.Sum256([]byte(testContent[path]))}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signTest signs files with the test key.
func signTest(t testing.TB, files []File) []byte {
	t.Helper()
	sig, err := Sign(testKey(t), files, SignOptions{Signer: "Test Signer <test@example.com>", Timestamp: 1735689600})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}
