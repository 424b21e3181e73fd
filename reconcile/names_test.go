package reconcile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
)

// writeSourcePackage writes a package directory name-version into src: its manifest, deps (each
// "name constraint") and one file under root/.
func writeSourcePackage(t testing.TB, src, name, version string, deps []string, file string) {
	t.Helper()
	dir := filepath.Join(src, name+"-"+version)
	must(t, os.MkdirAll(filepath.Join(dir, "root", filepath.Dir(file)), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("name: "+name+"\nversion: "+version+"\nrevision: 1\n"), 0o644))
	d := "dependencies:\n"
	if len(deps) == 0 {
		d = "dependencies: []\n"
	}
	for _, dep := range deps {
		n, c, _ := strings.Cut(dep, " ")
		d += "  - name: " + n + "\n    version: \"" + c + "\"\n"
	}
	must(t, os.WriteFile(filepath.Join(dir, "deps.yaml"), []byte(d), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "root", file), []byte(name+" "+version+"\n"), 0o644))
}

// TestPlusNamesOnModel: packages named with '+' (libstdc++6, and its dependency g++-12) are
// imported, realized, held and collected like any other. Their datasets are named with ':' for
// '+', as ZFS requires; everything a person reads (plan, status, lock, warnings) shows the real
// names and never the dataset spelling.
func TestPlusNamesOnModel(t *testing.T) {
	src := t.TempDir()
	writeSourcePackage(t, src, "libstdc++6", "12.2.0", []string{"g++-12 ^12.2.0"}, "lib/libstdc++.so.6")
	writeSourcePackage(t, src, "g++-12", "12.2.0", nil, "bin/g++-12")
	w := newWorld(t, src, profileHCL("cxx", "libstdc++6")+envHCL("cxx", "cxx")+gcHCL("1h", 100))

	plan := w.apply(defaults)
	text := humanPlan(plan)
	for _, want := range []string{"import libstdc++6 12.2.0-1 (", "import g++-12 12.2.0-1 (", "lock g++-12 12.2.0-1, libstdc++6 12.2.0-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the plan does not say %q:\n%s", want, text)
		}
	}
	noDatasetSpelling(t, "plan", text)
	// The datasets use ':', and the generation and the profile hold them.
	lib, gxx := w.pkgDataset("libstdc::6/12.2.0/1"), w.pkgDataset("g::-12/12.2.0/1")
	for _, ds := range []string{lib, gxx} {
		if got := w.holds(ds + "@" + layout.SnapInstalled); !slices.Equal(got, layout.Strings([]layout.Tag{layout.HoldTag("cxx", 1), layout.ProfileHoldTag("cxx")})) {
			t.Errorf("holds on %s: %v", ds, got)
		}
	}
	// The lock and the generation have the real names, and the files of both packages.
	lock, err := os.ReadFile(filepath.Join(w.mp, "profiles", "cxx", layout.LockFile))
	must(t, err)
	if !strings.Contains(string(lock), "name: libstdc++6\n") || !strings.Contains(string(lock), "name: g++-12\n") {
		t.Errorf("lock:\n%s", lock)
	}
	noDatasetSpelling(t, "lock", string(lock))
	gen := filepath.Join(w.mp, "env", "cxx", "gen-1")
	for file, want := range map[string]string{"lib/libstdc++.so.6": "libstdc++6 12.2.0\n", "bin/g++-12": "g++-12 12.2.0\n"} {
		if b, err := os.ReadFile(filepath.Join(gen, file)); err != nil || string(b) != want {
			t.Errorf("%s in gen-1: %q, %v", file, b, err)
		}
	}

	// Status counts them and shows pending work by real name.
	w.write("main.hcl", gcHCL("1h", 100))
	st, err := w.e.Status(bg, w.cfg())
	must(t, err)
	if st.Packages.Total != 2 || st.Packages.Held != 2 {
		t.Errorf("status packages %+v", st.Packages)
	}
	var b strings.Builder
	st.WriteHuman(&b)
	noDatasetSpelling(t, "status", b.String())

	// With the profile and environment gone, both are collected once the grace period is over,
	// with the parents they leave.
	w.apply(defaults) // removes the environment and profile (the holds go with the generation)
	w.clk.t = w.clk.t.Add(2 * time.Hour)
	st, err = w.e.Status(bg, w.cfg())
	must(t, err)
	if pending := strings.Join(st.Pending, "\n"); !strings.Contains(pending, "collect 2 packages: g++-12 12.2.0-1 (") {
		t.Errorf("status pending:\n%s", pending)
	}
	b.Reset()
	st.WriteHuman(&b)
	noDatasetSpelling(t, "status", b.String())
	plan = w.mustPlan(defaults)
	text = humanPlan(plan)
	if gc := stepsOf(plan, KindGC); len(gc) != 1 || !strings.HasPrefix(gc[0].Summary, "collect 2 packages: g++-12 12.2.0-1 (") ||
		!strings.Contains(gc[0].Summary, "), libstdc++6 12.2.0-1 (") {
		t.Fatalf("want both packages collected by name:\n%s", text)
	}
	noDatasetSpelling(t, "gc plan", text)
	w.apply(defaults)
	for _, ds := range []string{lib, gxx, testRoot + "/store/pkg/libstdc::6", testRoot + "/store/pkg/g::-12"} {
		if w.exists(ds) {
			t.Errorf("%s survived GC", ds)
		}
	}
}

// noDatasetSpelling fails if text shows a package name in its dataset spelling.
func noDatasetSpelling(t *testing.T, what, text string) {
	t.Helper()
	for _, bad := range []string{"libstdc::6", "g::-12"} {
		if strings.Contains(text, bad) {
			t.Errorf("the %s shows %q, a dataset name, not the package's name:\n%s", what, bad, text)
		}
	}
}
