package source

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// Names of a package's parts.
const (
	manifestFile   = "manifest.yaml"
	depsFile       = "deps.yaml"
	provenanceFile = "provenance.yaml"
	rootDir        = "root"
)

// contents is what one read of a package's origin found.
type contents struct {
	meta  map[string][]byte // manifestFile, depsFile, provenanceFile → bytes, when present
	files []File            // the root/ tree, in walk order
}

// visitFunc is called for each entry under root/ while a package is read. For a regular file,
// r yields its content, which is being hashed as it is read; f.SHA256 is not set yet.
type visitFunc func(f File, r io.Reader) error

// readOrigin walks a package directory or archive once, collecting its metadata files and
// its root/ tree (with content hashes), and calling visit, if not nil, for each root/ entry.
func readOrigin(ctx context.Context, origin string, lim archive.Limits, visit visitFunc) (*contents, error) {
	fi, err := os.Stat(origin)
	if err != nil {
		return nil, &Error{Origin: origin, Err: err}
	}
	walk := archive.WalkDir
	if !fi.IsDir() {
		if !archive.Supported(origin) {
			return nil, invalid(origin, "", "neither a directory nor an archive (.tar, .tar.gz, .tgz, .tar.zst)")
		}
		walk = archive.Walk
	}
	c := &contents{meta: make(map[string][]byte)}
	buf := make([]byte, 32<<10) // one copy buffer per read, not one per file
	err = walk(ctx, origin, lim, func(e archive.Entry, r io.Reader) error {
		switch {
		case e.Path == rootDir:
			if e.Type != archive.Dir {
				return invalid(origin, e.Path, "is a %v; root must be a directory", e.Type)
			}
		case strings.HasPrefix(e.Path, rootDir+"/"):
			f := File{Path: e.Path[len(rootDir)+1:], Type: e.Type, Mode: e.Mode, Size: e.Size, Target: e.Target}
			h := sha256.New()
			body := io.TeeReader(r, h)
			if visit != nil {
				if err := visit(f, body); err != nil {
					return err
				}
			}
			if _, err := io.CopyBuffer(h, r, buf); err != nil {
				return err
			}
			if f.Type == Regular {
				h.Sum(f.SHA256[:0])
			}
			c.files = append(c.files, f)
		case e.Path == manifestFile || e.Path == depsFile || e.Path == provenanceFile:
			if e.Type != archive.Regular {
				return invalid(origin, e.Path, "is a %v, not a regular file", e.Type)
			}
			if e.Size > pkgmeta.MaxSize {
				return invalid(origin, e.Path, "is %d bytes; at most %d are allowed", e.Size, pkgmeta.MaxSize)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			c.meta[e.Path] = b
		}
		return nil
	})
	if err != nil {
		return nil, wrapWalkError(origin, err)
	}
	return c, nil
}

// wrapWalkError gives an error from a walk of origin the form *Error.
func wrapWalkError(origin string, err error) error {
	var se *Error
	var ae *archive.Error
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ae):
		return &Error{Origin: origin, Entry: ae.Entry, Err: err}
	}
	return &Error{Origin: origin, Err: err}
}

// parsed is a package's metadata, parsed and checked.
type parsed struct {
	manifest   pkgmeta.Manifest
	deps       pkgmeta.Deps
	provenance *pkgmeta.Provenance
}

// parseMeta parses and checks the metadata files of the package at origin.
func parseMeta(origin string, meta map[string][]byte) (parsed, error) {
	var p parsed
	bad := func(file string, err error) error {
		return &Error{Origin: origin, Entry: file, Err: fmt.Errorf("%w: %w", ErrInvalid, err)}
	}
	mb, ok := meta[manifestFile]
	if !ok {
		return p, invalid(origin, manifestFile, "missing")
	}
	var err error
	if p.manifest, err = pkgmeta.ParseManifest(mb); err != nil {
		return p, bad(manifestFile, err)
	}
	if err := axiomname.CheckPackage(p.manifest.Name); err != nil {
		return p, bad(manifestFile, err)
	}
	if b, ok := meta[depsFile]; ok {
		if p.deps, err = pkgmeta.ParseDeps(b); err != nil {
			return p, bad(depsFile, err)
		}
	}
	if b, ok := meta[provenanceFile]; ok {
		prov, err := pkgmeta.ParseProvenance(b)
		if err != nil {
			return p, bad(provenanceFile, err)
		}
		p.provenance = &prov
	}
	return p, nil
}

// checkRootLinks holds the symlinks under root/ to root/: a package's files are merged into
// environments without the rest of the package, so a link out of root/ would point outside.
func checkRootLinks(origin string, files []File) error {
	entries := make([]archive.Entry, len(files))
	for i, f := range files {
		entries[i] = archive.Entry{Path: f.Path, Type: f.Type, Mode: f.Mode, Size: f.Size, Target: f.Target}
	}
	err := archive.CheckLinks(entries)
	var ae *archive.Error
	if errors.As(err, &ae) {
		ae.Archive, ae.Entry = origin, rootDir+"/"+ae.Entry
		ae.Reason += " (symlinks must stay inside root/)"
		return &Error{Origin: origin, Entry: ae.Entry, Err: ae}
	}
	return err
}

// load reads the package at origin into a Package.
func load(ctx context.Context, origin string, lim archive.Limits) (*Package, error) {
	c, err := readOrigin(ctx, origin, lim, nil)
	if err != nil {
		return nil, err
	}
	meta, err := parseMeta(origin, c.meta)
	if err != nil {
		return nil, err
	}
	if err := checkRootLinks(origin, c.files); err != nil {
		return nil, err
	}
	files := slices.Clone(c.files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return &Package{
		Manifest:   meta.manifest,
		Deps:       meta.deps,
		Provenance: meta.provenance,
		Origin:     origin,
		BuildID:    BuildID(meta.manifest, meta.deps, files),
		Files:      files,
		lim:        lim,
	}, nil
}
