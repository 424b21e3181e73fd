package gitrev

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchRepo commits n files in 50 directories. With trusted the index is newer than every file
// (the usual case: stat data decides); without, every file is racily clean and is hashed.
func benchRepo(b *testing.B, n int, trusted bool) string {
	r := newRepo(b)
	old := time.Now().Add(-time.Hour)
	for i := range n {
		p := filepath.Join(r, "hosts", fmt.Sprintf("h%02d", i%50), fmt.Sprintf("f%04d.hcl", i))
		write(b, p, fmt.Sprintf("profile p%d { packages = [\"bash\"] }\n", i))
		must(b, os.Chtimes(p, old, old))
	}
	git(b, r, "add", "-A")
	git(b, r, "commit", "-q", "-m", "many")
	idx := filepath.Join(r, ".git", "index")
	when := old.Add(-time.Minute)
	if trusted {
		when = time.Now()
	}
	must(b, os.Chtimes(idx, when, when))
	return r
}

func BenchmarkRead(b *testing.B) {
	for _, trusted := range []bool{true, false} {
		r := benchRepo(b, 3000, trusted)
		b.Run(fmt.Sprintf("3000 files, stat trusted=%v", trusted), func(b *testing.B) {
			for b.Loop() {
				rev, err := Read(b.Context(), r)
				if err != nil || rev.Dirty {
					b.Fatalf("Read = %+v, %v", rev, err)
				}
			}
		})
	}
}
