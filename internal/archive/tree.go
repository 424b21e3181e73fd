package archive

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// tree is a first pass's listing of one input: every raw entry in input order, validated one
// by one as it is added and as a whole by finish. The second pass replays it.
type tree struct {
	lim    Limits
	recs   []rec
	kinds  map[string]Type // clean path → type; finish adds implied directories and strips
	index  map[string]int  // clean path → index into recs, for listed entries
	count  int             // entries counted against lim.MaxEntries
	total  int64           // content counted against lim.MaxTotalSize
	prefix string          // the stripped top-level folder plus "/", or ""
}

// raw is what the input recorded for an entry; the second pass must find the same again.
type raw struct {
	name string
	flag byte
	mode int64
	size int64
	link string
}

type rec struct {
	raw      raw
	entry    Entry
	skip     bool        // yields nothing of its own (the root entry, a pax global header)
	hardlink int         // a hard link's target, as an index into recs; -1 for other entries
	spool    bool        // the target of a hard link: its content is needed again later
	before   []Entry     // directories implied by the input but not listed, yielded just before
	file     fs.FileInfo // WalkDir: what the first pass found, to know the file again
}

func newTree(lim Limits) *tree {
	return &tree{lim: lim, kinds: make(map[string]Type), index: make(map[string]int)}
}

func (t *tree) countEntry(name string) *Error {
	t.count++
	if t.count > t.lim.MaxEntries {
		return reject(ErrTooLarge, name, "more than %d entries", t.lim.MaxEntries)
	}
	return nil
}

// addSkipped records an input entry that yields nothing (such as a pax global header).
func (t *tree) addSkipped(r raw) *Error {
	if err := t.countEntry(r.name); err != nil {
		return err
	}
	t.recs = append(t.recs, rec{raw: r, skip: true, hardlink: -1})
	return nil
}

// add validates and records one regular file, directory or symlink. perm is normalised by
// normMode: setuid, setgid, sticky and write-for-others bits never survive.
func (t *tree) add(r raw, typ Type, perm fs.FileMode, size int64, target string) *Error {
	if err := t.countEntry(r.name); err != nil {
		return err
	}
	p, err := cleanName(r.name, t.lim.MaxPathLen)
	if err != nil {
		return reject(ErrUnsafePath, r.name, "%v", err)
	}
	if p == "" {
		if typ != Dir {
			return reject(ErrUnsafePath, r.name, "a %s names the root of the tree", typ)
		}
		t.recs = append(t.recs, rec{raw: r, skip: true, hardlink: -1})
		return nil
	}
	if ignored(p) {
		t.recs = append(t.recs, rec{raw: r, skip: true, hardlink: -1})
		return nil
	}
	if k, dup := t.kinds[p]; dup {
		return reject(ErrDuplicate, r.name, "%q is already in the tree as a %s", p, k)
	}
	e := Entry{Path: p, Type: typ, Mode: normMode(typ, perm)}
	switch typ {
	case Regular:
		if size > t.lim.MaxFileSize {
			return reject(ErrTooLarge, r.name, "file is %d bytes; at most %d are allowed", size, t.lim.MaxFileSize)
		}
		t.total += size
		if t.total > t.lim.MaxTotalSize {
			return reject(ErrTooLarge, r.name, "content exceeds %d bytes in total", t.lim.MaxTotalSize)
		}
		e.Size = size
	case Symlink:
		if err := checkTarget(target, t.lim.MaxPathLen); err != nil {
			return reject(ErrUnsafePath, r.name, "%v", err)
		}
		if strings.HasPrefix(target, "/") {
			return reject(ErrLinkEscape, r.name, "symlink target %q is absolute", target)
		}
		e.Mode, e.Target = 0o777, target
	}
	t.kinds[p] = typ
	t.index[p] = len(t.recs)
	t.recs = append(t.recs, rec{raw: r, entry: e, hardlink: -1})
	return nil
}

