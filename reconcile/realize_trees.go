package reconcile

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/treedigest"
)

// packageTrees reads the root/ trees of store packages, each once however many merges use it.
//
// Where it can, it reads neither the trees nor their files: a package is named by its build-id,
// which is computed over every entry's path, type, mode and content hash, and the scan cache
// holds, for each build-id it has seen, the file list that id was computed from (checked
// against the id when the cache is loaded). Import wrote the package's root/ from that list and
// verified it, so the list is the tree, with its hashes, as the id promises it. A package the
// cache does not know (its source is gone) is walked, and its files hashed when needed.
type packageTrees struct {
	l       layout.Layout
	entries map[string][]merge.Entry
	// known returns the file list a build-id was computed from, nil when unknown.
	known func(buildID string) []source.File
}

func newPackageTrees(l layout.Layout, known func(buildID string) []source.File) *packageTrees {
	if known == nil {
		known = func(string) []source.File { return nil }
	}
	return &packageTrees{l: l, entries: map[string][]merge.Entry{}, known: known}
}

// packageRoots are the root/ directories of a merge's inputs, by input.
type packageRoots []string

// merged is a generation's merge with the root/ directories its files are read from.
type merged struct {
	tree  merge.Tree
	roots packageRoots
}

// open opens the file at path of input i, for merge.Write and merge.Update.
func (r packageRoots) open(i int, path string) (io.ReadCloser, error) {
	if !filepath.IsLocal(filepath.FromSlash(path)) {
		return nil, fmt.Errorf("unsafe path %q", path)
	}
	return os.Open(filepath.Join(r[i], filepath.FromSlash(path)))
}

// read returns the entries of package p (a package path), reading its tree on first use.
func (pk *packageTrees) read(p string) ([]merge.Entry, string, error) {
	id, ok := layout.ParsePackagePath(p)
	if !ok {
		return nil, "", fmt.Errorf("bad package %q in the plan", p)
	}
	root := filepath.Join(pk.l.Path(pk.l.Package(id)), "root")
	if entries, ok := pk.entries[p]; ok {
		return entries, root, nil
	}
	var entries []merge.Entry
	if files := pk.known(id.BuildID); files != nil {
		// The tree the build-id names, which import wrote and verified: no walk of root/.
		if err := checkRoot(root); err != nil {
			return nil, "", fmt.Errorf("reading %s: %w", id, err)
		}
		entries = sourceEntries(files)
	} else {
		var err error
		if entries, err = storeEntries(root); err != nil {
			return nil, "", fmt.Errorf("reading %s: %w", id, err)
		}
	}
	pk.entries[p] = entries
	return entries, root, nil
}

// sourceEntries are the merge entries of a package's file list, with their content hashes.
func sourceEntries(files []source.File) []merge.Entry {
	out := make([]merge.Entry, 0, len(files))
	for _, f := range files {
		e := merge.Entry{Path: f.Path, Mode: f.Mode, Size: f.Size, Target: f.Target}
		switch f.Type {
		case source.Dir:
			e.Type = merge.Dir
		case source.Symlink:
			e.Type = merge.Symlink
		default:
			e.Type = merge.File
			sum := f.SHA256
			e.Digest = func() ([32]byte, error) { return sum, nil }
		}
		out = append(out, e)
	}
	return out
}

// merge merges the packages pkgs (paths, in priority order) under policy, keeping the set-id
// bits of those named in allowSetID. Each input's ID is its package path, which names its
// content.
func (pk *packageTrees) merge(pkgs, allowSetID []string, policy string) (merge.Tree, packageRoots, error) {
	inputs := make([]merge.Input, 0, len(pkgs))
	roots := make(packageRoots, 0, len(pkgs))
	for _, p := range pkgs {
		entries, root, err := pk.read(p)
		if err != nil {
			return merge.Tree{}, nil, err
		}
		id, _ := layout.ParsePackagePath(p)
		inputs = append(inputs, merge.Input{Name: id.Name, Label: id.String(), Entries: entries, AllowSetID: slices.Contains(allowSetID, id.Name)})
		roots = append(roots, root)
	}
	if err := checkReserved(inputs); err != nil {
		return merge.Tree{}, nil, err
	}
	res, err := merge.Merge(inputs, merge.Policy(policy))
	if err != nil {
		return merge.Tree{}, nil, err
	}
	return merge.Tree{Result: res, IDs: slices.Clone(pkgs)}, roots, nil
}

