//go:build realzfs

package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// TestSignedRealPackageReal signs one package of the small real set (gzip: hard links) in the
// test, imports it under the require policy from a source that trusts only that key (its
// unsigned dependencies from another source, which trusts none), checks the key is recorded on
// its dataset, and then verifies the real store, fast and deep (every file of real packages,
// hard links and absolute symlinks included, read back against its build-id).
func TestSignedRealPackageReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	e, c, top, root, mp := realEngine(t)
	pkgs := corpus(t, c, top, "small")
	dirs := packageDirs(t, pkgs)
	signedSrc, rest := t.TempDir(), t.TempDir()
	for name, dir := range dirs {
		if name != "gzip" {
			must(t, os.Symlink(dir, filepath.Join(rest, filepath.Base(dir))))
		}
	}
	gz := filepath.Join(signedSrc, filepath.Base(dirs["gzip"]))
	copyTree(t, dirs["gzip"], gz)
	pub, priv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	signPackage(t, gz, priv)
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(`store {
  dataset    = %q
  mountpoint = %q
}
source "signed" {
  path             = %q
  trusted_key_data = [%q]
  signatures       = "require"
}
source "debian" {
  path = %q
}
profile "z" {
  package "gzip" {}
}
environment "z" {
  profile = "z"
}
`, root, mp, signedSrc, hex.EncodeToString(pub.Key), rest))
	if plan, _, err := e.Reconcile(bg, cfg, reconcile.PlanOptions{}); err != nil {
		t.Fatalf("a signed real package under require: %v\n%s", err, planText(plan))
	}
	ds := pkgDataset(t, c, root, "gzip", "1.12.0")
	tree, err := c.Observe(bg, ds)
	must(t, err)
	d, _ := tree.Get(ds)
	if v, _ := d.Local(layout.PropSignedBy); v != pub.ID {
		t.Fatalf("gzip: %s=%q, want %s", layout.PropSignedBy, v, pub.ID)
	}
	for _, deep := range []bool{false, true} {
		start := time.Now()
		rep, err := e.Verify(bg, cfg, reconcile.VerifyOptions{Deep: deep})
		must(t, err)
		t.Logf("verify (deep %v) of %d real packages and %d generation: %s", deep, rep.Packages, rep.Generations, time.Since(start).Round(time.Millisecond))
		if len(rep.Findings) != 0 || rep.Packages < 2 || rep.Generations != 1 {
			t.Fatalf("verify (deep %v) of a fresh real store: %+v %v", deep, rep.Findings, rep.Notes)
		}
	}
}

// signPackage writes dir/manifest.sig over every regular file of the package, signed by priv.
func signPackage(t testing.TB, dir string, priv ed25519.PrivateKey) {
	t.Helper()
	var files []signature.File
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
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
	}))
	sig, err := signature.Sign(priv, files, signature.SignOptions{Signer: "e2e"})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, signature.FileName), sig, 0o644))
}
