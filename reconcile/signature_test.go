package reconcile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature/signtest"
)

// A source with trusted keys imports only packages signed by one of them (recording the key on
// the package, shown by status), shows its policy in the plan, and leaves the others out like any
// refused package: under "warn" they are used, with a warning.
func TestSignedSource(t *testing.T) {
	trusted, trustedPriv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	_, otherPriv, err := signature.GenerateKey(rand.Reader)
	must(t, err)
	src := samplePackages(t)
	signtest.SignDir(t, filepath.Join(src, "make-4.4.1"), trustedPriv, "test")
	signtest.SignDir(t, filepath.Join(src, "zlib-1.3.1"), trustedPriv, "test")
	signtest.SignDir(t, filepath.Join(src, "ncurses-6.4.0"), otherPriv, "test")
	w := newWorld(t, src, "profile \"p\" {\n  package \"make\" {}\n  package \"zlib\" {}\n}\nenvironment \"e\" {\n  profile = \"p\"\n}\n")
	store := func(policy string) {
		w.write("store.hcl", fmt.Sprintf("store {\n  dataset = %q\n}\nsource \"s\" {\n  path = %q\n  trusted_key_data = [%q]\n%s}\n",
			testRoot, src, hex.EncodeToString(trusted.Key), policy))
	}
	store("")
	p := w.apply(defaults)
	if !strings.Contains(planText(p), "Source s: signatures require, trusted keys "+trusted.ID+".") {
		t.Errorf("the plan does not show the source's signature policy:\n%s", planText(p))
	}
	tree, err := w.m.Observe(bg, testRoot)
	must(t, err)
	for _, name := range []string{"make/4.4.1/1", "zlib/1.3.1/1"} {
		d, _ := tree.Get(w.pkgDataset(name))
		if v, _ := d.Local(layout.PropSignedBy); v != trusted.ID {
			t.Errorf("%s: %s=%q, want %s", name, layout.PropSignedBy, v, trusted.ID)
		}
	}
	st, err := w.e.Status(bg, w.cfg())
	must(t, err)
	if st.Packages.SignedBy[trusted.ID] != 2 {
		t.Errorf("status counts %v signed packages, want 2 by %s", st.Packages.SignedBy, trusted.ID)
	}

	w.write("q.hcl", "profile \"q\" {\n  package \"ncurses\" {}\n}\n")
	_, err = w.plan(defaults)
	var re *RefusedError
	if !errors.As(err, &re) || re.Refused[0].Package != "ncurses" || !errors.Is(re.Refused[0], signature.ErrUntrustedKey) {
		t.Fatalf("a profile needing a package signed by an untrusted key: %v, want a refusal naming ncurses", err)
	}
	store("  signatures = \"warn\"\n")
	p = w.apply(defaults)
	if !strings.Contains(strings.Join(p.Warnings, "\n"), `package "ncurses"`) {
		t.Errorf("under warn, ncurses is used without a warning: %q", p.Warnings)
	}
}
