//go:build realzfs

package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rs/zerolog"

	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs/zfstest"
)

// TestScriptsReal runs testdata/realzfs/*.txtar against real ZFS. Each script gets a fresh root
// below the test pool as $ROOT (mounted at $MP), the sample packages as $PKGS, and lock files in
// its work directory ($LOCK and $GCLOCK).
func TestScriptsReal(t *testing.T) {
	t.Parallel() // beside the other long real tests: see scripts/test-realzfs.sh
	pool := zfstest.RealPool(t)
	pkgs, err := filepath.Abs("../../examples/packages")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/realzfs",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
		Setup: func(env *testscript.Env) error {
			c := zfs.NewCLI(zerolog.Nop())
			root := zfstest.NewRoot(t, c, pool) + "/axiom" // destroyed when all scripts are done
			env.Setenv("ROOT", root)
			env.Setenv("MP", "/"+root)
			env.Setenv("PKGS", pkgs)
			env.Setenv("LOCK", env.WorkDir+"/lock")
			env.Setenv("GCLOCK", env.WorkDir+"/gc.lock")
			env.Setenv("AXIOM_RECONCILE_CACHE_DIR", env.WorkDir+"/cache")
			return nil
		},
	})
}
