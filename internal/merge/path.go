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

// checkTarget checks a symlink target's form; where it leads is escapesLexically's and
// resolver's business.
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

// escapesLexically reports whether the symlink at link, read as text, climbs above the root:
// ".." components are counted against the link's depth without looking at the tree.
func escapesLexically(link, target string) bool {
	if strings.HasPrefix(target, "/") {
		return true
	}
	depth := 0
	if dir := parent(link); dir != "" {
		depth = strings.Count(dir, "/") + 1
	}
	for c := range strings.SplitSeq(target, "/") {
		switch c {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

// resolver follows symlinks through a merged tree as the kernel would, to find whether one
// leads outside it. Paths inside the tree never lie beneath a symlink (a conflict would have
// kept them out), so a link's own directory is a real directory.
type resolver struct {
	links map[string]string // symlink path → target
	memo  map[string]resolution
}

type resolution struct {
	path  string // where the link leads; "" is the root
	dead  bool   // the link is part of, or leads into, a loop: the kernel gives ELOOP
	err   error  // the link leads outside the tree
	state uint8  // 0 not seen, 1 being resolved, 2 done
}

func newResolver(links map[string]string) *resolver {
	return &resolver{links: links, memo: make(map[string]resolution, len(links))}
}

// resolve returns where the symlink at p leads, whether it is dead (a loop), or an error
// saying how it leaves the tree.
func (r *resolver) resolve(p string) resolution {
	switch m := r.memo[p]; m.state {
	case 1:
		return resolution{dead: true, state: 2}
	case 2:
		return m
	}
	r.memo[p] = resolution{state: 1}
	res := r.walk(parent(p), r.links[p])
	res.state = 2
	r.memo[p] = res
	return res
}

// walk resolves target from dir, a directory of the tree ("" is the root). Components that
// do not exist, or are files, are taken lexically: the kernel would stop there with an error,
// so this can only err on the side of rejecting.
func (r *resolver) walk(dir, target string) resolution {
	if strings.HasPrefix(target, "/") {
		return resolution{err: fmt.Errorf("target %q is absolute", target)}
	}
	var stack []string
	if dir != "" {
		stack = strings.Split(dir, "/")
	}
	for c := range strings.SplitSeq(target, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return resolution{err: errors.New("climbs above the root")}
			}
			stack = stack[:len(stack)-1]
			continue
		}
		next := join(strings.Join(stack, "/"), c)
		if _, ok := r.links[next]; !ok {
			stack = append(stack, c)
			continue
		}
		res := r.resolve(next)
		switch {
		case res.err != nil:
			return resolution{err: fmt.Errorf("through %q: %w", next, res.err)}
		case res.dead:
			return res
		}
		stack = stack[:0]
		if res.path != "" {
			stack = append(stack, strings.Split(res.path, "/")...)
		}
	}
	return resolution{path: strings.Join(stack, "/")}
}
