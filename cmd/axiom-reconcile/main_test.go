package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the scripts' expected output with the actual output (cmp files)")

// TestMain lets the test binary run as axiom-reconcile, so the scripts run the real run()
// without a separate build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"axiom-reconcile": func() { os.Exit(runAsCommand()) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script embeds its configuration files and
// asserts exit status, stdout and stderr.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Setup:               setupModel,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
	})
}

// cmdExits implements the script command
//
//	exits CODE PROGRAM [ARGS...]
//
// which runs PROGRAM like exec and fails unless it exits with status CODE exactly (`! exec`
// only asserts a non-zero status). stdout and stderr are kept for the commands that follow.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 {
		ts.Fatalf("exits: bad exit status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

var bg = context.Background()

// recordT is a testscript.T that records failure instead of failing the test, so that
// TestExitsCommand can run scripts that must fail.
type recordT struct {
	failed bool
	log    strings.Builder
}

func (r *recordT) Skip(args ...any)  { r.Fatal(args...) }
func (r *recordT) Fatal(args ...any) { r.log.WriteString(fmt.Sprint(args...)); r.FailNow() }
func (r *recordT) Parallel()         {}
func (r *recordT) Log(args ...any)   { r.log.WriteString(fmt.Sprintln(args...)) }
func (r *recordT) FailNow()          { r.failed = true; runtime.Goexit() }
func (r *recordT) Verbose() bool     { return false }
func (r *recordT) Run(_ string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// TestExitsCommand: exits passes only on the exact status, and keeps the output for the
// commands after it.
func TestExitsCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		script string
		fail   string // what the log must say; "" when the script must pass
	}{
		{"exits 1 axiom-reconcile validate -c nope\nstderr 'Cannot read configuration directory'\n", ""},
		{"exits 0 axiom-reconcile help\nstdout 'EXIT STATUS'\n", ""},
		{"exits 0 axiom-reconcile validate -c nope\n", "exit status 1, want 0"},
		{"exits 2 axiom-reconcile validate -c nope\n", "exit status 1, want 2"},
		{"exits 1 axiom-reconcile help\n", "exit status 0, want 1"},
		{"exits one axiom-reconcile help\n", `bad exit status "one"`},
		{"! exits 1 axiom-reconcile help\n", "unsupported: ! exits"},
		{"exits 1\n", "usage: exits CODE PROGRAM"},
	} {
		path := filepath.Join(dir, "case.txtar")
		if err := os.WriteFile(path, []byte(tc.script), 0o644); err != nil {
			t.Fatal(err)
		}
		var r recordT
		testscript.RunT(&r, testscript.Params{
			Files:               []string{path},
			RequireExplicitExec: true,
			Cmds:                map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
		})
		switch {
		case tc.fail == "" && r.failed:
			t.Errorf("script %q failed:\n%s", tc.script, r.log.String())
		case tc.fail != "" && !r.failed:
			t.Errorf("script %q passed, want a failure saying %q", tc.script, tc.fail)
		case tc.fail != "" && !strings.Contains(r.log.String(), tc.fail):
			t.Errorf("script %q failed without saying %q:\n%s", tc.script, tc.fail, r.log.String())
		}
	}
}

// TestScriptsUseExits: every script, on the model and on real ZFS, runs axiom-reconcile with
// `exits CODE` (the exact status), never with exec or `! exec`, which accept any failure.
// Backgrounded commands (`exec ... &`) are the exception testscript forces; `wait` checks them.
func TestScriptsUseExits(t *testing.T) {
	paths, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		script, _, _ := strings.Cut(string(b), "\n-- ")
		for i, line := range strings.Split(script, "\n") {
			line = strings.TrimSpace(line)
			bare := strings.TrimSpace(strings.TrimPrefix(line, "!"))
			if strings.HasPrefix(bare, "exec axiom-reconcile ") && !strings.HasSuffix(line, "&") {
				t.Errorf("%s:%d: %q: use `exits CODE axiom-reconcile ...`", p, i+1, line)
			}
		}
	}
}
