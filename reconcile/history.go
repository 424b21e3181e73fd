package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/pkgmeta"
)

// What an environment's generations hold, for `history` and `diff`: each generation records the
// lock it was built from (GenerationLock), the revision of the configuration it was applied
// from (layout.PropRevision) and its creation time; sizes are the apparent sizes of the
// packages' files (what the generation holds, before compression or block cloning).

// GenerationInfo is one generation in an environment's history.
type GenerationInfo struct {
	Generation int       `json:"generation"`
	Created    time.Time `json:"created"`
	Current    bool      `json:"current"`
	Pinned     bool      `json:"pinned"`
	Complete   bool      `json:"complete"`
	Packages   int       `json:"packages"`
	Size       int64     `json:"size"`
	// Revision is the configuration revision the generation was applied from; "" when it was
	// not recorded.
	Revision string `json:"revision,omitempty"`
	// LockError says why the generation's lock could not be read (its packages are unknown).
	LockError string `json:"lock_error,omitempty"`
}

// History is an environment's generations, oldest first.
type History struct {
	Env         string           `json:"env"`
	Generations []GenerationInfo `json:"generations"`
}

// ErrNoEnvironment: the store has no environment of that name.
var ErrNoEnvironment = errors.New("no such environment in the store")

// ErrNoGeneration: the environment has no generation of that number (or too few to compare).
var ErrNoGeneration = errors.New("no such generation")

// observeEnv observes the store's tree and files (no sources: history and diff read only what
// is in the store) and returns the environment named env.
func (e *Engine) observeEnv(ctx context.Context, l layout.Layout, env string) (*envState, error) {
	tree, err := e.ZFS.Observe(ctx, string(l.Root))
	if err != nil {
		return nil, fmt.Errorf("observing %s: %w", l.Root, err)
	}
	o := &observation{layout: l, tree: tree, files: map[string][]byte{}, errs: map[string]error{}, links: map[string]string{}}
	o.readTreeFiles()
	s := interpret(o)
	es := s.envs[env]
	if es == nil {
		return nil, fmt.Errorf("environment %q: %w (%s)", env, ErrNoEnvironment, l.Env(env))
	}
	return es, nil
}

// History lists the generations of environment env in the store at l.
func (e *Engine) History(ctx context.Context, l layout.Layout, env string) (*History, error) {
	es, err := e.observeEnv(ctx, l, env)
	if err != nil {
		return nil, err
	}
	sizes := sizer{l: l, known: map[layout.PackageID]int64{}}
	h := &History{Env: env, Generations: []GenerationInfo{}}
	for _, g := range es.gens {
		gi := GenerationInfo{Generation: g.k, Created: g.ds.Creation, Current: g.k == es.current, Pinned: g.k == es.pinned, Complete: g.complete}
		gi.Revision, _ = g.ds.Local(layout.PropRevision)
		if g.lock != nil {
			gi.Packages = len(g.lock.Resolved)
			for _, id := range lockIDs(g.lock) {
				gi.Size += sizes.of(id)
			}
		} else if g.lockErr != nil {
			gi.LockError = g.lockErr.Error()
		}
		h.Generations = append(h.Generations, gi)
	}
	return h, nil
}

// sizer measures packages once each: the apparent size of the regular files under root/.
type sizer struct {
	l     layout.Layout
	known map[layout.PackageID]int64
}

func (s sizer) of(id layout.PackageID) int64 {
	if n, ok := s.known[id]; ok {
		return n
	}
	var n int64
	root := filepath.Join(s.l.Path(s.l.Package(id)), "root")
	_ = filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // unreadable or not a file: counts nothing (the package may be gone)
		}
		if fi, err := d.Info(); err == nil {
			n += fi.Size()
		}
		return nil
	})
	s.known[id] = n
	return n
}

// Change kinds of a package between two generations.
const (
	ChangeAdded      = "added"
	ChangeRemoved    = "removed"
	ChangeUpgraded   = "upgraded"
	ChangeDowngraded = "downgraded"
	ChangeRebuilt    = "rebuilt" // same version and revision, another build
)

