package reconcile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// refusedSource is the sample packages plus two the store refuses (each holds a FIFO): a newer
// readline, and libbroken, on which a package "tool" depends.
func refusedSource(t *testing.T) string {
	t.Helper()
	src := samplePackages(t)
	pkg := func(dir, manifest, deps string) {
		must(t, os.MkdirAll(filepath.Join(src, dir, "root"), 0o755))
		must(t, os.WriteFile(filepath.Join(src, dir, "manifest.yaml"), []byte(manifest), 0o644))
		if deps != "" {
			must(t, os.WriteFile(filepath.Join(src, dir, "deps.yaml"), []byte(deps), 0o644))
		}
	}
	pkg("readline-9.0.0", "name: readline\nversion: 9.0.0\n", "")
	must(t, syscall.Mkfifo(filepath.Join(src, "readline-9.0.0", "root", "fifo"), 0o644))
	pkg("libbroken-1.0.0", "name: libbroken\nversion: 1.0.0\n", "")
	must(t, syscall.Mkfifo(filepath.Join(src, "libbroken-1.0.0", "root", "fifo"), 0o644))
	pkg("tool-1.0.0", "name: tool\nversion: 1.0.0\n", "dependencies:\n  - name: libbroken\n")
	return src
}

// One refused package never blocks the others: a profile of good packages applies, with a warning
// naming each refused package, and a profile that needs one fails naming the refusal.
func TestRefusedPackageLeftOut(t *testing.T) {
	w := newWorld(t, refusedSource(t), `profile "p" {
  package "make" {}
  package "readline" {}
}
environment "e" {
  profile = "p"
}
`)
	p := w.apply(defaults)
	if !w.exists(w.pkgDataset("make/4.4.1/1")) || !w.exists(w.pkgDataset("readline/8.2.1/1")) {
		t.Fatalf("the good packages were not imported:\n%s", planText(p))
	}
	var refused []string
	for _, r := range p.Refused {
		refused = append(refused, r.Package)
		if !strings.Contains(r.Reason, r.Origin) || !strings.Contains(r.Reason, "special file") {
			t.Errorf("refusal of %s does not name its origin and reason: %q", r.Package, r.Reason)
		}
	}
	if strings.Join(refused, " ") != "libbroken readline" {
		t.Errorf("plan.Refused names %q; want libbroken and readline", refused)
	}
	if n := strings.Count(strings.Join(p.Warnings, "\n"), "is left out"); n != 2 {
		t.Errorf("want one warning per refused package, got %d:\n%s", n, strings.Join(p.Warnings, "\n"))
	}

	cases := []struct{ name, config, refused string }{
		{"requested", `profile "q" {
  package "readline" { version = ">=9.0.0" }
}
`, "readline"},
		{"a dependency", `profile "q" {
  package "tool" {}
}
`, "libbroken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w.write("q.hcl", tc.config)
			defer os.Remove(filepath.Join(w.dir, "q.hcl"))
			_, err := w.plan(defaults)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("plan error is not a *RefusedError: %v", err)
			}
			if len(re.Refused) != 1 || re.Refused[0].Package != tc.refused {
				t.Fatalf("RefusedError names %v; want only %s", re.Refused, tc.refused)
			}
			msg := err.Error()
			if !strings.Contains(msg, `needs package "`+tc.refused+`", which was refused`) || !strings.Contains(msg, "special file") {
				t.Errorf("error does not lead with the refusal and its reason: %s", msg)
			}
		})
	}
}
