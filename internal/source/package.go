package source

import (
	"cmp"
	"io/fs"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// FileType is the type of a [File]: [Regular], [Dir] or [Symlink].
type FileType = archive.Type

// The file types a package may hold.
const (
	Regular = archive.Regular
	Dir     = archive.Dir
	Symlink = archive.Symlink
)

// File is one entry of a package's root/ tree.
type File struct {
	// Path is relative to root/, slash-separated and clean.
	Path string
	Type FileType
	// Mode is normalised by internal/archive: 0755 for a directory, 0755 for a regular file
	// with any execute bit set and 0644 for one without, 0777 for a symlink. A regular file
	// keeps fs.ModeSetuid and fs.ModeSetgid as shipped; no sticky bit and no group or world
	// write permission survives.
	Mode fs.FileMode
	// Size is a regular file's length; 0 for other types.
	Size int64
	// SHA256 is a regular file's content hash; zero for other types.
	SHA256 [32]byte
	// Target is a symlink's target exactly as shipped (absolute, or relative and possibly
	// leading out of the package): data, never followed. Empty for other types.
	Target string
	// Link is set on a regular file that is another name of a file the package holds more than
	// once (a hard link): the Path of that file's first name in byte order, which has Link
	// empty. Every name of the file has the same Mode, Size and SHA256. Materialize writes the
	// names as one file.
	Link string
}

// Package is one package found by [Scan].
type Package struct {
	Manifest pkgmeta.Manifest
	// Deps is the package's deps.yaml; the zero value when it has none.
	Deps pkgmeta.Deps
	// Provenance is the package's provenance.yaml; nil when it has none.
	Provenance *pkgmeta.Provenance
	// Origin is the absolute path of the package directory or archive it was read from.
	Origin string
	// BuildID identifies the package's content; see [BuildID].
	BuildID string
	// Files is the root/ tree, sorted by Path (byte order).
	Files []File

	// SignedBy is the key id of the trusted key whose signature the package carries, once
	// [VerifySignatures] has checked it; empty otherwise.
	SignedBy string

	lim   archive.Limits    // the limits Scan read it with, for Materialize
	meta  map[string][]byte // the metadata files (manifest.sig too) as read, for a persistent Cache
	extra []File            // the package's regular files outside root/ and its metadata
}

// Compare orders packages by name, version, revision and build-id.
func Compare(a, b *Package) int {
	return cmp.Or(
		strings.Compare(a.Manifest.Name, b.Manifest.Name),
		a.Manifest.Version.Compare(b.Manifest.Version),
		cmp.Compare(a.Manifest.Revision, b.Manifest.Revision),
		strings.Compare(a.BuildID, b.BuildID),
	)
}
