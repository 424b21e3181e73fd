// Package scripts_test tests the project's shell scripts that decide something: fuzz.sh, which
// must fail on every failing input and on nothing else.
package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGo stands in for go: `go env` and `go list -m` as fuzz.sh asks them, and `go test -fuzz`
// as $FAKE_MODE says: a clean run, the toolchain's deadline report (go.dev/issue/75804), that
// report with a failing input written, or another failure.
const fakeGo = `#!/bin/sh
case "$1" in
env) echo "$PWD/.cache" ;;
list) echo example.com/m ;;
test)
	case "$FAKE_MODE" in
	ok) echo "fuzz: elapsed: 2s, execs: 10 (5/sec)" ;;
	deadline) printf -- '--- FAIL: FuzzX (3.03s)\n    context deadline exceeded\nFAIL\n'; exit 1 ;;
	input) mkdir -p a/testdata/fuzz/FuzzX && echo x >a/testdata/fuzz/FuzzX/0123; printf -- '--- FAIL: FuzzX (3.03s)\n    context deadline exceeded\nFAIL\n'; exit 1 ;;
	panic) printf -- '--- FAIL: FuzzX (0.01s)\n    panic: boom\nFAIL\n'; exit 1 ;;
	esac ;;
esac
`

// TestFuzzScriptFailsOnlyOnFailingInputs runs fuzz.sh over a module of one fuzz target with a
// fake go: the toolchain's own deadline report passes, a run that wrote a failing input or
// failed otherwise fails.
func TestFuzzScriptFailsOnlyOnFailingInputs(t *testing.T) {
	script, err := os.ReadFile("fuzz.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode string
		ok   bool
	}{{"ok", true}, {"deadline", true}, {"input", false}, {"panic", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range map[string]string{
				"scripts/fuzz.sh": string(script), "fakego": fakeGo,
				"a/a_test.go": "package a\n\nimport \"testing\"\n\nfunc FuzzX(f *testing.F) {}\n",
			} {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.CommandContext(t.Context(), "bash", filepath.Join(dir, "scripts", "fuzz.sh"))
			cmd.Env = append(os.Environ(), "GO="+filepath.Join(dir, "fakego"), "FAKE_MODE="+tc.mode, "FUZZTIME=2s")
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.ok {
				t.Fatalf("fuzz.sh with %s: %v, want success %v:\n%s", tc.mode, err, tc.ok, out)
			}
			if !tc.ok && !strings.Contains(string(out), "FAILED") {
				t.Fatalf("fuzz.sh failed without saying which target:\n%s", out)
			}
		})
	}
}
