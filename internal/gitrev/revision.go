package gitrev

import (
	"context"
	"errors"
	"fmt"
)

// None is the Commit of a directory that is in no Git work tree, or in a repository that has no
// commit yet.
const None = "none"

// Revision is where a work tree stands.
type Revision struct {
	// Commit is the hex object name of the commit HEAD resolves to (40 digits for SHA-1, 64 for
	// SHA-256), or None.
	Commit string
	// Branch is the branch HEAD names (without refs/heads/), empty when HEAD is detached or the
	// directory is in no repository.
	Branch string
	// Dirty says a tracked file differs from the index (see the package documentation).
	Dirty bool
	// Worktree is the absolute path of the work tree's top directory, empty when there is none.
	Worktree string
}

// String is the commit, with "-dirty" appended when the tree is dirty, or "none".
func (r Revision) String() string {
	if r.Commit == "" || r.Commit == None {
		return None
	}
	if r.Dirty {
		return r.Commit + "-dirty"
	}
	return r.Commit
}

// ErrUnsupported marks a valid repository in a layout this package does not read (a reftable).
var ErrUnsupported = errors.New("unsupported repository layout")

// Error is a repository file that cannot be read as Git writes it.
type Error struct {
	File string
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	s := e.File + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(file string, err error, format string, args ...any) *Error {
	return &Error{File: file, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Read returns the revision of the work tree that contains dir. A dir in no work tree gives
// Revision{Commit: None} and no error; a repository that cannot be read gives an *Error. The
// dirty check reads every tracked file whose stat data changed; ctx cancels it.
func Read(ctx context.Context, dir string) (Revision, error) {
	repo, err := discover(dir)
	if err != nil || repo == nil {
		return Revision{Commit: None}, err
	}
	cfg, err := readConfig(repo.configPath())
	if err != nil {
		return Revision{Commit: None}, err
	}
	if cfg.refStorage != "" && cfg.refStorage != "files" {
		return Revision{Commit: None}, errorf(repo.configPath(), ErrUnsupported, "extensions.refstorage = %s", cfg.refStorage)
	}
	rev := Revision{Worktree: repo.worktree}
	rev.Commit, rev.Branch, err = repo.head(cfg.format)
	if err != nil {
		return Revision{Commit: None}, err
	}
	rev.Dirty, err = repo.dirty(ctx, cfg, rev.Commit)
	if err != nil {
		return Revision{Commit: None}, err
	}
	return rev, nil
}
