package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeInstall: make install into a temporary DESTDIR and PREFIX puts the binary, a manual
// page for every command, the three shells' completions and the service files (naming the
// installed binary) under PREFIX, and nothing outside DESTDIR.
func TestMakeInstall(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed to test make install: %v", err)
	}
	for _, tc := range []struct {
		os       string
		services map[string]string // service file -> what it must say
	}{
		{"Linux", map[string]string{
			"lib/systemd/system/axiom-reconcile.service":   "ExecStart=/opt/ar/bin/axiom-reconcile watch ",
			"lib/systemd/system/axiom-config-sync.service": "ExecStart=/opt/ar/bin/axiom-config-sync ",
			"lib/systemd/system/axiom-config-sync.timer":   "[Timer]",
		}},
		{"FreeBSD", map[string]string{"etc/rc.d/axiom_reconcile": `binary="/opt/ar/bin/axiom-reconcile"`}},
	} {
		t.Run(tc.os, func(t *testing.T) {
			dest := t.TempDir()
			cmd := exec.Command("make", "-C", "../..", "install", "DESTDIR="+dest, "PREFIX=/opt/ar", "INSTALL_OS="+tc.os, "BIN="+filepath.Join(t.TempDir(), "axiom-reconcile"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make install: %v\n%s", err, out)
			}
			top, _ := os.ReadDir(dest)
			if len(top) != 1 || top[0].Name() != "opt" {
				t.Errorf("installed outside PREFIX: %v", top)
			}
			files := []string{"bin/axiom-reconcile", "bin/axiom-config-sync", "share/man/man1/axiom-reconcile.1",
				"share/bash-completion/completions/axiom-reconcile", "share/zsh/site-functions/_axiom-reconcile",
				"share/fish/vendor_completions.d/axiom-reconcile.fish"}
			for _, c := range commands() {
				files = append(files, "share/man/man1/axiom-reconcile-"+c.name+".1")
			}
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dest, "opt/ar", f))
				if err != nil || len(b) == 0 {
					t.Errorf("%s: not installed (%v)", f, err)
				}
			}
			for svc, says := range tc.services {
				b, err := os.ReadFile(filepath.Join(dest, "opt/ar", svc))
				if !strings.Contains(string(b), says) {
					t.Errorf("%s does not say %q (%v):\n%s", svc, says, err, b)
				}
			}
			if fi, err := os.Stat(filepath.Join(dest, "opt/ar/bin/axiom-reconcile")); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("the binary is not executable: %v %v", fi, err)
			}
		})
	}
}
