package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: files or standard input in, an SVG out (to -o FILE or standard output); a missing
// input file is an error naming it.
func TestRun(t *testing.T) {
	in := "BenchmarkPlan/pkgs=10-2 5 1000000 ns/op 3 zfs-procs/op\nBenchmarkPlan/baseline=naive/pkgs=10-2 5 9000000 ns/op\nnoise\n"
	dir := t.TempDir()
	file := filepath.Join(dir, "bench.txt")
	if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(nil, strings.NewReader(in), &out); err != nil || !strings.Contains(out.String(), "Plan: zfs processes per operation") || !strings.Contains(out.String(), ">naive<") {
		t.Fatalf("stdin to stdout: %v\n%s", err, out.String())
	}
	svg := filepath.Join(dir, "docs", "bench.svg")
	if err := os.MkdirAll(filepath.Dir(svg), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-o", svg, file}, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(svg)
	if err != nil || !strings.HasPrefix(string(b), "<svg ") {
		t.Fatalf("-o: %v\n%s", err, b)
	}
	if err := run([]string{filepath.Join(dir, "nope.txt")}, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("missing input: %v", err)
	}
}
