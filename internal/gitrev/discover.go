package gitrev

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// repo locates one work tree's repository files.
type repo struct {
	worktree string // top directory of the work tree
	gitDir   string // HEAD, index and per-worktree refs
	common   string // config, refs, packed-refs: gitDir unless a commondir file says otherwise
}

func (r *repo) configPath() string { return filepath.Join(r.common, "config") }

// discover walks up from dir to the first directory holding a .git directory or .git file. It
// returns nil (and no error) when it reaches the root without finding one.
func discover(dir string) (*repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for d := abs; ; {
		r, err := repoAt(d)
		if err != nil || r != nil {
			return r, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, nil
		}
		d = parent
	}
}

// repoAt returns the repository whose work tree is top, or nil if top has no .git entry.
func repoAt(top string) (*repo, error) {
	dotgit := filepath.Join(top, ".git")
	fi, err := os.Stat(dotgit)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return nil, errorf(dotgit, err, "stat")
	}
	gitDir := dotgit
	switch {
	case fi.IsDir():
	case fi.Mode().IsRegular():
		b, err := readSmall(dotgit)
		if err != nil {
			return nil, err
		}
		if gitDir, err = parseGitFile(b); err != nil {
			return nil, errorf(dotgit, err, "not a gitdir file")
		}
		if !filepath.IsAbs(gitDir) {
			gitDir = filepath.Join(top, gitDir)
		}
	default:
		return nil, errorf(dotgit, nil, "neither a directory nor a gitdir file (%s)", fi.Mode().Type())
	}
	common, err := commonDir(gitDir)
	if err != nil {
		return nil, err
	}
	return &repo{worktree: top, gitDir: filepath.Clean(gitDir), common: common}, nil
}

// commonDir reads gitDir/commondir (a worktree's pointer to the main repository), relative to
// gitDir unless absolute; without one the repository is gitDir itself.
func commonDir(gitDir string) (string, error) {
	path := filepath.Join(gitDir, "commondir")
	b, err := readSmall(path)
	if errors.Is(err, fs.ErrNotExist) {
		return filepath.Clean(gitDir), nil
	}
	if err != nil {
		return "", err
	}
	p, err := parsePathLine(b)
	if err != nil {
		return "", errorf(path, err, "not a commondir file")
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(gitDir, p)
	}
	return filepath.Clean(p), nil
}

var (
	errNoGitdirPrefix = errors.New(`does not start with "gitdir: "`)
	errBadPath        = errors.New("empty path, or a NUL or line break in it")
)

// parseGitFile reads a .git file: "gitdir: PATH" and a line end.
func parseGitFile(b []byte) (string, error) {
	rest, ok := bytes.CutPrefix(b, []byte("gitdir: "))
	if !ok {
		return "", errNoGitdirPrefix
	}
	return parsePathLine(rest)
}

// parsePathLine reads one path, ending in an optional line end (LF or CRLF), and nothing else.
func parsePathLine(b []byte) (string, error) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 || bytes.ContainsAny(b, "\x00\n\r") {
		return "", errBadPath
	}
	return string(b), nil
}