// contentDigest returns the treedigest of generation dir, whose merged files are t's: those
// entries as the merge placed them, each file's hash its package's, and the reconciler's own
// files (ReservedDir), which are read. No merged file is read back: what the generation holds
// is what its packages' build-ids promise, and `verify --deep` compares the files with that.
func (pk *packageTrees) contentDigest(ctx context.Context, dir string, t merge.Tree) (string, error) {
	sums := make([]map[string]func() ([32]byte, error), len(t.IDs))
	for i, p := range t.IDs {
		entries, _, err := pk.read(p)
		if err != nil {
			return "", err
		}
		sums[i] = make(map[string]func() ([32]byte, error), len(entries))
		for _, e := range entries {
			if e.Type == merge.File {
				sums[i][e.Path] = e.Digest
			}
		}
	}
	out := make([]treedigest.Entry, 0, len(t.Result.Placed)+4)
	for _, p := range t.Result.Placed {
		e := treedigest.Entry{Path: p.Path, Mode: p.Mode}
		switch p.Type {
		case merge.Dir:
			e.Type = treedigest.Dir
		case merge.Symlink:
			e.Type, e.Target = treedigest.Symlink, p.Target
		case merge.File:
			sum, ok := sums[p.Input][p.From]
			if !ok {
				return "", fmt.Errorf("the merge placed %s from %s, which that package does not have", p.Path, p.From)
			}
			var err error
			if e.SHA256, err = sum(); err != nil {
				return "", err
			}
			e.Type = treedigest.File
		default:
			return "", fmt.Errorf("the merge placed %s of unknown type %v", p.Path, p.Type)
		}
		out = append(out, e)
	}
	own, err := reservedEntries(ctx, dir)
	if err != nil {
		return "", err
	}
	return treedigest.Sum(append(out, own...)), nil
}

// reservedEntries reads the entries of dir's ReservedDir, itself included.
func reservedEntries(ctx context.Context, dir string) ([]treedigest.Entry, error) {
	top := filepath.Join(dir, ReservedDir)
	fi, err := os.Lstat(top)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", top)
	}
	below, err := treedigest.Read(ctx, top)
	if err != nil {
		return nil, err
	}
	out := []treedigest.Entry{{Path: ReservedDir, Type: treedigest.Dir, Mode: fi.Mode()}}
	for _, e := range below {
		e.Path = ReservedDir + "/" + e.Path
		out = append(out, e)
	}
	return out, nil
}

// storeEntries lists a package's root/ tree, for a package whose file list the scan cache does
// not know. A file's content is hashed only when first asked for (the merge asks only when
// another package ships the same path; the content digest always). Every package
// axiom-reconcile imports has a root/ (an empty one if it ships no files), so a missing root/
// means the package is not mounted or not what it should be: never a package without files.
func storeEntries(root string) ([]merge.Entry, error) {
	if err := checkRoot(root); err != nil {
		return nil, err
	}
	var out []merge.Entry
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			if !d.IsDir() {
				return fmt.Errorf("%s is not a directory", root)
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := merge.Entry{Path: filepath.ToSlash(rel), Mode: info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid), Size: info.Size()}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			e.Type = merge.Symlink
			if e.Target, err = os.Readlink(path); err != nil {
				return err
			}
		case d.IsDir():
			e.Type = merge.Dir
		case d.Type().IsRegular():
			e.Type = merge.File
			e.Digest = sync.OnceValues(func() ([32]byte, error) { return hashFile(path) })
		default:
			return fmt.Errorf("%s: not a regular file, directory or symlink", path)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// checkRoot refuses a package root/ that is missing.
func checkRoot(root string) error {
	if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist: the package is not mounted (zfs mount), or is damaged; an imported package always has root/", root)
	}
	return nil
}

func hashFile(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
