package main

import (
	"context"
	"errors"
	"flag"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/configdirs"
	"github.com/axiom-reconcile/axiom-reconcile/internal/gitrev"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// dirsFlag is -c DIR, which every command that reads the configuration takes, any number of
// times: the directories are read as one configuration (spec.Loader.LoadDirs; a block declared
// in two of them is an error naming both places). Unset, it is the current directory. A
// command registers it with register and reads it with list:
//
//	var dirs dirsFlag
//	dirs.register(fs, "read")
//	... loadConfig(g.env, dirs.list())
type dirsFlag struct{ dirs []string }

func (d *dirsFlag) register(fs *flag.FlagSet, verb string) {
	fs.Var(d, "c", verb+" the configuration in `DIR` (repeatable: the directories are read as one configuration; default: the current directory)")
}

// String is the directories given, for the flag package (which shows no default for "").
func (d *dirsFlag) String() string {
	if d == nil {
		return ""
	}
	return strings.Join(d.dirs, " ")
}

func (d *dirsFlag) Set(s string) error {
	if s == "" {
		return errors.New("empty directory name")
	}
	d.dirs = append(d.dirs, s)
	return nil
}

// given reports whether -c was given at all.
func (d *dirsFlag) given() bool { return len(d.dirs) > 0 }

// list is the directories to read: those given, or the current directory.
func (d *dirsFlag) list() []string {
	if !d.given() {
		return []string{"."}
	}
	return d.dirs
}

// args is the directories as a command line gives them ("-c common -c hosts/h1"), for the lock's
// owner record and messages.
func (d *dirsFlag) args() string { return dirArgs(d.list()) }

func dirArgs(dirs []string) string {
	return "-c " + strings.Join(dirs, " -c ")
}

// resolveDirs is the directories with their symbolic links resolved, all from one view (see
// configdirs): a pass through a switched `current` reads one tree.
func resolveDirs(dirs []string) ([]string, error) {
	return configdirs.Resolve(dirs)
}

// configRevision is the revision recorded for cfg (gitrev.Revisions.String over cfg.Dirs, the
// directories as read) and whether a tree was dirty. A repository that cannot be read is not an
// error, as a directory outside Git is not: the revision is "unknown", with a warning.
func configRevision(ctx context.Context, g *globals, cfg *spec.Config) (string, bool) {
	revs, err := gitrev.ReadDirs(ctx, cfg.Dirs...)
	if err != nil {
		g.log.Warn().Err(err).Msg("cannot read the configuration's Git revision; recording it as unknown")
		return "unknown", false
	}
	return revs.String(), revs.Dirty()
}
