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
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// Names of a package's parts.
const (
	manifestFile   = "manifest.yaml"
	depsFile       = "deps.yaml"
	provenanceFile = "provenance.yaml"
	signatureFile  = "manifest.sig"
	rootDir        = "root"
)

// contents is what one read of a package's origin found.
type contents struct {
	meta  map[string][]byte // manifestFile, depsFile, provenanceFile, signatureFile → bytes, when present
	files []File            // the root/ tree, in walk order
	// extra are the other regular files of the package (a README), by path from its top, with
	// their hashes: a signature covers them too.
	extra []File
}

// visitFunc is called for each entry under root/ while a package is read. For a regular file,
// r yields its content, which is being hashed as it is read; f.SHA256 is not set yet. f.Link is
// still as the walk reports it: the package-relative path (not root/-relative) of the file's
// first name in walk order, which is an earlier regular file of the walk; see linkKey.
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
			return nil, invalid(origin, "", "neither a directory nor an archive (%s)", archive.Suffixes)
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
			f := File{Path: e.Path[len(rootDir)+1:], Type: e.Type, Mode: e.Mode, Size: e.Size, Target: e.Target, Link: e.Link}
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
			return c.readMeta(origin, e, r, pkgmeta.MaxSize)
		case e.Path == signatureFile:
			return c.readMeta(origin, e, r, signature.MaxManifestSize)
		case e.Type == archive.Regular:
			f := File{Path: e.Path, Type: e.Type, Mode: e.Mode, Size: e.Size}
			h := sha256.New()
			if _, err := io.CopyBuffer(h, r, buf); err != nil {
				return err
			}
			h.Sum(f.SHA256[:0])
			c.extra = append(c.extra, f)
		}
		return nil
	})
	if err != nil {
		return nil, wrapWalkError(origin, err)
	}
	canonLinks(c.files)
	return c, nil
}

// linkKey names the file a root/ entry, as the walk reports it, is a name of: for a hard link
// the package-relative path of its first name, otherwise its own package-relative path.
func linkKey(f File) string {
	if f.Link != "" {
		return f.Link
	}
	return rootDir + "/" + f.Path
}

// canonLinks rewrites the walk's hard links (each naming the file's first name in walk order,
// which may lie outside root/) into the form [File.Link] documents: among the names a file
// has under root/, the first in byte order is the file and the others link to it. So a
// package's hard links do not depend on the order an archive happened to list them in, and a
// file also linked from outside root/ (a README) is still one file inside it.
func canonLinks(files []File) {
	groups := make(map[string][]int)
	for i, f := range files {
		if f.Type == Regular {
			k := linkKey(f)
			groups[k] = append(groups[k], i)
		}
	}
	for _, g := range groups {
		first := g[0]
		for _, i := range g {
			if files[i].Path < files[first].Path {
				first = i
			}
		}
		for _, i := range g {
			files[i].Link = files[first].Path
		}
		files[first].Link = ""
	}
}

// readMeta keeps one of a package's metadata files (manifest.sig too, for verification against
// the trusted keys): a regular file of at most max bytes.
func (c *contents) readMeta(origin string, e archive.Entry, r io.Reader, max int64) error {
	if e.Type != archive.Regular {
		return invalid(origin, e.Path, "is a %v, not a regular file", e.Type)
	}
	if e.Size > max {
		return invalid(origin, e.Path, "is %d bytes; at most %d are allowed", e.Size, max)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.meta[e.Path] = b
	return nil
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
		meta:       c.meta,
		extra:      c.extra,
	}, nil
}

// Read reads the one package directory or archive at origin, as Scan reads each it finds, with
// the limits lim. `verify --deep` reads a stored package with it to compute its build-id again.
func Read(ctx context.Context, origin string, lim archive.Limits) (*Package, error) {
	return load(ctx, origin, lim)
}

// Unexpected lists, sorted, the files of the package besides manifest.yaml, deps.yaml,
// provenance.yaml and root/: manifest.sig and any other. A package in the store has none
// (Materialize writes none).
func (p *Package) Unexpected() []string {
	var out []string
	if _, ok := p.meta[signatureFile]; ok {
		out = append(out, signatureFile)
	}
	for _, f := range p.extra {
		out = append(out, f.Path)
	}
	slices.Sort(out)
	return out
}
