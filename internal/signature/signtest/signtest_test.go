package signtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// A directory SignDir signed verifies against its key with the files as they are, and fails
// once a file changes.
func TestSignDir(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "root", "bin", "x")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	SignDir(t, dir, priv, "test")
	sig, err := os.ReadFile(filepath.Join(dir, signature.FileName))
	if err != nil {
		t.Fatal(err)
	}
	ts := signature.NewTrustStore(signature.PublicKey{Key: pub})
	files := func(content string) []signature.File {
		return []signature.File{{Path: "root/bin/x", SHA256: sha256.Sum256([]byte(content))}}
	}
	if v, err := ts.Verify(sig, files("x"), time.Now()); err != nil || v.Files != 1 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	if _, err := ts.Verify(sig, files("y"), time.Now()); err == nil {
		t.Fatal("a changed file verified")
	}
}