// addHardLink records a hard link to an earlier regular file; it becomes a regular file with
// the target's content.
func (t *tree) addHardLink(r raw, perm fs.FileMode) *Error {
	if p, err := cleanName(r.name, t.lim.MaxPathLen); err == nil && ignored(p) {
		return t.add(r, Regular, perm, 0, "") // recorded as skipped, whatever its target
	}
	tp, err := cleanName(r.link, t.lim.MaxPathLen)
	switch {
	case err != nil && (strings.HasPrefix(r.link, "/") || strings.Contains("/"+r.link+"/", "/../")):
		return reject(ErrLinkEscape, r.name, "hard link target %q is outside the tree", r.link)
	case err != nil:
		return reject(ErrUnsafePath, r.name, "hard link target: %v", err)
	}
	target, ok := t.index[tp]
	if !ok || t.recs[target].entry.Type != Regular {
		return reject(ErrLinkEscape, r.name, "hard link target %q is not an earlier regular file of the archive", r.link)
	}
	if rc := t.recs[target]; rc.hardlink >= 0 {
		target = rc.hardlink
	}
	size := t.recs[target].entry.Size
	if err := t.add(r, Regular, perm, size, ""); err != nil {
		return err
	}
	t.recs[target].spool = true
	t.recs[len(t.recs)-1].hardlink = target
	return nil
}

// finish checks the listing as a whole: it adds the directories paths imply, rejects entries
// beneath files or symlinks, strips a single top-level folder if strip is set, and holds the
// symlinks to the tree.
func (t *tree) finish(strip bool) *Error {
	for i := range t.recs {
		rc := &t.recs[i]
		if rc.skip {
			continue
		}
		var implied []string
		for dir := parent(rc.entry.Path); dir != ""; dir = parent(dir) {
			k, ok := t.kinds[dir]
			if !ok {
				if err := t.countEntry(rc.raw.name); err != nil {
					return err
				}
				t.kinds[dir] = Dir
				implied = append(implied, dir)
				continue
			}
			switch k {
			case Symlink:
				return reject(ErrLinkEscape, rc.raw.name, "lies beneath symlink %q", dir)
			case Regular:
				return reject(ErrDuplicate, rc.raw.name, "lies beneath file %q", dir)
			}
			break // an existing directory: its own ancestors are already known
		}
		for _, d := range slices.Backward(implied) {
			rc.before = append(rc.before, Entry{Path: d, Type: Dir, Mode: 0o755})
		}
	}
	if strip {
		t.strip()
	}
	var links []int
	for i, rc := range t.recs {
		if !rc.skip && rc.entry.Type == Symlink {
			links = append(links, i)
		}
	}
	if len(links) == 0 {
		return nil
	}
	targets := make(map[string]string, len(links))
	for _, i := range links {
		targets[t.recs[i].entry.Path] = t.recs[i].entry.Target
	}
	rs := &resolver{kinds: t.kinds, targets: targets, memo: make(map[string]resolved)}
	for _, i := range links {
		if _, err := rs.resolveLink(t.recs[i].entry.Path); err != nil {
			return reject(ErrLinkEscape, t.recs[i].raw.name, "symlink to %q: %v", t.recs[i].entry.Target, err)
		}
	}
	return nil
}

// strip removes a single top-level directory holding every entry.
func (t *tree) strip() {
	top := ""
	for _, rc := range t.recs { // in order, not over the map: deterministic work for fuzzing
		if rc.skip {
			continue
		}
		first, _, _ := strings.Cut(rc.entry.Path, "/")
		if top != "" && first != top {
			return
		}
		top = first
	}
	if top == "" || t.kinds[top] != Dir {
		return
	}
	t.prefix = top + "/"
	kinds := make(map[string]Type, len(t.kinds))
	for p, k := range t.kinds {
		if p != top {
			kinds[strings.TrimPrefix(p, t.prefix)] = k
		}
	}
	t.kinds = kinds
	for i := range t.recs {
		rc := &t.recs[i]
		if rc.skip {
			continue
		}
		if rc.entry.Path == top {
			rc.skip = true
		}
		rc.entry.Path = strings.TrimPrefix(rc.entry.Path, t.prefix)
		rc.before = slices.DeleteFunc(rc.before, func(e Entry) bool { return e.Path == top })
		for j := range rc.before {
			rc.before[j].Path = strings.TrimPrefix(rc.before[j].Path, t.prefix)
		}
	}
}

// ignored reports whether a clean path is macOS metadata rather than package content: an
// AppleDouble file ("._name", which macOS tar and Finder write beside every file that has
// extended attributes), a Finder ".DS_Store", or anything beneath such a name or beneath
// "__MACOSX" (where macOS's archiver puts the AppleDouble files). Such entries are skipped: they
// are not reported, do not count as a top-level folder's siblings, and are not in the tree that
// links are checked against. Their names are still checked, and special files among them are
// still rejected.
func ignored(p string) bool {
	for c := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(c, "._") || c == ".DS_Store" || c == "__MACOSX" {
			return true
		}
	}
	return false
}

