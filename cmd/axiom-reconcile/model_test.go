package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// The command-line scripts run every command against the in-memory ZFS model: the test binary,
// run as axiom-reconcile (see TestMain), takes its store from the model file the script's set-up
// made ($AXIOM_TEST_MODEL) instead of the zfs command. Each command is a process of its own, so
// the model is loaded before the command and saved after it when the command changed it. Only
// the test binary reads these variables; the production binary always uses realStore.
const (
	envModel  = "AXIOM_TEST_MODEL"  // the saved model
	envMirror = "AXIOM_TEST_MIRROR" // the directory the model's mountpoints live under
	envNow    = "AXIOM_TEST_NOW"    // the clock, RFC 3339; the system clock when unset
	// envTerminal, when set, makes the command take stdout and stderr for terminals (color,
	// progress bars) although a script's are files; the pty test proves the real detection.
	envTerminal = "AXIOM_TEST_TERMINAL"
	// envPeakRSS, when set, is a file the command writes its peak RSS to as it exits (VmHWM,
	// see writePeakRSS).
	envPeakRSS = "AXIOM_TEST_PEAK_RSS"
)

// runAsCommand is the test binary run as axiom-reconcile by a script.
func runAsCommand() int {
	if p := os.Getenv(envPeakRSS); p != "" {
		defer writePeakRSS(p)
	}
	e := osEnv()
	if os.Getenv(envTerminal) != "" {
		e.stdoutIsTerminal, e.stderrIsTerminal = true, true
	}
	path := os.Getenv(envModel)
	if path == "" {
		return run(context.Background(), os.Args[1:], e)
	}
	m, err := zfstest.LoadModel(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test model:", err)
		return 99
	}
	m.MirrorUnder = os.Getenv(envMirror)
	now := time.Now
	if s := os.Getenv(envNow); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "test model: %s=%q: %v\n", envNow, s, err)
			return 99
		}
		now = func() time.Time { return t }
		m.Clock = now
	}
	e.store = func(zerolog.Logger) storeAccess {
		return storeAccess{zfs: m, now: now, mountCheck: func(string) error { return nil }}
	}
	code := run(context.Background(), os.Args[1:], e)
	if m.Calls > 0 { // only a command that changed the model saves it: a concurrent reader never overwrites
		if err := m.Save(path); err != nil {
			fmt.Fprintln(os.Stderr, "test model:", err)
			return 99
		}
	}
	return code
}

// setupModel gives a script an empty model with the pool tank, a store at $ROOT (tank/axiom)
// mounted at $MP, the sample packages as $PKGS, and lock files in its work directory ($LOCK and
// $GCLOCK), the same variables the real-ZFS scripts get.
func setupModel(env *testscript.Env) error {
	pkgs, err := filepath.Abs("../../examples/packages")
	if err != nil {
		return err
	}
	mirror := filepath.Join(env.WorkDir, "mnt")
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		return err
	}
	model := filepath.Join(env.WorkDir, ".model.json")
	if err := zfstest.NewModel("tank").Save(model); err != nil {
		return err
	}
	for k, v := range map[string]string{
		envModel: model, envMirror: mirror,
		"ROOT": "tank/axiom", "MP": filepath.Join(mirror, "axiom"), "PKGS": pkgs,
		"LOCK": filepath.Join(env.WorkDir, "lock"), "GCLOCK": filepath.Join(env.WorkDir, "gc.lock"),
		"AXIOM_RECONCILE_CACHE_DIR": filepath.Join(env.WorkDir, "cache"),
	} {
		env.Setenv(k, v)
	}
	return nil
}

// writePeakRSS writes the process's peak resident set (VmHWM of /proc/self/status, "NNN kB") to
// path. Not the rusage a parent gets from wait: on Linux a child started with vfork (as Go's
// os/exec does) inherits its parent's peak RSS into ru_maxrss at exec, so a large parent (a
// benchmark holding a store) would be measured instead of the child. VmHWM belongs to the
// process's own address space, made new at exec.
func writePeakRSS(path string) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			_ = os.WriteFile(path, []byte(strings.TrimSpace(v)), 0o644)
		}
	}
}
