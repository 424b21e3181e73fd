package archive

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// Type is the kind of an [Entry].
type Type uint8

// The entry types a package tree may hold.
const (
	Regular Type = iota + 1
	Dir
	Symlink
)

func (t Type) String() string {
	switch t {
	case Regular:
		return "regular file"
	case Dir:
		return "directory"
	case Symlink:
		return "symlink"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Entry is one validated entry of a package tree.
type Entry struct {
	// Path is clean, relative and slash-separated, never "." or empty, and (for archives) has
	// the single top-level folder, if any, stripped.
	Path string
	Type Type
	// Mode is normalised: 0755 for a directory, 0755 for a regular file with any execute bit
	// set and 0644 for one without, 0777 for a symlink. A regular file keeps its setuid and
	// setgid bits ([fs.ModeSetuid], [fs.ModeSetgid]) as shipped: real packages ship set-id
	// programs, and whether they may keep them is for whoever installs them to decide. No
	// sticky bit and no group or world write permission survives, so the umask a tree was
	// written with does not show.
	Mode fs.FileMode
	// Size is the content length of a regular file, 0 otherwise.
	Size int64
	// Target is a symlink's target exactly as shipped: absolute or relative, possibly leading
	// out of the tree. It is data, never followed; empty for other types.
	Target string
	// Link is set on a regular file that is a hard link to an earlier entry of the same tree:
	// the Path of that entry (the first name of the file in walk order). Such an entry still
	// has the file's Size and content, and the target's Mode (they are one file). Empty for
	// every other entry.
	Link string
}

// WalkFunc is called by [Walk] and [WalkDir] for each entry. For a regular file r yields
// exactly e.Size bytes of content; for other entries it yields nothing. r is valid only until
// the function returns; content it leaves unread is skipped. An error returned by the
// function stops the walk and is returned unchanged.
type WalkFunc func(e Entry, r io.Reader) error

// Limits bound what a walk accepts. A zero or negative field takes its default.
type Limits struct {
	MaxFileSize  int64 // largest regular file, in bytes; default 1 GiB
	MaxTotalSize int64 // sum of all regular files (hard links included), in bytes; default 10 GiB
	MaxEntries   int   // entries, counting directories implied by paths; default 100 000
	MaxPathLen   int   // longest name or symlink target, in bytes; default 1024
}

// Defaults for [Limits]; they follow upstream Axiom's documented limits.
const (
	DefaultMaxFileSize  = 1 << 30
	DefaultMaxTotalSize = 10 << 30
	DefaultMaxEntries   = 100_000
	DefaultMaxPathLen   = 1024
)

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxPathLen <= 0 {
		l.MaxPathLen = DefaultMaxPathLen
	}
	return l
}

// contentReader hands a file's content to a WalkFunc: it stops at ctx cancellation, counts
// what was read, and turns read failures into *Error values naming the entry.
type contentReader struct {
	ctx     context.Context
	r       io.Reader
	n       int64
	archive string
	entry   string
}

func (c *contentReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		return n, &Error{Archive: c.archive, Entry: c.entry, Err: ErrChanged,
			Reason: fmt.Sprintf("reading content again failed: %v", err)}
	}
	return n, err
}

// finish reads what the WalkFunc left and checks that exactly size bytes were there.
func (c *contentReader) finish(size int64) error {
	if _, err := io.Copy(io.Discard, c); err != nil {
		return err
	}
	if c.n != size {
		return &Error{Archive: c.archive, Entry: c.entry, Err: ErrChanged,
			Reason: fmt.Sprintf("content is %d bytes, first pass saw %d", c.n, size)}
	}
	return nil
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }
