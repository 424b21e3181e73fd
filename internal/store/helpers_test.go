package store

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"sort"
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

// writeArchivePackage makes the same package as writePackage, as NAME-VER.tar.gz with a
// top-level folder, in a new source directory, and scans it.
func writeArchivePackage(t testing.TB, name, ver string, files map[string]string) *source.Package {
	t.Helper()
	src := t.TempDir()
	f, err := os.Create(filepath.Join(src, name+"-"+ver+".tar.gz"))
	must(t, err)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	top := name + "-" + ver + "/"
	add := func(path string, mode int64, body string) {
		must(t, tw.WriteHeader(&tar.Header{Name: top + path, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		must(t, err)
	}
	add("manifest.yaml", 0o644, "name: "+name+"\nversion: "+ver+"\nrevision: 1\ndescription: test package\n")
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		add("root/"+p, 0o755, files[p])
	}
	must(t, tw.Close())
	must(t, gz.Close())
	must(t, f.Close())
	pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("scan: %v (%d packages)", err, len(pkgs))
	}
	return pkgs[0]
}
