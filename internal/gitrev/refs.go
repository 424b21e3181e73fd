package gitrev

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

const (
	// maxSymrefDepth is how many symbolic refs HEAD may go through (git's own limit).
	maxSymrefDepth = 5
	// maxRefName bounds a ref name, and with it a packed-refs line.
	maxRefName = 4096
	// maxPackedRefsSize bounds the packed-refs file, which is read as a stream.
	maxPackedRefsSize = 1 << 30
)

// head resolves HEAD to a commit (None on an unborn branch) and the branch it names.
func (r *repo) head(f objectFormat) (commit, branch string, err error) {
	target, hash, err := r.readRef("HEAD", f)
	if err != nil {
		return "", "", err
	}
	for depth := 0; target != ""; depth++ {
		if depth == maxSymrefDepth {
			return "", "", errorf(filepath.Join(r.gitDir, "HEAD"), nil, "more than %d symbolic refs", maxSymrefDepth)
		}
		if branch == "" {
			branch = strings.TrimPrefix(target, "refs/heads/")
		}
		next, h, err := r.readRef(target, f)
		if errors.Is(err, fs.ErrNotExist) {
			return None, branch, nil // unborn branch: no commit yet
		}
		if err != nil {
			return "", "", err
		}
		target, hash = next, h
	}
	return hash, branch, nil
}

// readRef reads one ref: loose first, then packed. It returns either the ref it points to (a
// symbolic ref) or the hash, and an error satisfying errors.Is(fs.ErrNotExist) when the ref
// does not exist.
func (r *repo) readRef(name string, f objectFormat) (target, hash string, err error) {
	if err := checkRefName(name); err != nil {
		return "", "", errorf(filepath.Join(r.gitDir, "HEAD"), err, "bad ref name %q", name)
	}
	path := filepath.Join(r.refDir(name), filepath.FromSlash(name))
	b, err := readSmall(path)
	switch {
	case err == nil:
		target, hash, err = parseRefFile(b, f)
		if err != nil {
			return "", "", errorf(path, err, "not a ref")
		}
		return target, hash, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, errIsDir):
	default:
		return "", "", err
	}
	if name == "HEAD" {
		return "", "", errorf(path, fs.ErrNotExist, "missing")
	}
	hash, err = r.packedRef(name, f)
	return "", hash, err
}

var errIsDir = errors.New("is a directory")

// refDir is where a ref lives: per-worktree refs in the worktree's git directory, the rest in
// the common one.
func (r *repo) refDir(name string) string {
	for _, p := range []string{"refs/bisect/", "refs/worktree/", "refs/rewritten/"} {
		if strings.HasPrefix(name, p) {
			return r.gitDir
		}
	}
	if name == "HEAD" {
		return r.gitDir
	}
	return r.common
}

// packedRef looks name up in packed-refs; fs.ErrNotExist when it is not there.
func (r *repo) packedRef(name string, f objectFormat) (string, error) {
	path := filepath.Join(r.common, "packed-refs")
	file, _, err := openRegular(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("ref %s: %w", name, fs.ErrNotExist)
	}
	if err != nil {
		return "", err
	}
	defer file.Close()
	hash := ""
	err = scanPackedRefs(io.LimitReader(file, maxPackedRefsSize+1), f, func(ref, h, _ string) {
		if ref == name {
			hash = h
		}
	})
	if err != nil {
		return "", errorf(path, err, "corrupt")
	}
	if hash == "" {
		return "", fmt.Errorf("ref %s: %w", name, fs.ErrNotExist)
	}
	return hash, nil
}

// parseRefFile reads a loose ref or HEAD: "ref: NAME" (a symbolic ref) or a hash, then a line
// end.
func parseRefFile(b []byte, f objectFormat) (target, hash string, err error) {
	line, ok := bytes.CutSuffix(b, []byte("\n"))
	if !ok || bytes.ContainsAny(line, "\n\x00") {
		return "", "", errors.New("not one line")
	}
	if rest, ok := bytes.CutPrefix(line, []byte("ref:")); ok {
		target = string(bytes.TrimLeft(rest, " \t"))
		if err := checkRefName(target); err != nil {
			return "", "", fmt.Errorf("symbolic ref %q: %w", target, err)
		}
		return target, "", nil
	}
	if !f.isHexName(string(line)) {
		return "", "", fmt.Errorf("%q is not a %s object name", line, f.name)
	}
	return "", string(line), nil
}

// scanPackedRefs parses packed-refs: an optional "# pack-refs with:" header, then lines of
// "HASH REFNAME", each optionally followed by "^HASH" (the object an annotated tag peels to).
// fn gets every ref with its hash and peeled hash ("" if none), in file order.
func scanPackedRefs(r io.Reader, f objectFormat, fn func(name, hash, peeled string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), f.hexLen()+2+maxRefName)
	var name, hash, peeled string
	flush := func() {
		if name != "" {
			fn(name, hash, peeled)
		}
		name, hash, peeled = "", "", ""
	}
	read := 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		read += len(line) + 1
		if read > maxPackedRefsSize {
			return fmt.Errorf("larger than %d bytes", maxPackedRefsSize)
		}
		switch {
		case n == 1 && strings.HasPrefix(line, "# pack-refs with:"):
		case strings.HasPrefix(line, "^"):
			if name == "" || peeled != "" || !f.isHexName(line[1:]) {
				return fmt.Errorf("line %d: misplaced or bad peeled line", n)
			}
			peeled = line[1:]
		default:
			h, ref, ok := strings.Cut(line, " ")
			if !ok || !f.isHexName(h) {
				return fmt.Errorf("line %d: not %q", n, "HASH REFNAME")
			}
			if err := checkRefName(ref); err != nil {
				return fmt.Errorf("line %d: ref %q: %w", n, ref, err)
			}
			flush()
			name, hash = ref, h
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

// checkRefName accepts HEAD and names under refs/ that git itself would write, and refuses
// anything that could leave the refs directory when joined to it.
func checkRefName(name string) error {
	if name == "HEAD" {
		return nil
	}
	if len(name) > maxRefName {
		return errors.New("too long")
	}
	if !strings.HasPrefix(name, "refs/") {
		return errors.New(`not under "refs/"`)
	}
	if strings.Contains(name, "@{") || strings.Contains(name, "..") {
		return errors.New(`contains "@{" or ".."`)
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c[0] == '.' || strings.HasSuffix(c, ".lock") {
			return fmt.Errorf("bad component %q", c)
		}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return fmt.Errorf("bad character %q", c)
		}
	}
	return nil
}
