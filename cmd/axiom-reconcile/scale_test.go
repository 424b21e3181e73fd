package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile/scaletest"
)

// BenchmarkScalePeakRSS measures the peak resident memory of a no-op `plan` of a synthetic
// store of 10,000 packages (issue 13, goal 6: at most 100 MB), in a process of its own so that
// it is the plan's peak and not the benchmark's: the test binary run as the command against the
// store saved as a model file, with the source scan cache warm, as every run of `plan` on a
// host whose sources did not change. The peak (peak-rss-MB, the child's own VmHWM: see
// writePeakRSS for why not the rusage of its wait) is an upper
// bound of the plan's: the in-memory model of the ZFS tree (read from its JSON file) lives in
// that process too, where real ZFS's would be in the zfs process; model-rss-MB is the peak of
// `version` run the same way (the model loaded, nothing planned), that share.
func BenchmarkScalePeakRSS(b *testing.B) {
	const n = 10000
	dir := scaletest.TempDir(b)
	s, err := scaletest.Build(context.Background(), dir, n)
	if err != nil {
		b.Fatal(err)
	}
	model := filepath.Join(dir, "model.json")
	if err := s.Model.Save(model); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("pkgs=%d", n), func(b *testing.B) {
		var peak int64
		for b.Loop() {
			peak = max(peak, commandRSS(b, s, model, "plan", "-c", s.Dir, "--detailed-exitcode"))
		}
		b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
		b.ReportMetric(float64(commandRSS(b, s, model, "version"))/1024, "model-rss-MB")
	})
}

// commandRSS runs axiom-reconcile with args against the synthetic store's model and returns its
// peak RSS in KiB; it fails unless the command exits 0 (for `plan --detailed-exitcode`: no
// changes).
func commandRSS(b *testing.B, s *scaletest.Store, model string, args ...string) int64 {
	b.Helper()
	if args[0] != "version" {
		args = append(args, "--lock-file", filepath.Join(s.Mirror, "..", "lock"), "--gc-lock-file", filepath.Join(s.Mirror, "..", "gc.lock"))
	}
	cmd := exec.Command("axiom-reconcile", args...)
	peak := filepath.Join(s.Mirror, "..", "peak-rss")
	cmd.Env = append(cmd.Environ(), envModel+"="+model, envMirror+"="+s.Mirror, envPeakRSS+"="+peak,
		"AXIOM_RECONCILE_CACHE_DIR="+filepath.Dir(s.Cache))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s of %d packages: %v\n%s", args[0], s.N, err, out.String())
	}
	v, err := os.ReadFile(peak)
	if err != nil {
		b.Skipf("no peak RSS (VmHWM is Linux's): %v", err)
	}
	var kib int64
	if _, err := fmt.Sscanf(string(v), "%d kB", &kib); err != nil {
		b.Fatalf("peak RSS %q: %v", v, err)
	}
	return kib
}
