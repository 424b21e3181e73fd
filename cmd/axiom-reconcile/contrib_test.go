package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The service files in contrib/ start `axiom-reconcile watch` with flags of their own: they must
// stay flags the command has, with values it accepts. Each command line is parsed as the CLI
// parses it, with -h appended (the flag package reads every flag before it, so an unknown flag
// or a bad value fails first; -h alone then stops before anything runs).
func TestServiceFilesMatchTheCLI(t *testing.T) {
	unit := readContrib(t, "../../contrib/systemd/axiom-reconcile.service")
	rc := readContrib(t, "../../contrib/freebsd/axiom_reconcile")
	for _, tc := range []struct {
		name string
		line string
	}{
		// systemd splits an unbraced $VAR into words.
		{"systemd ExecStart", strings.ReplaceAll(grab(t, unit, `(?m)^ExecStart=\S+ (.*)$`), "$AXIOM_RECONCILE_DIRS",
			grab(t, unit, `(?m)^Environment="AXIOM_RECONCILE_DIRS=([^"]*)"$`))},
		{"systemd ExecStart, a fleet host's directories", strings.ReplaceAll(grab(t, unit, `(?m)^ExecStart=\S+ (.*)$`), "$AXIOM_RECONCILE_DIRS",
			grab(t, unit, `(?m)^#   AXIOM_RECONCILE_DIRS=(.*)$`))},
		{"rc.d command_args", "watch -c " + strings.Join(strings.Fields(grab(t, rc, `(?m)^: \$\{axiom_reconcile_config:="([^"]*)"\}$`)), " -c ") + " " + grab(t, rc, `(?m)^: \$\{axiom_reconcile_args:="([^"]*)"\}$`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := strings.Fields(tc.line)
			if len(args) < 2 || args[0] != "watch" {
				t.Fatalf("%q does not run the watch command", tc.line)
			}
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}
			if code := run(bg, append(args, "-h"), e); code != exitOK {
				t.Fatalf("axiom-reconcile %s: exit %d:\n%s", tc.line, code, stderr.String())
			}
			if !strings.Contains(stdout.String(), "--metrics-addr") {
				t.Fatalf("-h did not print watch's help:\n%s", stdout.String())
			}
		})
	}
	// Both reload with SIGHUP (a pass now) and stop with SIGTERM (finish the step, exit 0); the
	// unit signals only the main process, so a zfs child is never killed half-way. It must be
	// able to write set-uid files: the store keeps them as shipped, and allow_setuid keeps them in
	// environments.
	for _, want := range []string{"ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "KillMode=mixed"} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("the systemd unit lacks %q", want)
		}
	}
	if strings.Contains(unit, "\nRestrictSUIDSGID=yes\n") {
		t.Error("the systemd unit sets RestrictSUIDSGID=yes, which makes importing su or passwd fail")
	}
	if !strings.Contains(rc, `kill -HUP "$(cat "${child_pidfile}")"`) {
		t.Error("the rc.d script's reload does not send SIGHUP to the daemon")
	}
}

func readContrib(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// grab returns the first submatch of re in s.
func grab(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", re)
	}
	return m[1]
}
