package merge

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// checkPath holds an entry path to the rules of [Entry.Path]; the error is a reason for
// ErrUnsafePath.
func checkPath(p string) error {
	switch {
	case p == "":
		return errors.New("path is empty")
	case strings.IndexByte(p, 0) >= 0:
		return errors.New("path contains a NUL byte")
	case p[0] == '/':
		return errors.New("path is absolute")
	}
	for c := range strings.SplitSeq(p, "/") {
		switch c {
		case "":
			return errors.New("path has an empty component")
		case ".":
			return errors.New(`path has a "." component`)
		case "..":
			return errors.New(`path has a ".." component`)
		}
	}
	return nil
}

// checkName holds a package name to the rules of [Input.Name].
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("package name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("package name %q is not a file name", name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("package name %q contains a slash or NUL", name)
	}
	return nil
}

// checkTarget checks a symlink target's form: not empty, no NUL (no file system stores one).
// Where it leads is no business of a merge: targets are data, written as shipped and never
// followed, so an absolute target or one leaving the tree is fine.
func checkTarget(target string) error {
	switch {
	case target == "":
		return errors.New("symlink target is empty")
	case strings.IndexByte(target, 0) >= 0:
		return errors.New("symlink target contains a NUL byte")
	}
	return nil
}

// comparePaths orders clean paths as a walk of the tree visits them: like strings.Compare, but
// with '/' before every other byte, so that a directory is followed at once by everything
// beneath it ("a", "a/b", "a-b"; byte order would give "a", "a-b", "a/b").
func comparePaths(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		switch {
		case ca == '/':
			return -1
		case cb == '/':
			return 1
		}
		return cmp.Compare(ca, cb)
	}
	return cmp.Compare(len(a), len(b))
}

// parent returns the directory holding a clean relative path; "" for the root.
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// base returns a clean relative path's last component.
func base(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// join joins a directory ("" for the root) and a name.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// splitExt splits a file name before its last dot. A leading dot (".bashrc") or a trailing
// one ("x.") does not start an extension.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return name, ""
	}
	return name[:i], name[i:]
}

// keepBothName returns the k-th candidate (k ≥ 1) for a keep-both copy of p from package pkg:
// dir/<stem>.<pkg><ext>, then dir/<stem>.<pkg>.<k><ext> for k ≥ 2.
func keepBothName(p, pkg string, k int) string {
	stem, ext := splitExt(base(p))
	name := stem + "." + pkg
	if k > 1 {
		name += "." + strconv.Itoa(k)
	}
	return join(parent(p), name+ext)
}
