// Package configdirs resolves the configuration directories of one pass to one view of the file
// system.
//
// A fleet host reads several directories of one checkout (`-c current/common -c
// current/hosts/web1`), and contrib/git-sync switches `current` to another commit's complete
// checkout with one rename. Reading each directory through `current` separately could read
// common/ from one commit and hosts/web1/ from the next. Resolve turns the names into real paths
// before anything is read, again and again until two rounds agree, so that a switch between two
// of them is seen and the whole pass reads the one tree `current` named: the switch is one
// change. (The previous tree stays while a pass reads it: git-sync removes a tree only after a
// later switch.)
package configdirs

import (
	"fmt"
	"path/filepath"
	"slices"
)

// maxRounds bounds the resolution: a link switched on every round is a machine gone wrong, not
// a deploy.
const maxRounds = 10

// UnstableError says the links kept moving while Resolve read them.
type UnstableError struct{ Dirs []string }

func (e *UnstableError) Error() string {
	return fmt.Sprintf("the configuration directories %v kept switching while being resolved (%d rounds)", e.Dirs, maxRounds)
}

// Resolve returns dirs with every symbolic link resolved (filepath.EvalSymlinks), all from one
// view. A directory that cannot be resolved (it does not exist, say) is returned as given, for
// the loader to report. A path without links comes back as given, cleaned.
func Resolve(dirs []string) ([]string, error) {
	return resolve(dirs, filepath.EvalSymlinks)
}

func resolve(dirs []string, eval func(string) (string, error)) ([]string, error) {
	prev := round(dirs, eval)
	for range maxRounds {
		cur := round(dirs, eval)
		if slices.Equal(prev, cur) {
			return cur, nil
		}
		prev = cur
	}
	return nil, &UnstableError{Dirs: dirs}
}

func round(dirs []string, eval func(string) (string, error)) []string {
	out := make([]string, len(dirs))
	for i, d := range dirs {
		r, err := eval(d)
		if err != nil {
			r = d
		}
		out[i] = r
	}
	return out
}
