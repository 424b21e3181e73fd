package archive

import (
	"io/fs"
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

// countContent counts a regular file's size against the per-file and total limits.
func (t *tree) countContent(name string, size int64) *Error {
	if size > t.lim.MaxFileSize {
		return reject(ErrTooLarge, name, "file is %d bytes; at most %d are allowed", size, t.lim.MaxFileSize)
	}
	t.total += size
	if t.total > t.lim.MaxTotalSize {
		return reject(ErrTooLarge, name, "content exceeds %d bytes in total", t.lim.MaxTotalSize)
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

// add validates and records one regular file, directory or symlink. perm (permission bits plus
// fs.ModeSetuid and fs.ModeSetgid) is normalised by normMode.
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
	// Content counts against the limits even where it is skipped: macOS metadata is still
	// decompressed and read past, so a bomb hidden in "._x" is as costly as one anywhere else.
	if typ == Regular {
		if err := t.countContent(r.name, size); err != nil {
			return err
		}
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
		e.Size = size
	case Symlink:
		if err := checkTarget(target, t.lim.MaxPathLen); err != nil {
			return reject(ErrUnsafePath, r.name, "%v", err)
		}
		e.Target = target
	}
	t.kinds[p] = typ
	t.index[p] = len(t.recs)
	t.recs = append(t.recs, rec{raw: r, entry: e, hardlink: -1})
	return nil
}

// addHardLink records a hard link to an earlier regular file; it becomes a regular file with
// the target's content and mode (they are one file), whose Link finish sets to the target's
// path.
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
	rc := &t.recs[len(t.recs)-1]
	rc.hardlink, rc.entry.Mode = target, t.recs[target].entry.Mode
	return nil
}

// finish checks the listing as a whole: it adds the directories paths imply, rejects entries
// beneath files or symlinks (writing them would write through the link), strips a single
// top-level folder if strip is set, and gives hard links their target's path. Where symlinks
// point is not checked: targets are data, never followed.
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
	for i := range t.recs {
		if rc := &t.recs[i]; !rc.skip && rc.hardlink >= 0 {
			rc.entry.Link = t.recs[rc.hardlink].entry.Path // after strip: the path as handed out
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

// normMode reduces a mode to what a package may carry, as upstream's extractor does: a
// directory is 0755, a file 0755 if anyone may execute it and 0644 otherwise, a symlink 0777.
// Nothing that depends on the umask of whoever checked a source out of Git survives (Git
// records only the executable bit), so a package's build-id is the same on every machine: no
// group- or world-writable file, no sticky bit. A regular file keeps its setuid and setgid bits,
// as shipped: they are part of what a package is (su, passwd, mount), and the merge into an
// environment drops them unless the profile allows them. A directory's setgid bit only steers
// the group of files created later in it, which nothing does in a read-only package, so it
// is dropped with the rest.
func normMode(typ Type, perm fs.FileMode) fs.FileMode {
	switch {
	case typ == Symlink:
		return 0o777
	case typ == Dir:
		return 0o755
	}
	setid := perm & (fs.ModeSetuid | fs.ModeSetgid)
	if perm&0o111 != 0 {
		return 0o755 | setid
	}
	return 0o644 | setid
}
