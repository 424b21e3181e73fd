package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// Scan finds the packages in the source directories dirs (see the package documentation for
// what counts as one) and reads each fully: metadata, file tree, content hashes, build-id.
//
// It returns every package it could read, sorted by name, version, revision and build-id, and
// an error joining (errors.Join) one [*Error] per package or directory it could not read, each
// naming the origin (and, where there is one, the entry); both may be non-nil. A package that
// cannot be read or is refused never stops the others: [Refusals] picks those out of the error
// (each names the package), [DirErrors] the problems with the source directories themselves. Packages with
// the same build-id are the same package: only the first is kept, taking dirs in the order
// given and the entries of each in byte order of their names. A directory given twice is read
// once. If ctx is cancelled Scan returns ctx's error and no packages.
func Scan(ctx context.Context, dirs []string, lim archive.Limits) ([]*Package, error) {
	return scan(ctx, dirs, lim, nil)
}

// scan is Scan, reading packages through cache when it is not nil.
func scan(ctx context.Context, dirs []string, lim archive.Limits, cache *Cache) ([]*Package, error) {
	var (
		pkgs []*Package
		errs []error
		ids  = make(map[string]bool)
		seen = make(map[string]bool)
	)
	for _, d := range dirs {
		dir, err := filepath.Abs(d)
		if err != nil {
			errs = append(errs, &Error{Origin: d, Err: err})
			continue
		}
		if seen[dir] {
			continue
		}
		seen[dir] = true
		origins, cerrs := candidates(dir)
		errs = append(errs, cerrs...)
		loaded := loadAll(ctx, origins, lim, cache)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, l := range loaded {
			if l.err != nil {
				errs = append(errs, refused(origins[i], l.err))
				continue
			}
			if !ids[l.pkg.BuildID] {
				ids[l.pkg.BuildID] = true
				pkgs = append(pkgs, l.pkg)
			}
		}
	}
	slices.SortFunc(pkgs, Compare)
	return pkgs, errors.Join(errs...)
}

// scanWorkers bounds how many origins are read at once. A pass over unchanged sources is a
// stat of every file of every package: calls that wait on the filesystem more than they use a
// CPU, so more of them than CPUs run at once.
func scanWorkers() int { return min(8, 2*runtime.GOMAXPROCS(0)) }

type loaded struct {
	pkg *Package
	err error
}

// loadAll reads origins side by side (through cache when it is not nil), each result at its
// origin's index. After ctx is done, what is left is not read.
func loadAll(ctx context.Context, origins []string, lim archive.Limits, cache *Cache) []loaded {
	out := make([]loaded, len(origins))
	var g errgroup.Group
	g.SetLimit(scanWorkers())
	for i, origin := range origins {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				out[i].err = err
				return nil
			}
			if cache != nil {
				out[i].pkg, out[i].err = cache.load(ctx, origin, lim)
			} else {
				out[i].pkg, out[i].err = load(ctx, origin, lim)
			}
			return nil
		})
	}
	_ = g.Wait() // every error is in out
	return out
}

// candidates lists the packages of one source directory, as absolute paths in byte order of
// their names, and one error for each entry it could not classify.
func candidates(dir string) ([]string, []error) {
	names, err := readDirNames(dir)
	if err != nil {
		return nil, []error{&Error{Origin: dir, Err: err}}
	}
	var out []string
	var errs []error
	for _, name := range names {
		if name == manifestFile {
			return nil, []error{invalid(dir, "", "holds %s itself; a source directory holds packages, so name its parent", manifestFile)}
		}
	}
	for _, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p) // follows symlinks: a package may be linked in
		if err != nil {
			errs = append(errs, refused(p, &Error{Origin: p, Err: err}))
			continue
		}
		switch {
		case fi.IsDir():
			isPkg, err := looksLikePackage(p)
			if err != nil {
				errs = append(errs, refused(p, &Error{Origin: p, Err: err}))
			} else if isPkg {
				out = append(out, p)
			}
		case archive.Supported(name):
			out = append(out, p)
		case unsupportedArchive(name):
			errs = append(errs, refused(p, invalid(p, "", "not a supported archive (%s)", archive.Suffixes)))
		}
	}
	return out, errs
}

// looksLikePackage reports whether the directory dir holds manifest.yaml or root; a directory
// with neither is not a package and is ignored.
func looksLikePackage(dir string) (bool, error) {
	for _, name := range []string{manifestFile, rootDir} {
		_, err := os.Lstat(filepath.Join(dir, name))
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, fs.ErrNotExist):
			return false, err
		}
	}
	return false, nil
}

func readDirNames(dir string) ([]string, error) {
	f, err := nonblock.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("not a directory")
	}
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}