// PackageChange is one package that differs between two generations.
type PackageChange struct {
	Name   string `json:"name"`
	Change string `json:"change"`
	// From and To are "version-revision" (empty where the package is absent).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// SizeDelta is the change in the package's apparent size, in bytes.
	SizeDelta int64 `json:"size_delta"`
}

// GenerationDiff is what changed between two generations of an environment.
type GenerationDiff struct {
	Env      string          `json:"env"`
	From     int             `json:"from"`
	To       int             `json:"to"`
	FromSize int64           `json:"from_size"`
	ToSize   int64           `json:"to_size"`
	Changes  []PackageChange `json:"changes"`
}

// DiffGenerations compares generations from and to of env (0 for from: the one before to; 0
// for to: the current one, else the newest).
func (e *Engine) DiffGenerations(ctx context.Context, l layout.Layout, env string, from, to int) (*GenerationDiff, error) {
	es, err := e.observeEnv(ctx, l, env)
	if err != nil {
		return nil, err
	}
	if to == 0 {
		to = es.current
		if to == 0 && len(es.gens) > 0 {
			to = es.gens[len(es.gens)-1].k
		}
	}
	gt := es.gen(to)
	if gt == nil {
		return nil, fmt.Errorf("%s: %w %s", env, ErrNoGeneration, layout.GenerationName(to))
	}
	var gf *genState
	if from == 0 {
		for _, g := range es.gens { // sorted: the last one before to
			if g.k < to {
				gf = g
			}
		}
		if gf == nil {
			return nil, fmt.Errorf("%s: %w before %s to compare with (--from K)", env, ErrNoGeneration, layout.GenerationName(to))
		}
	} else if gf = es.gen(from); gf == nil {
		return nil, fmt.Errorf("%s: %w %s", env, ErrNoGeneration, layout.GenerationName(from))
	}
	for _, g := range []*genState{gf, gt} {
		if g.lock == nil {
			return nil, fmt.Errorf("%s %s: its lock cannot be read: %v", env, g.name(), g.lockErr)
		}
	}
	d := &GenerationDiff{Env: env, From: gf.k, To: gt.k}
	d.Changes, d.FromSize, d.ToSize = diffLocks(gf.lock, gt.lock, sizer{l: l, known: map[layout.PackageID]int64{}}.of)
	return d, nil
}

// diffLocks lists the packages that differ between two locks, by name, with the total sizes.
func diffLocks(a, b *pkgmeta.Lock, size func(layout.PackageID) int64) ([]PackageChange, int64, int64) {
	byName := func(lk *pkgmeta.Lock) map[string]layout.PackageID {
		m := map[string]layout.PackageID{}
		for _, id := range lockIDs(lk) {
			m[id.Name] = id
		}
		return m
	}
	am, bm := byName(a), byName(b)
	var names []string
	var sa, sb int64
	for n, id := range am {
		names = append(names, n)
		sa += size(id)
	}
	for n, id := range bm {
		if _, ok := am[n]; !ok {
			names = append(names, n)
		}
		sb += size(id)
	}
	slices.Sort(names)
	changes := []PackageChange{}
	for _, n := range names {
		x, inA := am[n]
		y, inB := bm[n]
		c := PackageChange{Name: n}
		switch {
		case !inA:
			c.Change, c.To, c.SizeDelta = ChangeAdded, versionOf(y), size(y)
		case !inB:
			c.Change, c.From, c.SizeDelta = ChangeRemoved, versionOf(x), -size(x)
		case x == y:
			continue
		default:
			c.From, c.To, c.SizeDelta = versionOf(x), versionOf(y), size(y)-size(x)
			switch cmp := compareIDs(x, y); {
			case cmp < 0:
				c.Change = ChangeUpgraded
			case cmp > 0:
				c.Change = ChangeDowngraded
			default:
				c.Change = ChangeRebuilt
			}
		}
		changes = append(changes, c)
	}
	return changes, sa, sb
}

func versionOf(id layout.PackageID) string { return fmt.Sprintf("%s-%d", id.Version, id.Revision) }

// compareIDs orders two builds of a package by version, then revision.
func compareIDs(a, b layout.PackageID) int {
	if c := a.Version.Compare(b.Version); c != 0 {
		return c
	}
	switch {
	case a.Revision < b.Revision:
		return -1
	case a.Revision > b.Revision:
		return 1
	}
	return 0
}
