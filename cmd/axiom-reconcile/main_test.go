package main

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the scripts' expected output with the actual output (cmp files)")

// TestMain lets the test binary run as axiom-reconcile, so the scripts run the real run()
// without a separate build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"axiom-reconcile": func() {
			os.Exit(run(context.Background(), os.Args[1:], osEnv()))
		},
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
	})
}

var bg = context.Background()
