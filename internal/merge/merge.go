package merge

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// impliedDirMode is the mode of a directory that a path implies and no input lists.
const impliedDirMode fs.FileMode = 0o755

// Merge merges the inputs' trees, in priority order (the first input wins), under policy ("" is
// [PolicyError]). It returns:
//   - an [*EntryError] for the first entry it rejects (inputs in order, entries in tree order),
//     wrapping [ErrUnsafePath] or [ErrInvalidInput], or the error of a failed Digest;
//   - a [*ConflictError] listing every conflict the policy does not resolve;
//   - otherwise the merged tree, with the conflicts the policy resolved.
//
// Merge does no I/O of its own; it calls Digest only for files two inputs ship at one path
// with the same size. The result does not depend on the order of each input's Entries.
func Merge(inputs []Input, policy Policy) (Result, error) {
	switch policy {
	case "":
		policy = PolicyError
	case PolicyError, PolicyPriority, PolicyKeepBoth:
	default:
		return Result{}, fmt.Errorf("%w: unknown conflict policy %q (want %q, %q or %q)",
			ErrInvalidInput, policy, PolicyError, PolicyPriority, PolicyKeepBoth)
	}
	trees := make([][]item, len(inputs))
	total := 0
	for i := range inputs {
		items, err := prepare(&inputs[i])
		if err != nil {
			return Result{}, err
		}
		trees[i] = items
		total += len(items)
	}
	m := &merger{inputs: inputs, policy: policy, tree: make(map[string]*node, total)}
	for i, items := range trees {
		if err := m.add(i, items); err != nil {
			return Result{}, err
		}
	}
	m.keepBoth()
	res := m.result()
	byPath := func(a, b Conflict) int { return strings.Compare(a.Path, b.Path) }
	if len(m.blocking) > 0 {
		slices.SortStableFunc(m.blocking, byPath)
		return Result{}, &ConflictError{Policy: policy, Conflicts: m.blocking}
	}
	slices.SortStableFunc(m.resolved, byPath)
	res.Conflicts = m.resolved
	return res, nil
}

// item is one entry of a prepared input: validated, normalised, in tree order, with the
// directories its paths imply.
type item struct {
	Entry
	explicit bool // listed by the input, not merely implied
}

// prepare validates an input and returns its entries, plus the directories they imply, in
// tree order (see comparePaths).
func prepare(in *Input) ([]item, error) {
	label := in.label()
	if err := checkName(in.Name); err != nil {
		return nil, &EntryError{Package: label, Err: ErrInvalidInput, Reason: err.Error()}
	}
	items := make([]item, 0, len(in.Entries))
	for _, e := range in.Entries {
		items = append(items, item{Entry: e, explicit: true})
	}
	items = sortItems(items)
	reject := func(sentinel error, p, format string, args ...any) error {
		return &EntryError{Package: label, Path: p, Err: sentinel, Reason: fmt.Sprintf(format, args...)}
	}
	// One pass in tree order, so the first problem reported is the first in tree order. A
	// directory comes before everything beneath it, so its type is known when they are checked.
	kinds := make(map[string]Type, len(items))
	var implied []item
	for i := range items {
		e := &items[i].Entry
		if err := checkPath(e.Path); err != nil {
			return nil, reject(ErrUnsafePath, e.Path, "%v", err)
		}
		// A duplicate is reported before either entry's type is checked: either may sort first.
		if i+1 < len(items) && items[i+1].Path == e.Path {
			return nil, reject(ErrInvalidInput, e.Path, "listed twice")
		}
		switch e.Type {
		case File:
			if e.Size < 0 {
				return nil, reject(ErrInvalidInput, e.Path, "negative size %d", e.Size)
			}
			if e.Digest == nil {
				return nil, reject(ErrInvalidInput, e.Path, "file has no Digest")
			}
			e.Mode, e.Target = e.Mode&fileBits(in.AllowSetID), ""
		case Dir:
			e.Mode, e.Size, e.Digest, e.Target = e.Mode.Perm(), 0, nil, ""
		case Symlink:
			if err := checkTarget(e.Target); err != nil {
				return nil, reject(ErrUnsafePath, e.Path, "%v", err)
			}
			e.Mode, e.Size, e.Digest = 0o777, 0, nil
		default:
			return nil, reject(ErrInvalidInput, e.Path, "unknown entry type %v", e.Type)
		}
		kinds[e.Path] = e.Type
		for dir := parent(e.Path); dir != ""; dir = parent(dir) {
			k, ok := kinds[dir]
			if !ok {
				kinds[dir] = Dir
				implied = append(implied, item{Entry: Entry{Path: dir, Type: Dir, Mode: impliedDirMode}})
				continue
			}
			if k != Dir {
				return nil, reject(ErrInvalidInput, e.Path, "lies beneath %s %q of the same package", k.article(), dir)
			}
			break // a known directory: its own parents have been seen to
		}
	}
	if len(implied) > 0 {
		items = sortItems(append(items, implied...))
	}
	return items, nil
}

