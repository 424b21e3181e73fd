package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
)

// runAsCommand is the test binary run as axiom-reconcile by a script.
func runAsCommand() int {
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
