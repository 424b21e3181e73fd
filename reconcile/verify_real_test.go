//go:build realzfs

package reconcile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Verify on real OpenZFS, with one package (make) and one generation: a package changed after
// import (readonly off, a file rewritten) is found by fast verify and repaired by rollback, and
// its content then matches its build-id; a change behind a replaced snapshot (the snapshot
// renamed away, a file changed, a new @installed taken) shows in fast mode only as the
// snapshot's changed identity, in deep mode as content, and is reported, never repaired.
func TestVerifyReal(t *testing.T) {
	t.Parallel() // beside the other real tests: see scripts/test-realzfs.sh
	e, c, root, mp := realEngine(t)
	must(t, c.Create(bg, root, zfs.CreateOptions{Props: zfs.Props{"mountpoint": mp}}))
	src := t.TempDir()
	copyDir(t, filepath.Join(examplePackages(t), "make-4.4.1"), filepath.Join(src, "make-4.4.1"))
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(
		"store {\n  dataset = \"x\"\n}\nsource \"s\" {\n  path = \""+src+"\"\n}\n"+verifyConfig), 0o644))
	cfg := loadConfig(t, dir, root, mp)
	if _, _, err := e.Reconcile(bg, cfg, PlanOptions{}); err != nil {
		t.Fatal(err)
	}
	tree, err := c.Observe(bg, root)
	must(t, err)
	l := layout.Layout{Root: layout.Dataset(root), Mountpoint: mp}
	pkg := store.NewIndex(tree, l).All()[0]
	bin := filepath.Join(pkg.Path, "root", "bin", "make")
	orig, err := os.ReadFile(bin)
	must(t, err)
	verify := func(opt VerifyOptions) *VerifyReport {
		t.Helper()
		rep, err := e.Verify(bg, cfg, opt)
		must(t, err)
		return rep
	}
	expect := func(rep *VerifyReport, want ...string) {
		t.Helper()
		text := findingText(rep)
		if len(rep.Findings) != 1 || rep.Findings[0].Dataset != string(pkg.Dataset) {
			t.Fatalf("want one finding on %s:\n%s", pkg.Dataset, text)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Fatalf("findings lack %q:\n%s", w, text)
			}
		}
	}
	if rep := verify(VerifyOptions{Deep: true}); len(rep.Findings) != 0 || rep.Packages != 1 || rep.Generations != 1 {
		t.Fatalf("a fresh store:\n%s", findingText(rep))
	}

	must(t, c.SetProps(bg, string(pkg.Dataset), zfs.Props{"readonly": "off"}))
	must(t, os.WriteFile(bin, []byte("evil"), 0o755))
	expect(verify(VerifyOptions{}), "readonly is off", "bytes written since @installed")
	rep := verify(VerifyOptions{Repair: true})
	if !rep.Findings[0].Repaired {
		t.Fatalf("not repaired:\n%s", findingText(rep))
	}
	if got, _ := os.ReadFile(bin); !bytes.Equal(got, orig) {
		t.Fatalf("after repair %s holds %q", bin, got)
	}
	if rep := verify(VerifyOptions{Deep: true}); len(rep.Findings) != 0 {
		t.Fatalf("after repair the content does not match its build-id:\n%s", findingText(rep))
	}

	snap := string(pkg.Snapshot())
	must(t, c.SetProps(bg, string(pkg.Dataset), zfs.Props{"readonly": "off"}))
	must(t, c.Rename(bg, snap, string(pkg.Dataset.Snapshot("moved")), zfs.RenameOptions{}))
	must(t, os.WriteFile(bin, []byte("evil"), 0o755))
	must(t, c.Snapshot(bg, snap))
	must(t, c.SetProps(bg, string(pkg.Dataset), zfs.Props{"readonly": "on"}))
	fast := verify(VerifyOptions{})
	expect(fast, "is not the snapshot taken")
	if strings.Contains(strings.Join(fast.Findings[0].Problems, "; "), "written") {
		t.Fatalf("written since the new snapshot:\n%s", findingText(fast))
	}
	expect(verify(VerifyOptions{Deep: true}), "is not the snapshot taken", "its content has build-id")
	rep = verify(VerifyOptions{Deep: true, Repair: true})
	if f := rep.Findings[0]; f.Repaired || !strings.Contains(f.Unrepaired, "replaced") {
		t.Fatalf("a replaced snapshot was repaired: %+v", f)
	}
	if got, _ := os.ReadFile(bin); string(got) != "evil" {
		t.Fatalf("an unrepairable package was changed: %q", got)
	}
}
