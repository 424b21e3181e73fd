//go:build realzfs

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

// BenchmarkColdApplyLarge times a cold apply of the large real set
// (scripts/realpkgs/sets/large.list: every package imported into its own dataset and realized
// into one environment) beside a baseline of `cp -a` of the same package roots into one fresh
// dataset each, and reports the ratio. Each iteration starts from an empty tree.
func BenchmarkColdApplyLarge(b *testing.B) {
	pool := zfstest.RealPool(b)
	c := zfs.NewCLI(zerolog.Nop(), zfs.WithProps(layout.Props()...))
	e := &reconcile.Engine{ZFS: c, Log: zerolog.Nop()}
	pkgs := corpus(b, c, zfstest.NewRoot(b, c, pool), "large")
	dirs := packageDirs(b, pkgs)
	names := make([]string, 0, len(dirs))
	for n := range dirs {
		names = append(names, n)
	}
	sort.Strings(names)
	files, bytes := setSize(b, pkgs)
	b.Logf("large real set: %d packages, %d files, %d bytes", len(names), files, bytes)

	var hcl strings.Builder
	hcl.WriteString("profile \"large\" {\n")
	for _, n := range names {
		fmt.Fprintf(&hcl, "  package %q { allow_setuid = true }\n", n)
	}
	hcl.WriteString("}\nenvironment \"large\" {\n  profile = \"large\"\n}\n")

	// Trees are made and destroyed per iteration (not by zfstest.NewRoot, which destroys at the
	// end), so that the pool holds one copy of the set at a time.
	tree := func(name string) string {
		ds := fmt.Sprintf("%s/bench-%s", pool, name)
		if err := c.Create(bg, ds, zfs.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		return ds
	}
	var ours, baseline time.Duration
	for i := 0; b.Loop(); i++ {
		top := tree(fmt.Sprintf("ours-%d", i))
		root, mp := top+"/axiom", "/"+top+"/axiom"
		cfg := writeConfig(b, b.TempDir(), fmt.Sprintf("store {\n  dataset = %q\n  mountpoint = %q\n}\nsource \"debian\" {\n  path = %q\n}\n%s",
			root, mp, pkgs, hcl.String()))
		t0 := time.Now()
		if plan, _, err := e.Reconcile(bg, cfg, reconcile.PlanOptions{}); err != nil {
			b.Fatalf("cold apply: %v\n%s", err, planText(plan))
		}
		ours += time.Since(t0)
		zfstest.Cleanup(b, c, top)

		base := tree(fmt.Sprintf("cp-%d", i))
		t1 := time.Now()
		for _, n := range names {
			ds := base + "/" + strings.ReplaceAll(n, "+", ":")
			if err := c.Create(bg, ds, zfs.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
			if out, err := exec.Command("cp", "-a", filepath.Join(dirs[n], "root")+"/.", "/"+ds+"/").CombinedOutput(); err != nil {
				b.Fatalf("cp -a %s: %v\n%s", n, err, out)
			}
		}
		must(b, exec.Command("sync").Run())
		baseline += time.Since(t1)
		zfstest.Cleanup(b, c, base)
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "ours-ms/op")
	b.ReportMetric(float64(baseline.Milliseconds())/float64(b.N), "cp-a-ms/op")
	b.ReportMetric(float64(ours)/float64(baseline), "x-baseline")
}