// fileBits are the mode bits a file keeps in a merge: its permissions and, when its input
// allows them, its setuid and setgid bits.
func fileBits(allowSetID bool) fs.FileMode {
	if allowSetID {
		return fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid
	}
	return fs.ModePerm
}

// sortItems returns items in tree order. It sorts indices rather than the items themselves:
// moving structs that hold pointers costs write barriers, and this is most of Merge's time.
func sortItems(items []item) []item {
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return comparePaths(items[a].Path, items[b].Path) })
	sorted := make([]item, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	return sorted
}

// node is one path of the merged tree.
type node struct {
	Entry
	input    int
	from     string
	explicit bool
	sum      [32]byte // the Digest's result, once summed
	summed   bool
}

type merger struct {
	inputs   []Input
	policy   Policy
	tree     map[string]*node
	resolved []Conflict // resolved by policy, in input order then tree order
	blocking []Conflict // unresolved: the merge fails
	pending  []pending  // keep-both copies still to be named
}

type pending struct {
	conflict Conflict
	input    int
	item     item
}

// add merges input i's prepared items into the tree.
func (m *merger) add(i int, items []item) error {
	skip := "" // "dir/" while skipping the subtree of a directory that lost a conflict
	for _, it := range items {
		if skip != "" && strings.HasPrefix(it.Path, skip) {
			continue // tree order: the subtree follows its directory without a gap
		}
		skip = ""
		n, ok := m.tree[it.Path]
		if !ok {
			m.tree[it.Path] = &node{Entry: it.Entry, input: i, from: it.Path, explicit: it.explicit}
			continue
		}
		if n.Type == Dir && it.Type == Dir {
			if it.explicit && !n.explicit { // the first input that lists a directory sets its mode
				n.Mode, n.input, n.explicit = it.Mode, i, true
			}
			continue
		}
		kind, detail, err := m.compare(n, i, it)
		if err != nil {
			return err
		}
		if kind == "" {
			continue // the same entry: the first input keeps it
		}
		c := Conflict{Path: it.Path, Kind: kind, First: m.inputs[n.input].label(),
			Second: m.inputs[i].label(), Detail: detail}
		if it.Type == Dir {
			skip = it.Path + "/"
		}
		switch {
		case m.policy == PolicyError:
			m.blocking = append(m.blocking, c)
		case m.policy == PolicyKeepBoth && it.Type == Dir:
			m.blocking = append(m.blocking, c)
		case m.policy == PolicyKeepBoth:
			m.pending = append(m.pending, pending{conflict: c, input: i, item: it})
		default: // PolicyPriority: the later entry (and a directory's subtree) is dropped
			m.resolved = append(m.resolved, c)
		}
	}
	return nil
}

// compare returns how input i's entry differs from the tree's node at the same path; kind ""
// means they are the same.
func (m *merger) compare(n *node, i int, it item) (kind Kind, detail string, err error) {
	if n.Type != it.Type {
		return KindType, n.Type.article() + " and " + it.Type.article(), nil
	}
	switch it.Type {
	case Symlink:
		if n.Target != it.Target {
			return KindTarget, fmt.Sprintf("%q and %q", n.Target, it.Target), nil
		}
		return "", "", nil
	case File:
		if n.Size != it.Size {
			return KindContent, fmt.Sprintf("%d and %d bytes", n.Size, it.Size), nil
		}
		if !n.summed {
			if n.sum, err = n.Digest(); err != nil {
				return "", "", m.digestError(n.input, n.from, err)
			}
			n.summed = true
		}
		sum, err := it.Digest()
		if err != nil {
			return "", "", m.digestError(i, it.Path, err)
		}
		if sum != n.sum {
			return KindContent, "", nil
		}
		if n.Mode != it.Mode {
			return KindMode, fmt.Sprintf("%04o and %04o", uint32(n.Mode), uint32(it.Mode)), nil
		}
	}
	return "", "", nil
}

func (m *merger) digestError(input int, p string, err error) error {
	return &EntryError{Package: m.inputs[input].label(), Path: p, Err: err, Reason: "computing the digest failed"}
}

// keepBoth places the later entries of keep-both conflicts under their new names, in input
// order and then tree order, once every input's own paths are in the tree.
func (m *merger) keepBoth() {
	for _, p := range m.pending {
		for k := 1; ; k++ {
			name := keepBothName(p.item.Path, m.inputs[p.input].Name, k)
			if _, taken := m.tree[name]; taken {
				continue
			}
			m.tree[name] = &node{Entry: p.item.Entry, input: p.input, from: p.item.Path, explicit: true}
			p.conflict.KeptAs = name
			m.resolved = append(m.resolved, p.conflict)
			break
		}
	}
	m.pending = nil
}

// result lists the tree, sorted by path.
func (m *merger) result() Result {
	placed := make([]Placed, 0, len(m.tree))
	for _, p := range slices.Sorted(maps.Keys(m.tree)) {
		n := m.tree[p]
		placed = append(placed, Placed{Path: p, Input: n.input, From: n.from, Type: n.Type,
			Mode: n.Mode, Size: n.Size, Target: n.Target})
	}
	return Result{Placed: placed}
}
