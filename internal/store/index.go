package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
)

// Package is one package dataset found in the store.
type Package struct {
	ID       layout.PackageID
	Dataset  layout.Dataset
	Path     string // where it is mounted
	Creation time.Time
	// Managed: created by axiom-reconcile (local axiom:managed-by). Only managed packages are
	// used in environments (a generation must hold them) or ever destroyed.
	Managed bool
	// Complete: read-only with @installed. Anything else was never committed.
	Complete bool
	// Installed is the @installed snapshot, if any.
	Installed *zfs.Dataset
}

// Snapshot is the name of the package's @installed snapshot.
func (p *Package) Snapshot() layout.Snapshot { return p.Dataset.Snapshot(layout.SnapInstalled) }

// Index lists the packages of one observation.
type Index struct {
	byID map[layout.PackageID]*Package
	list []*Package
}

// NewIndex finds the packages in an observed tree: the filesystems exactly four levels below
// store/pkg whose names parse as a package's dataset (layout.Layout.PackageAt, which maps the
// name's component back to the package's real name). Nothing is read from mounted directories.
func NewIndex(tree *zfs.Tree, l layout.Layout) *Index {
	ix := &Index{byID: map[layout.PackageID]*Package{}}
	for i := range tree.Datasets {
		d := &tree.Datasets[i]
		if d.Type != zfs.Filesystem {
			continue
		}
		ds := layout.Dataset(d.Name)
		id, ok := l.PackageAt(ds)
		if !ok {
			continue
		}
		p := &Package{ID: id, Dataset: ds, Path: l.Path(ds), Creation: d.Creation}
		v, _ := d.Local(layout.PropManagedBy)
		p.Managed = v == layout.ManagedBy
		if snap, ok := tree.Get(string(p.Snapshot())); ok {
			p.Installed = snap
		}
		ro, _ := d.Local("readonly")
		p.Complete = ro == "on" && p.Installed != nil
		ix.byID[id] = p
		ix.list = append(ix.list, p)
	}
	sort.Slice(ix.list, func(i, j int) bool { return ix.list[i].ID.Less(ix.list[j].ID) })
	return ix
}

// Get returns the package with the given id.
func (ix *Index) Get(id layout.PackageID) (*Package, bool) {
	p, ok := ix.byID[id]
	return p, ok
}

// All returns every package, sorted by id.
func (ix *Index) All() []*Package { return ix.list }

// Usable returns the packages environments may use: managed and complete.
func (ix *Index) Usable() []*Package {
	var out []*Package
	for _, p := range ix.list {
		if p.Managed && p.Complete {
			out = append(out, p)
		}
	}
	return out
}

// Meta is a package's metadata as stored beside its files.
type Meta struct {
	Manifest pkgmeta.Manifest
	Deps     pkgmeta.Deps
}

// MetaCache reads packages' manifest.yaml and deps.yaml, once per package: a committed package
// is read-only and its build-id names its content, so what was read stays true. Safe for
// concurrent use.
type MetaCache struct {
	mu sync.Mutex
	m  map[layout.Dataset]Meta // by dataset name, which has the build-id
}

// Read returns p's metadata.
func (c *MetaCache) Read(p *Package) (Meta, error) {
	key := p.Dataset
	c.mu.Lock()
	if m, ok := c.m[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	var m Meta
	b, err := os.ReadFile(filepath.Join(p.Path, "manifest.yaml"))
	if err != nil {
		return m, fmt.Errorf("package %s: %w", p.ID, err)
	}
	if m.Manifest, err = pkgmeta.ParseManifest(b); err != nil {
		return m, fmt.Errorf("package %s: %w", p.ID, pkgmeta.WithFile(err, filepath.Join(p.Path, "manifest.yaml")))
	}
	b, err = os.ReadFile(filepath.Join(p.Path, "deps.yaml"))
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return m, fmt.Errorf("package %s: %w", p.ID, err)
	default:
		if m.Deps, err = pkgmeta.ParseDeps(b); err != nil {
			return m, fmt.Errorf("package %s: %w", p.ID, pkgmeta.WithFile(err, filepath.Join(p.Path, "deps.yaml")))
		}
	}
	if m.Manifest.Name != p.ID.Name || m.Manifest.Version != p.ID.Version || m.Manifest.Revision != p.ID.Revision {
		return m, fmt.Errorf("package %s (dataset %s): its manifest says %s %s-%d", p.ID, p.Dataset, m.Manifest.Name, m.Manifest.Version, m.Manifest.Revision)
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[layout.Dataset]Meta{}
	}
	c.m[key] = m
	c.mu.Unlock()
	return m, nil
}
