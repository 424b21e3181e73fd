//go:build realzfs

package reconcile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature/signtest"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Signature policies on real OpenZFS: under require, unsigned, untrusted, wrongly signed and
// hash-mismatched packages are refused with their reason and a signed one is imported with its
// key recorded; under warn the unsigned and the untrusted one are imported with a warning (the
// model's tests cover the rest of warn), and the mismatch is still refused.
func TestSignaturePoliciesReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	e, c, root, mp := realEngine(t)
	must(t, c.Create(bg, root, zfs.CreateOptions{Props: zfs.Props{"mountpoint": mp}}))
	trusted, trustedPriv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	_, otherPriv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	src := t.TempDir()
	for _, p := range []string{"make-4.4.1", "zlib-1.3.1", "ncurses-6.4.0", "readline-8.1.2", "bash-5.1.16"} {
		copyDir(t, filepath.Join(examplePackages(t), p), filepath.Join(src, p))
	}
	signtest.SignDir(t, filepath.Join(src, "make-4.4.1"), trustedPriv, "test")
	signtest.SignDir(t, filepath.Join(src, "ncurses-6.4.0"), otherPriv, "test")
	signtest.SignDir(t, filepath.Join(src, "readline-8.1.2"), trustedPriv, "test")
	sigFile := filepath.Join(src, "readline-8.1.2", signature.FileName)
	b, err := os.ReadFile(sigFile)
	must(t, err)
	i := strings.Index(string(b), "signature: ") + len("signature: ")
	if b[i] == '0' { // another hexadecimal digit: still well formed, no longer the signature
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	must(t, os.WriteFile(sigFile, b, 0o644))
	signtest.SignDir(t, filepath.Join(src, "bash-5.1.16"), trustedPriv, "test")
	must(t, os.WriteFile(filepath.Join(src, "bash-5.1.16", "manifest.yaml"), append(mustRead(t, filepath.Join(src, "bash-5.1.16", "manifest.yaml")), "# changed\n"...), 0o644))

	dir := t.TempDir()
	config := func(policy, profile string) *spec.Config {
		must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(fmt.Sprintf(
			"store {\n  dataset = \"x\"\n}\nsource \"s\" {\n  path = %q\n  trusted_key_data = [%q]\n%s}\nprofile \"p\" {\n%s}\n",
			src, hex.EncodeToString(trusted.Key), policy, profile)), 0o644))
		return loadConfig(t, dir, root, mp)
	}
	for pkg, want := range map[string]error{"zlib": signature.ErrMissing, "ncurses": signature.ErrUntrustedKey,
		"readline": signature.ErrBadSignature, "bash": signature.ErrHashMismatch} {
		_, err := e.Plan(bg, config("", "  package \""+pkg+"\" {}\n"), PlanOptions{})
		var re *RefusedError
		if !errors.As(err, &re) || re.Refused[0].Package != pkg || !errors.Is(re.Refused[0], want) {
			t.Fatalf("%s under require: %v, want a refusal for %v", pkg, err, want)
		}
	}
	if _, _, err := e.Reconcile(bg, config("", "  package \"make\" {}\n"), PlanOptions{}); err != nil {
		t.Fatalf("a signed package under require: %v", err)
	}
	l := layout.Layout{Root: layout.Dataset(root), Mountpoint: mp}
	signedBy := func() map[string]string {
		tree, err := c.Observe(bg, root)
		must(t, err)
		out := map[string]string{}
		for _, p := range store.NewIndex(tree, l).All() {
			d, _ := tree.Get(string(p.Dataset))
			out[p.ID.Name], _ = d.Local(layout.PropSignedBy)
		}
		return out
	}
	if got := signedBy(); len(got) != 1 || got["make"] != trusted.ID {
		t.Fatalf("after require: packages and signers %v, want make by %s", got, trusted.ID)
	}

	warn := config("  signatures = \"warn\"\n", "  package \"make\" {}\n  package \"zlib\" {}\n  package \"ncurses\" {}\n")
	plan, _, err := e.Reconcile(bg, warn, PlanOptions{})
	if err != nil {
		t.Fatalf("under warn: %v", err)
	}
	warnings := strings.Join(plan.Warnings, "\n")
	for _, pkg := range []string{"zlib", "ncurses"} {
		if !strings.Contains(warnings, `package "`+pkg+`"`) {
			t.Errorf("under warn, %s is used without a warning: %q", pkg, plan.Warnings)
		}
	}
	if got := signedBy(); len(got) != 3 || got["zlib"] != "" || got["ncurses"] != "" || got["make"] != trusted.ID {
		t.Fatalf("after warn: packages and signers %v", got)
	}
	_, err = e.Plan(bg, config("  signatures = \"warn\"\n", "  package \"bash\" {}\n"), PlanOptions{})
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(re.Refused[0], signature.ErrHashMismatch) {
		t.Fatalf("a hash mismatch under warn: %v, want refused", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}
