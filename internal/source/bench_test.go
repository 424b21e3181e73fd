package source_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
)

// BenchmarkScan scans a source directory of 50 packages (25 directories, 25 .tar.gz with a
// top-level folder), each with 40 files of 4 KiB in 5 directories and a symlink.
func BenchmarkScan(b *testing.B) {
	src := b.TempDir()
	var total int64
	for i := range 50 {
		name := fmt.Sprintf("pkg%02d", i)
		s := pkgSpec{manifest: manifest(name, "1.0.0"), files: map[string]string{"bin/link": "-> ../lib0/f0"}}
		for j := range 40 {
			body := strings.Repeat(fmt.Sprintf("%s file %d ", name, j), 4096)[:4096]
			s.files[fmt.Sprintf("lib%d/f%d", j%5, j)] = body
			total += 4096
		}
		d := filepath.Join(src, name)
		if i%2 == 1 {
			d = filepath.Join(b.TempDir(), name)
		}
		writePkg(b, d, s)
		if i%2 == 1 {
			writeArchive(b, src, name+".tar.gz", tarDir(b, d, tarOpts{top: name + "-1.0.0"}))
		}
	}
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		pkgs, err := source.Scan(context.Background(), []string{src}, archive.Limits{})
		if err != nil || len(pkgs) != 50 {
			b.Fatalf("Scan = %d packages, %v", len(pkgs), err)
		}
	}
}
