package debconvert

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// buildDeb makes a .deb in dir with dpkg-deb --build from a control file and a tree made by
// fill, and returns its path.
func buildDeb(t *testing.T, dir, control string, fill func(root string)) string {
	t.Helper()
	src := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(src, "DEBIAN"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "DEBIAN", "control"), []byte(control), 0o644))
	fill(src)
	name := strings.Fields(strings.SplitN(control, "\n", 2)[0])[1]
	out := filepath.Join(dir, name+".deb")
	cmd := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", src, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, b)
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConvert(t *testing.T) {
	debs := t.TempDir()
	app := buildDeb(t, debs, "Package: app\nVersion: 1:2.39.5-0+deb12u3\nArchitecture: amd64\nMaintainer: A <a@example.org>\n"+
		"Depends: lib+x (>> 1:1.0), lib+x (<< 1:1.0-.), missing (>= 3)\nDescription: an app\n more text\n", func(root string) {
		must(t, os.MkdirAll(filepath.Join(root, "usr", "bin"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "usr", "bin", "app"), []byte("#!/bin/sh\necho app\n"), 0o755))
		must(t, os.Chmod(filepath.Join(root, "usr", "bin", "app"), fs.ModeSetuid|0o755))
		must(t, os.Link(filepath.Join(root, "usr", "bin", "app"), filepath.Join(root, "usr", "bin", "app2")))
		must(t, os.MkdirAll(filepath.Join(root, "usr", "lib", "ssl"), 0o755))
		must(t, os.Symlink("/etc/ssl/certs", filepath.Join(root, "usr", "lib", "ssl", "certs")))
	})
	buildDeb(t, debs, "Package: lib+x\nVersion: 1:1.0-2\nArchitecture: amd64\nMaintainer: A <a@example.org>\nDescription: a lib\n", func(root string) {
		must(t, os.MkdirAll(filepath.Join(root, "usr", "lib"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, "usr", "lib", "libx.so.1"), []byte("ELF"), 0o644))
	})
	out := filepath.Join(t.TempDir(), "pkgs")
	pkgs, err := Convert(context.Background(), debs, out)
	must(t, err)
	if len(pkgs) != 2 || pkgs[0].Name != "app" || pkgs[1].Name != "lib+x" {
		t.Fatalf("packages: %+v", pkgs)
	}
	p := pkgs[0]
	if p.Dir != "app-2.39.5" || p.Version != "1:2.39.5-0+deb12u3" || p.Files != 1 || p.Links != 1 || p.Bytes != 19 {
		t.Errorf("app: %+v", p)
	}
	dir := filepath.Join(out, "app-2.39.5")
	m, err := pkgmeta.ParseManifest(read(t, dir, "manifest.yaml"))
	must(t, err)
	if m.Name != "app" || m.Version.String() != "2.39.5" || m.Revision != 1 || m.Description != "an app" {
		t.Errorf("manifest: %+v", m)
	}
	deps := string(read(t, dir, "deps.yaml"))
	if !strings.Contains(deps, "- name: lib+x\n    version: \"1.0.0\"\n    constraint: exact\n") || strings.Contains(deps, "missing") {
		t.Errorf("deps.yaml:\n%s", deps)
	}
	if !strings.Contains(string(read(t, dir, "manifest.yaml")), "Depends: missing (>= 3): dropped, not in the set") {
		t.Errorf("the dropped dependency is not recorded:\n%s", read(t, dir, "manifest.yaml"))
	}
	prov, err := pkgmeta.ParseProvenance(read(t, dir, "provenance.yaml"))
	must(t, err)
	sum := sha256.Sum256(read(t, filepath.Dir(app), filepath.Base(app)))
	if prov.Builder != Builder || prov.SourceURL != "app.deb" || prov.SourceHash != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("provenance: %+v", prov)
	}

	// The tree as shipped: the absolute link's target, one file for the hard link, the set-uid bit.
	if target, err := os.Readlink(filepath.Join(dir, "root", "usr", "lib", "ssl", "certs")); err != nil || target != "/etc/ssl/certs" {
		t.Errorf("absolute link: %q, %v", target, err)
	}
	a, err := os.Stat(filepath.Join(dir, "root", "usr", "bin", "app"))
	must(t, err)
	b, err := os.Stat(filepath.Join(dir, "root", "usr", "bin", "app2"))
	must(t, err)
	if !os.SameFile(a, b) {
		t.Error("the hard link became two files")
	}
	if os.Getuid() == 0 && a.Mode()&fs.ModeSetuid == 0 {
		t.Errorf("set-uid bit lost: %v", a.Mode())
	}
	if os.Getuid() == 0 && p.SetID != 1 {
		t.Errorf("set-id files counted: %d", p.SetID)
	}
	if fi, err := os.Stat(filepath.Join(dir, "root")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("root/: %v, %v", fi.Mode(), err)
	}

	var sum2 bytes.Buffer
	Summary(&sum2, pkgs)
	if !strings.Contains(sum2.String(), "total: 2 packages, 2 files, 1 symlinks, 22 bytes") {
		t.Errorf("summary:\n%s", sum2.String())
	}
	// Nothing temporary is left beside the output.
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Errorf("beside the output: %v", ents)
	}
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	must(t, err)
	return b
}

func TestConvertErrors(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if _, err := Convert(ctx, empty, filepath.Join(t.TempDir(), "out")); err == nil || !strings.Contains(err.Error(), "no .deb files") {
		t.Errorf("no debs: %v", err)
	}

	bad := t.TempDir()
	must(t, os.WriteFile(filepath.Join(bad, "broken.deb"), []byte("not an archive"), 0o644))
	if _, err := Convert(ctx, bad, filepath.Join(t.TempDir(), "out")); err == nil || !strings.Contains(err.Error(), "broken.deb") {
		t.Errorf("a broken .deb: %v", err)
	}

	dup := t.TempDir()
	buildDeb(t, dup, "Package: aa\nVersion: 1\nArchitecture: all\nMaintainer: A <a@b>\nDescription: x\n", func(string) {})
	d2 := t.TempDir()
	p := buildDeb(t, d2, "Package: aa\nVersion: 2\nArchitecture: all\nMaintainer: A <a@b>\nDescription: x\n", func(string) {})
	must(t, os.Rename(p, filepath.Join(dup, "aa2.deb")))
	outDir := t.TempDir()
	if _, err := Convert(ctx, dup, filepath.Join(outDir, "out")); err == nil || !strings.Contains(err.Error(), "aa appears twice") {
		t.Errorf("two versions of one package: %v", err)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("a failed conversion left %v", ents)
	}

	one := t.TempDir()
	buildDeb(t, one, "Package: aa\nVersion: 1\nArchitecture: all\nMaintainer: A <a@b>\nDescription: x\n", func(string) {})
	exists := t.TempDir()
	if _, err := Convert(ctx, one, exists); !errors.Is(err, fs.ErrExist) {
		t.Errorf("an existing output: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Convert(cancelled, one, filepath.Join(t.TempDir(), "out")); err == nil {
		t.Error("a cancelled conversion succeeded")
	}
}

// TestCountHardLinksOnce: a file with several names is counted once.
func TestCountHardLinksOnce(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "a"), []byte("12345"), 0o644))
	must(t, os.Link(filepath.Join(root, "a"), filepath.Join(root, "b")))
	must(t, os.Symlink("a", filepath.Join(root, "c")))
	var p Package
	must(t, count(root, &p))
	if p.Files != 1 || p.Bytes != 5 || p.Links != 1 {
		t.Errorf("%+v", p)
	}
}
