package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

// writePackage makes a package directory in a new source directory and scans it.
func writePackage(t testing.TB, name, ver string, files map[string]string) *source.Package {
	t.Helper()
	src := t.TempDir()
	dir := filepath.Join(src, name+"-"+ver)
	must(t, os.MkdirAll(filepath.Join(dir, "root"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("name: "+name+"\nversion: "+ver+"\nrevision: 1\ndescription: test package\n"), 0o644))
	for p, content := range files {
		full := filepath.Join(dir, "root", p)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(content), 0o755))
	}
	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("scan: %v (%d packages)", err, len(pkgs))
	}
	return pkgs[0]
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
