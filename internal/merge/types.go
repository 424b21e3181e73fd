package merge

import (
	"fmt"
	"io/fs"
	"strings"
)

// Type is the kind of an [Entry] or a [Placed] path.
type Type uint8

// The kinds of entry a package's root/ tree may hold.
const (
	File Type = iota + 1
	Dir
	Symlink
)

func (t Type) String() string {
	switch t {
	case File:
		return "file"
	case Dir:
		return "directory"
	case Symlink:
		return "symlink"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// article returns the type with its indefinite article, for messages.
func (t Type) article() string {
	if t == File || t == Dir || t == Symlink {
		return "a " + t.String()
	}
	return t.String()
}

// Entry is one entry of a package's root/ tree.
type Entry struct {
	// Path is relative to root/, slash-separated and clean: not empty, not ".", no leading or
	// trailing "/", no empty, "." or ".." components, no NUL.
	Path string
	Type Type
	// Mode holds the permission bits. A file keeps fs.ModeSetuid and fs.ModeSetgid only when
	// its Input's AllowSetID is set; the sticky bit and type bits are always dropped, and so
	// is everything but the permissions of a directory. It is ignored for symlinks.
	Mode fs.FileMode
	// Size is a file's content length in bytes. It must be accurate: files of different sizes
	// are taken to differ without their digests being computed.
	Size int64
	// Digest returns the SHA-256 of a file's content. It is required for files and called only
	// when another input ships a file of the same size at the same path, at most once per
	// entry per Merge.
	Digest func() ([32]byte, error)
	// Target is a symlink's target, written exactly as given: absolute or relative, leading
	// anywhere. It is data, never followed; it must only be non-empty and free of NUL.
	Target string
}

// Input is one package's contribution to a merge. The order of the inputs given to [Merge] is
// their priority: the first input wins.
type Input struct {
	// Name is the package name. Keep-both copies are suffixed with it, so it must be usable as
	// part of a file name: not empty, no "/" and no NUL, not "." or "..".
	Name string
	// Label names the package in messages, e.g. "bash 5.2.21-1 (3f2a9c1b)"; Name if empty.
	Label string
	// Entries lists the tree's entries in any order. Directories implied by a path (bin for
	// bin/sh) need not be listed.
	Entries []Entry
	// AllowSetID keeps the setuid and setgid bits of this package's files; by default they
	// are dropped. A package ships set-id programs (su, passwd, mount) as it was built, and
	// the environment decides whether to trust them: the caller (realize) sets this from the
	// profile, per package. Two files that differ only in kept set-id bits are a KindMode
	// conflict.
	AllowSetID bool
}

func (in *Input) label() string {
	if in.Label != "" {
		return in.Label
	}
	return in.Name
}

// Policy says what [Merge] does when two inputs ship different entries at one path.
type Policy string

// The conflict policies; see the package documentation for what each does.
const (
	PolicyError    Policy = "error" // the default, also meant by ""
	PolicyPriority Policy = "priority"
	PolicyKeepBoth Policy = "keep-both"
)

// Placed is one path of a merge's result and where it comes from.
type Placed struct {
	// Path is where the entry goes, relative to the generation's root.
	Path string
	// Input is the index, into the inputs given to Merge, of the input the entry comes from.
	// For a directory it is the first input that lists the directory (its mode comes from
	// there) or, if none lists it, the first input whose paths imply it.
	Input int
	// From is the entry's path inside that input. It differs from Path only for keep-both
	// copies.
	From string
	Type Type
	// Mode holds the permission bits, plus fs.ModeSetuid and fs.ModeSetgid for a file whose
	// input allows them; 0777 for symlinks and 0755 for directories no input lists.
	Mode fs.FileMode
	// Size is a file's content length; [Write] checks that the content has exactly this length.
	Size int64
	// Target is a symlink's target.
	Target string
}

// Kind is the way two entries at one path differ.
type Kind string

// The kinds of conflict.
const (
	KindContent Kind = "content"        // two files with different content
	KindMode    Kind = "mode"           // two files with the same content and different modes
	KindType    Kind = "type"           // a file, directory or symlink against another type
	KindTarget  Kind = "symlink target" // two symlinks with different targets
)

// Conflict is one path that two inputs ship differently. The earlier input (higher priority)
// is First; each later input that differs from it at the path gives one Conflict.
type Conflict struct {
	// Path is the path in the merged tree: for a conflict with a directory an input implies,
	// the directory (bin, not bin/sh).
	Path string
	Kind Kind
	// First and Second are the two inputs' labels, First the earlier.
	First, Second string
	// Detail says how the entries differ, for people: "a file and a directory", "0755 and
	// 0644", `"a" and "b"`, "120 and 96 bytes"; it may be empty.
	Detail string
	// KeptAs is where keep-both put Second's entry; empty otherwise (the entry was dropped,
	// or the conflict is unresolved).
	KeptAs string
}

// String describes the conflict on one line, e.g.
// "bin/vi: vim 9.1.0-1 and busybox 1.36.1-1 ship different content (120 and 96 bytes)", followed
// for a keep-both copy by "; busybox 1.36.1-1's copy is bin/vi.busybox".
func (c Conflict) String() string {
	var what string
	switch c.Kind {
	case KindContent:
		what = "different content"
	case KindMode:
		what = "the same content with different modes"
	case KindType:
		what = "different types"
	case KindTarget:
		what = "symlinks with different targets"
	default:
		what = "different entries (" + string(c.Kind) + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s and %s ship %s", c.Path, c.First, c.Second, what)
	if c.Detail != "" {
		fmt.Fprintf(&b, " (%s)", c.Detail)
	}
	if c.KeptAs != "" {
		fmt.Fprintf(&b, "; %s's copy is %s", c.Second, c.KeptAs)
	}
	return b.String()
}

// Result is a successful merge.
type Result struct {
	// Placed lists every path of the merged tree, directories included, once each, sorted
	// by Path (byte-wise).
	Placed []Placed
	// Conflicts lists the conflicts the policy resolved (none under PolicyError), sorted by
	// Path and then by the later input's position.
	Conflicts []Conflict
}
