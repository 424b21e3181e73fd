package merge_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

// benchInputs makes n packages of files entries each, shaped like a real environment: shared
// top-level directories, a private share/<pkg> tree, a few symlinks, and a handful of files
// every package ships identically (licence texts), so that some digests are compared. Digests
// are precomputed: the benchmark measures merging, not hashing.
func benchInputs(n, files int) []merge.Input {
	inputs := make([]merge.Input, n)
	for i := range inputs {
		name := fmt.Sprintf("pkg%02d", i)
		in := merge.Input{Name: name, Label: name + " 1.0-1 (0123abcd)"}
		for j := range files {
			var e merge.Entry
			switch {
			case j < 5:
				e = benchFile(fmt.Sprintf("share/licenses/COMMON-%d", j), "same text for everyone")
			case j%50 == 0:
				e = merge.Entry{Path: fmt.Sprintf("lib/lib%s-%d.so", name, j), Type: merge.Symlink, Target: fmt.Sprintf("lib%s-%d.so.1", name, j)}
			case j%3 == 0:
				e = benchFile(fmt.Sprintf("bin/%s-%d", name, j), name)
			case j%3 == 1:
				e = benchFile(fmt.Sprintf("lib/lib%s-%d.so.1", name, j), name)
			default:
				e = benchFile(fmt.Sprintf("share/%s/doc/%d/page-%d.html", name, j%10, j), name)
			}
			in.Entries = append(in.Entries, e)
		}
		inputs[i] = in
	}
	return inputs
}

func benchFile(p, content string) merge.Entry {
	sum := sha256.Sum256([]byte(content))
	return merge.Entry{Path: p, Type: merge.File, Mode: 0o644, Size: int64(len(content)),
		Digest: func() ([32]byte, error) { return sum, nil }}
}

// BenchmarkMerge merges 20 packages of 500 files each.
//
//	go test ./internal/merge -run '^$' -bench BenchmarkMerge -benchmem
func BenchmarkMerge(b *testing.B) {
	inputs := benchInputs(20, 500)
	for b.Loop() {
		res, err := merge.Merge(inputs, merge.PolicyError)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Placed) < 20*490 {
			b.Fatalf("only %d paths placed", len(res.Placed))
		}
	}
}
