// Package signtest signs package directories for tests, the one place that does it: a test that
// needs a signed package (signature policies, verify, the real-package corpus) writes its
// manifest.sig with SignDir. (scripts/axiom-sign signs for users, by the scanner's rules.)
package signtest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// SignDir writes dir/manifest.sig over every regular file below dir, signed by priv as signer.
func SignDir(t testing.TB, dir string, priv ed25519.PrivateKey, signer string) {
	t.Helper()
	var files []signature.File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, signature.File{Path: filepath.ToSlash(rel), SHA256: sha256.Sum256(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signature.Sign(priv, files, signature.SignOptions{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, signature.FileName), sig, 0o644); err != nil {
		t.Fatal(err)
	}
}