// parent returns the directory holding a clean relative path; "" for the root.
func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// CheckLinks holds a tree, given as its entries, to the symlink rule [Walk] and [WalkDir]
// apply: every symlink's target is relative and, followed through the tree's other symlinks,
// stays inside the tree; ".." may only leave a directory of the tree, never a name the tree
// lacks or a file. (A target such as "missing/../../x" would otherwise be harmless on its own
// and escape once another package supplies "missing" as a symlink in a merged environment.)
//
// Paths are clean, relative and slash-separated, as in [Entry]; the directories they imply
// need not be listed. The result is nil or an [*Error] (with Archive empty) naming the first
// offending symlink in the order given and wrapping [ErrLinkEscape]. Walk and WalkDir already
// apply the rule to the whole tree; CheckLinks lets a caller apply it to a subtree, such as a
// package's root/.
func CheckLinks(entries []Entry) error {
	kinds := make(map[string]Type, len(entries))
	for _, e := range entries {
		kinds[e.Path] = e.Type
		for dir := parent(e.Path); dir != ""; dir = parent(dir) {
			if _, ok := kinds[dir]; ok {
				break
			}
			kinds[dir] = Dir
		}
	}
	links := make(map[string]string)
	for _, e := range entries {
		if e.Type == Symlink {
			links[e.Path] = e.Target
		}
	}
	rs := &resolver{kinds: kinds, targets: links, memo: make(map[string]resolved)}
	for _, e := range entries {
		if e.Type != Symlink {
			continue
		}
		if _, err := rs.resolveLink(e.Path); err != nil {
			return reject(ErrLinkEscape, e.Path, "symlink to %q: %v", e.Target, err)
		}
	}
	return nil
}

// maxLinkDepth bounds how many symlinks one resolution may pass through before it is called a
// loop; it also bounds the recursion.
const maxLinkDepth = 255

// resolver resolves symlinks physically inside a virtual tree: a symlink met on the way is
// replaced by where it leads, as the kernel would, so ".." after it climbs from there.
type resolver struct {
	kinds   map[string]Type
	targets map[string]string // symlink path → target
	memo    map[string]resolved
}

type resolved struct {
	path string
	err  error
	done bool
}

func (rs *resolver) resolveLink(p string) (string, error) {
	return rs.follow(p, 0)
}

func (rs *resolver) follow(p string, depth int) (string, error) {
	if m, ok := rs.memo[p]; ok {
		if !m.done {
			return "", fmt.Errorf("symlink loop through %q", p)
		}
		return m.path, m.err
	}
	if depth > maxLinkDepth {
		return "", fmt.Errorf("more than %d levels of symlinks", maxLinkDepth)
	}
	rs.memo[p] = resolved{}
	res, err := rs.walk(parent(p), rs.targets[p], depth)
	rs.memo[p] = resolved{path: res, err: err, done: true}
	return res, err
}

// walk resolves target relative to dir, a physical directory of the tree ("" is the root).
func (rs *resolver) walk(dir, target string, depth int) (string, error) {
	if strings.HasPrefix(target, "/") {
		return "", fmt.Errorf("target %q is absolute", target)
	}
	var stack []string
	if dir != "" {
		stack = strings.Split(dir, "/")
	}
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return "", fmt.Errorf("climbs above the root")
			}
			if cur := strings.Join(stack, "/"); rs.kinds[cur] != Dir {
				return "", fmt.Errorf("climbs out of %q, which is not a directory of the tree", cur)
			}
			stack = stack[:len(stack)-1]
		default:
			next := path.Join(strings.Join(stack, "/"), c)
			if rs.kinds[next] != Symlink {
				stack = append(stack, c)
				continue
			}
			res, err := rs.follow(next, depth+1)
			if err != nil {
				return "", fmt.Errorf("through %q: %w", next, err)
			}
			stack = stack[:0]
			if res != "" {
				stack = strings.Split(res, "/")
			}
		}
	}
	return strings.Join(stack, "/"), nil
}

// normMode reduces a mode to what a package may carry, as upstream's extractor does: a
// directory is 0755, a file 0755 if anyone may execute it and 0644 otherwise, a symlink 0777.
// Nothing else survives: no setuid, setgid or sticky bit, no group- or world-writable file, and
// nothing that depends on the umask of whoever checked a source out of Git (Git records only the
// executable bit), so a package's build-id is the same on every machine.
func normMode(typ Type, perm fs.FileMode) fs.FileMode {
	switch {
	case typ == Symlink:
		return 0o777
	case typ == Dir, perm&0o111 != 0:
		return 0o755
	}
	return 0o644
}
