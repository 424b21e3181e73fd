//go:build realzfs

package e2e

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// BenchmarkVerifySmall and BenchmarkVerifyLarge time verify of a store holding a real set (every
// package imported and realized into one environment), fast and deep, beside their baselines: a
// bare `zfs list -r` of the store for fast mode, and `sha256sum` of every regular file of the
// same packages and generation for deep mode. Reported: each mode's time per verify and its
// ratio to its baseline.
func BenchmarkVerifySmall(b *testing.B) { benchmarkVerify(b, "small") }

// BenchmarkVerifyLarge is BenchmarkVerifySmall on the large set.
func BenchmarkVerifyLarge(b *testing.B) { benchmarkVerify(b, "large") }

func benchmarkVerify(b *testing.B, set string) {
	e, c, top, root, mp := realEngine(b)
	pkgs := corpus(b, c, top, set)
	names := make([]string, 0)
	for n := range packageDirs(b, pkgs) {
		names = append(names, n)
	}
	sort.Strings(names)
	var hcl strings.Builder
	fmt.Fprintf(&hcl, "store {\n  dataset = %q\n  mountpoint = %q\n}\nsource \"debian\" {\n  path = %q\n}\nprofile \"all\" {\n", root, mp, pkgs)
	for _, n := range names {
		fmt.Fprintf(&hcl, "  package %q { allow_setuid = true }\n", n)
	}
	hcl.WriteString("}\nenvironment \"all\" {\n  profile = \"all\"\n}\n")
	cfg := writeConfig(b, b.TempDir(), hcl.String())
	if plan, _, err := e.Reconcile(bg, cfg, reconcile.PlanOptions{}); err != nil {
		b.Fatalf("apply: %v\n%s", err, planText(plan))
	}
	files, bytes := treeSize(b, mp)
	b.Logf("%s set in the store: %d packages, %d files (store and generation), %d bytes", set, len(names), files, bytes)
	timed := func(d *time.Duration, fn func() error) {
		b.Helper()
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(t0)
	}
	verify := func(deep bool) func() error {
		return func() error {
			rep, err := e.Verify(bg, cfg, reconcile.VerifyOptions{Deep: deep})
			if err == nil && len(rep.Findings) > 0 {
				err = fmt.Errorf("verify (deep %v) found drift in a fresh store: %+v", deep, rep.Findings)
			}
			return err
		}
	}
	command := func(shell string) func() error {
		return func() error {
			out, err := exec.Command("sh", "-c", shell).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", shell, err, out)
			}
			return nil
		}
	}
	var fast, deep, list, sum time.Duration
	for b.Loop() {
		timed(&fast, verify(false))
		timed(&list, command("zfs list -r -H -p -t filesystem,snapshot "+root+" >/dev/null"))
		timed(&deep, verify(true))
		timed(&sum, command("find "+mp+" -type f -print0 | xargs -0 -r sha256sum >/dev/null"))
	}
	n := float64(b.N)
	b.ReportMetric(float64(fast.Milliseconds())/n, "fast-ms/op")
	b.ReportMetric(float64(list.Milliseconds())/n, "zfs-list-ms/op")
	b.ReportMetric(float64(fast)/float64(list), "fast-x-zfs-list")
	b.ReportMetric(float64(deep.Milliseconds())/n, "deep-ms/op")
	b.ReportMetric(float64(sum.Milliseconds())/n, "sha256sum-ms/op")
	b.ReportMetric(float64(deep)/float64(sum), "deep-x-sha256sum")
}
