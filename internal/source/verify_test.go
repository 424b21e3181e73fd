package source

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// signedSource writes packages into a source directory: each is signed by key when key is set,
// then edit (if any) changes it after signing.
func signedSource(t *testing.T, key func(name string) []byte, edit func(name, dir string)) string {
	t.Helper()
	src := t.TempDir()
	for _, name := range []string{"good", "unsigned", "untrusted", "tampered", "extra"} {
		dir := filepath.Join(src, name+"-1.0.0")
		for file, body := range map[string]string{"manifest.yaml": "name: " + name + "\nversion: 1.0.0\n", "root/bin/" + name: "#!/bin/sh\n", "README": "hi\n"} {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, file)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if k := key(name); k != nil {
			p, err := load(context.Background(), dir, archive.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			sig, err := signature.Sign(k, p.signedFiles(), signature.SignOptions{Signer: "test", Timestamp: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, signatureFile), sig, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if edit != nil {
			edit(name, dir)
		}
	}
	return src
}

func TestVerifySignatures(t *testing.T) {
	trusted, trustedPriv, err := signature.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, err := signature.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	src := signedSource(t, func(name string) []byte {
		switch name {
		case "unsigned":
			return nil
		case "untrusted":
			return otherPriv
		}
		return trustedPriv
	}, func(name, dir string) {
		switch name {
		case "tampered":
			os.WriteFile(filepath.Join(dir, "root/bin/tampered"), []byte("#!/bin/sh\nevil\n"), 0o644)
		case "extra":
			os.WriteFile(filepath.Join(dir, "NOTES"), []byte("added after signing\n"), 0o644)
		}
	})
	pkgs, err := Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 5 {
		t.Fatalf("scan: %d packages, %v", len(pkgs), err)
	}
	keys := signature.NewTrustStore(trusted)
	cases := []struct {
		policy   signature.Policy
		keys     *signature.TrustStore
		kept     string // names, sorted
		refused  map[string]error
		warnings int
	}{
		{signature.PolicyDefault, keys, "good", map[string]error{"unsigned": signature.ErrMissing, "untrusted": signature.ErrUntrustedKey,
			"tampered": signature.ErrHashMismatch, "extra": signature.ErrNotSigned}, 0},
		{signature.Warn, keys, "good unsigned untrusted", map[string]error{"tampered": signature.ErrHashMismatch, "extra": signature.ErrNotSigned}, 2},
		{signature.Off, keys, "extra good tampered unsigned untrusted", nil, 0},
		{signature.PolicyDefault, nil, "extra good tampered unsigned untrusted", nil, 0}, // no keys: off
	}
	for _, tc := range cases {
		t.Run(tc.policy.String(), func(t *testing.T) {
			kept, refused, warnings := VerifySignatures(pkgs, Trust{Keys: tc.keys, Policy: tc.policy}, time.Now())
			var names []string
			for _, p := range kept {
				names = append(names, p.Manifest.Name)
				if want := map[bool]string{true: trusted.ID}[p.Manifest.Name == "good" && tc.keys != nil && tc.policy != signature.Off]; p.SignedBy != want {
					t.Errorf("%s: SignedBy %q, want %q", p.Manifest.Name, p.SignedBy, want)
				}
			}
			if got := strings.Join(names, " "); got != tc.kept {
				t.Errorf("kept %q, want %q", got, tc.kept)
			}
			if len(refused) != len(tc.refused) {
				t.Errorf("refused %v, want %v", refused, tc.refused)
			}
			for _, r := range refused {
				if want := tc.refused[r.Package]; want == nil || !errors.Is(r, want) || !strings.Contains(r.Error(), r.Origin) {
					t.Errorf("refusal of %s: %v, want %v naming the origin", r.Package, r, want)
				}
			}
			if len(warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", warnings, tc.warnings)
			}
		})
	}
	for _, p := range pkgs {
		if p.SignedBy != "" {
			t.Errorf("VerifySignatures changed the scanned package %s", p.Manifest.Name)
		}
	}
}
