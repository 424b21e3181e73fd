package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
)

const ptyConfig = `store {
  dataset    = "tank/axiom"
  mountpoint = "MP"
}
source "samples" {
  path = "PKGS"
}
profile "tools" {
  package "vim" {}
  package "git" {}
}
environment "dev" {
  profile = "tools"
}
`

// applyEnv prepares a model store and a configuration, and returns the command that applies
// it, with its environment (the real detection of terminals: no AXIOM_TEST_TERMINAL).
func applyEnv(t *testing.T) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	te := &testscript.Env{WorkDir: dir}
	if err := setupModel(te); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, kv := range te.Vars {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	cfg := strings.NewReplacer("MP", vars["MP"], "PKGS", vars["PKGS"]).Replace(ptyConfig)
	if err := os.MkdirAll(filepath.Join(dir, "cfg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cfg", "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("axiom-reconcile") // the test binary, as TestMain set it up
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "apply", "-c", filepath.Join(dir, "cfg"), "--lock-file", vars["LOCK"], "--gc-lock-file", vars["GCLOCK"])
	cmd.Env = append(append(os.Environ(), te.Vars...), "NO_COLOR=", "TERM=xterm")
	return cmd
}

// TestPseudoTerminal runs apply under a pseudo-terminal and sees the plan in color and a
// progress bar for each import and realize, and without a terminal sees neither.
func TestPseudoTerminal(t *testing.T) {
	cmd := applyEnv(t)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	_, err = io.Copy(&raw, f) // until the child closes the terminal: EIO on Linux
	if err != nil && !errors.Is(err, syscall.EIO) {
		t.Fatal(err)
	}
	f.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("apply under a terminal: %v\n%s", err, raw.String())
	}
	out := raw.String()
	t.Logf("the terminal's screen:\n%s", screen(out))
	for _, re := range []string{
		`\x1b\[32m  \+ import vim 9\.1\.0-1 `,                                 // a create, green
		`\x1b\[1mPlan: \d+ to add`,                                            // the summary, bold
		`import (git 2\.45\.1-1 \(\w+\)|\d+ packages) \d+/\d+ files +\d+% \|`, // a bar: files done of the total (imports side by side share one)
		`realize dev gen-1 \d+/\d+ files 100% \|█+\| \(\d.*/\d.* [KM]?i?B`,    // bytes of the total
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the terminal did not show %s", re)
		}
	}

	plain := applyEnv(t)
	var stdout, stderr bytes.Buffer
	plain.Stdout, plain.Stderr = &stdout, &stderr
	if err := plain.Run(); err != nil {
		t.Fatalf("apply without a terminal: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "  + import vim 9.1.0-1") {
		t.Errorf("no plan without a terminal:\n%s", stdout.String())
	}
	for _, s := range []string{stdout.String(), stderr.String()} {
		if strings.Contains(s, "\x1b[") || strings.Contains(s, "% |") || strings.Contains(s, "\r") {
			t.Errorf("color or progress without a terminal:\n%q", s)
		}
	}
}

// screen renders what a terminal shows of raw output: a carriage return goes back to the start
// of the line, so a bar redrawn in place shows its last state; SGR escapes are dropped.
func screen(raw string) string {
	raw = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]").ReplaceAllString(raw, "")
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n") {
		var cur []rune
		col := 0
		for _, r := range l {
			if r == '\r' {
				col = 0
				continue
			}
			if col < len(cur) {
				cur[col] = r
			} else {
				cur = append(cur, r)
			}
			col++
		}
		lines = append(lines, strings.TrimRight(string(cur), " "))
	}
	return strings.Join(lines, "\n")
}
