package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// With no package allowed set-id bits, the realize digest is what it was before allow_setuid
// existed: upgrading the reconciler rebuilds no generation.
func TestRealizeDigestWithoutSetIDIsUnchanged(t *testing.T) {
	h := sha256.Sum256([]byte("axiom-realize/v1\x00sha256:abc\x00error"))
	if got, want := realizeDigest("sha256:abc", spec.ConflictError, nil), "sha256:"+hex.EncodeToString(h[:]); got != want {
		t.Errorf("realizeDigest without allow_setuid = %s, want the earlier %s", got, want)
	}
	if realizeDigest("sha256:abc", spec.ConflictError, []string{"util-linux"}) == realizeDigest("sha256:abc", spec.ConflictError, nil) {
		t.Error("allow_setuid does not change the realize digest")
	}
}

// allow_setuid is its own line in the plan, recorded on the generation, part of its realize
// digest: switching it on or off builds a new generation saying why.
func TestAllowSetIDPlannedAndRecorded(t *testing.T) {
	config := func(allow string) string {
		return `profile "p" {
  package "make" {
    allow_setuid = ` + allow + `
  }
  package "zlib" {}
}
environment "e" {
  profile = "p"
}
`
	}
	src := samplePackages(t)
	must(t, os.Chmod(filepath.Join(src, "make-4.4.1", "root", "bin", "make"), fs.ModeSetuid|0o755))
	w := newWorld(t, src, config("true"))
	p := w.apply(defaults)
	mode := func(gen string) fs.FileMode {
		t.Helper()
		fi, err := os.Lstat(filepath.Join(w.mp, "env", "e", gen, "bin", "make"))
		must(t, err)
		return fi.Mode()
	}
	if m := mode("gen-1"); m&fs.ModeSetuid == 0 {
		t.Errorf("gen-1 bin/make is %v; allow_setuid should keep its set-uid bit", m)
	}
	var realize *RealizeStep
	for _, s := range p.Steps {
		if s.Realize != nil {
			realize = s.Realize
		}
	}
	if realize == nil || !slices.Equal(realize.AllowSetID, []string{"make"}) {
		t.Fatalf("realize step allows set-id bits for %v; want [make]", realize)
	}
	if !strings.Contains(planText(p), "      keeps set-uid/set-gid bits of make (allow_setuid)\n") {
		t.Errorf("the plan does not show allow_setuid on a line of its own:\n%s", planText(p))
	}
	gen := testRoot + "/env/e/gen-1"
	tree, err := w.m.Observe(bg, testRoot)
	must(t, err)
	d, _ := tree.Get(gen)
	if v, _ := d.Local(layout.PropAllowSetID); v != "make" {
		t.Errorf("%s has %s=%q, want make", gen, layout.PropAllowSetID, v)
	}

	w.write("main.hcl", config("false"))
	p = w.apply(defaults)
	if !strings.Contains(planText(p), "realize gen-2") || !strings.Contains(planText(p), "allow_setuid changed since gen-1 was built") {
		t.Errorf("switching allow_setuid off does not realize gen-2 saying why:\n%s", planText(p))
	}
	if m := mode("gen-2"); m&(fs.ModeSetuid|fs.ModeSetgid) != 0 || m.Perm() != 0o755 {
		t.Errorf("gen-2 bin/make is %v; without allow_setuid it must be 0755 with no set-id bit", m)
	}
	tree, err = w.m.Observe(bg, testRoot)
	must(t, err)
	d, _ = tree.Get(testRoot + "/env/e/gen-2")
	if v, ok := d.Local(layout.PropAllowSetID); ok {
		t.Errorf("gen-2 records %s=%q; want no property when nothing is allowed", layout.PropAllowSetID, v)
	}
}
