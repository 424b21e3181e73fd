package reconcile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The activate script quotes every path for the shell: whatever a directory's name holds, sourcing
// the script runs nothing but itself, and PATH gets the directory as it is.
func TestActivateScriptQuotesPaths(t *testing.T) {
	base := t.TempDir()
	pwned := filepath.Join(base, "pwned")
	dir := filepath.Join(base, `it's "$(touch `+pwned+`)" `+"`touch "+pwned+"`")
	must(t, os.MkdirAll(dir, 0o755))
	script := filepath.Join(dir, "activate")
	must(t, os.WriteFile(script, []byte(activateScript("dev", dir)), 0o644))
	cmd := exec.Command("sh", "-c", `. "$1" && printf '%s\n' "$PATH" "$AXIOM_ENV" && deactivate && printf '%s\n' "${AXIOM_ENV-unset}"`, "sh", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin"} // no deactivate of another tool's on it
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sourcing the script: %v\n%s", err, out)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("sourcing the activate script ran a command hidden in its directory's name")
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	cur := filepath.Join(dir, "current")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], cur+"/bin:"+cur+"/sbin") || lines[1] != "dev" || lines[2] != "unset" {
		t.Fatalf("after sourcing: %q; want PATH starting with %s/bin, AXIOM_ENV dev, and unset after deactivate", lines, cur)
	}
}
