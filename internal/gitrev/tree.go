package gitrev

import (
	"strconv"
	"strings"
)

// treeBuilder computes the tree object name of the index's stage-0 entries, as `git write-tree`
// would, from the entries in index order. Index order (bytes of the full path) is git's tree
// order (a directory sorts as its name plus "/"), so a stack of open directories is enough: a
// directory's tree is hashed as soon as an entry outside it arrives.
type treeBuilder struct {
	format objectFormat
	levels []treeLevel
}

type treeLevel struct {
	prefix string // "" for the root, else "dir/sub/"
	buf    []byte // the tree object's content so far
}

func newTreeBuilder(f objectFormat) *treeBuilder {
	return &treeBuilder{format: f, levels: []treeLevel{{}}}
}

// add appends one entry. A sparse index's directory entry (mode 040000, path ending in "/")
// is a subtree whose object name is already known.
func (b *treeBuilder) add(path string, mode uint32, oid []byte) {
	path = strings.TrimSuffix(path, "/")
	for !strings.HasPrefix(path, b.top().prefix) {
		b.pop()
	}
	rest := path[len(b.top().prefix):]
	for {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		b.levels = append(b.levels, treeLevel{prefix: b.top().prefix + rest[:i+1]})
		rest = rest[i+1:]
	}
	b.entry(treeMode(mode), rest, oid)
}

func (b *treeBuilder) top() *treeLevel { return &b.levels[len(b.levels)-1] }

func (b *treeBuilder) entry(mode, name string, oid []byte) {
	t := b.top()
	t.buf = append(t.buf, mode...)
	t.buf = append(t.buf, ' ')
	t.buf = append(t.buf, name...)
	t.buf = append(t.buf, 0)
	t.buf = append(t.buf, oid...)
}

// pop closes the innermost directory and enters it in its parent.
func (b *treeBuilder) pop() {
	t := b.levels[len(b.levels)-1]
	b.levels = b.levels[:len(b.levels)-1]
	name := strings.TrimSuffix(t.prefix, "/")
	name = name[strings.LastIndexByte(name, '/')+1:]
	b.entry("40000", name, b.hash(t.buf))
}

// root closes every directory and returns the root tree's object name.
func (b *treeBuilder) root() []byte {
	for len(b.levels) > 1 {
		b.pop()
	}
	return b.hash(b.levels[0].buf)
}

func (b *treeBuilder) hash(content []byte) []byte {
	h := b.format.newHash()
	h.Write([]byte("tree " + strconv.Itoa(len(content)) + "\x00"))
	h.Write(content)
	return h.Sum(nil)
}

// treeMode is an entry's mode as a tree records it: octal, without leading zeros.
func treeMode(mode uint32) string {
	if mode&modeTypeMask == modeDir {
		return "40000"
	}
	return strconv.FormatUint(uint64(mode), 8)
}
