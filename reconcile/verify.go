package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/internal/store"
	"github.com/axiom-reconcile/axiom-reconcile/internal/treedigest"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Integrity drift: a committed package or generation is read-only, and its content is its
// snapshot's (@installed, @realized). Verify checks that for every managed package and
// generation; see VerifyOptions for what each mode checks and what repair does.

// ErrNoIntegrity: the ZFS client cannot report written@ or roll back (zfs.Integrity).
var ErrNoIntegrity = errors.New("the ZFS client cannot verify integrity")

// VerifyOptions choose how much verify checks and whether it repairs.
type VerifyOptions struct {
	// Deep also reads every file: a package's content must give its build-id again (manifest,
	// dependencies and every entry of root/: type, mode, content, symlink target; no other file
	// beside them), a generation's must give the content digest recorded when it was realized.
	// Without Deep, verify uses what ZFS knows, in one zfs process for the tree: readonly=on,
	// the snapshot present and the one recorded at commit (by guid), and nothing written since
	// it (written@).
	Deep bool
	// Repair rolls a changed package or generation back to its snapshot and sets readonly=on
	// again, then checks it again. What it cannot repair (the snapshot missing or replaced, a
	// later snapshot in the way, content that differs from the snapshot's own) is reported and
	// left as it is: never destroyed.
	Repair bool
}

// VerifyReport is what verify found.
type VerifyReport struct {
	Store       string    `json:"store"`
	Deep        bool      `json:"deep"`
	Packages    int       `json:"packages"`    // managed packages checked
	Generations int       `json:"generations"` // managed generations checked
	Findings    []Finding `json:"findings"`
	// Notes say what could not be checked and why (not drift).
	Notes []string `json:"notes,omitempty"`
}

// Finding is one package or generation that is not as committed.
type Finding struct {
	Kind     string   `json:"kind"` // layout.KindPackage or layout.KindGeneration
	Name     string   `json:"name"` // the package (name version-revision build-id) or env/gen-K
	Dataset  string   `json:"dataset"`
	Problems []string `json:"problems"`
	Repaired bool     `json:"repaired"`
	// Unrepaired says why a repair was not made or did not work.
	Unrepaired string `json:"unrepaired,omitempty"`

	kinds map[problemKind]bool
}

// problemKind classifies a problem, for repair's decisions.
type problemKind int

const (
	probReadonly problemKind = iota + 1
	probMissing
	probReplaced
	probUnrecorded
	probWritten
	probUnmounted
	probContent
)

// problems collects what check finds.
type problems struct {
	text  []string
	kinds map[problemKind]bool
}

func (p *problems) add(k problemKind, format string, args ...any) {
	if p.kinds == nil {
		p.kinds = map[problemKind]bool{}
	}
	p.kinds[k] = true
	p.text = append(p.text, fmt.Sprintf(format, args...))
}

// Drift returns the findings not repaired.
func (r *VerifyReport) Drift() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Repaired {
			out = append(out, f)
		}
	}
	return out
}

// subject is one dataset verify checks, with the short name of its snapshot.
type subject struct {
	kind, name string
	dataset    layout.Dataset
	snap       string
}

// snapshot is the snapshot s is committed as.
func (s subject) snapshot() layout.Snapshot { return s.dataset.Snapshot(s.snap) }

// Verify checks every managed package and generation of cfg's store (see VerifyOptions). The
// caller holds the global lock: shared to check, exclusive to repair.
func (e *Engine) Verify(ctx context.Context, cfg *spec.Config, opt VerifyOptions) (*VerifyReport, error) {
	in, ok := e.ZFS.(zfs.Integrity)
	if !ok {
		return nil, ErrNoIntegrity
	}
	l := layout.Layout{Root: layout.Dataset(cfg.Store.Dataset), Mountpoint: cfg.Store.Mountpoint}
	rep := &VerifyReport{Store: string(l.Root), Deep: opt.Deep, Findings: []Finding{}}
	tree, err := observeWritten(ctx, in, l.Root)
	if err != nil {
		return nil, err
	}
	for _, s := range subjects(tree, l) {
		if s.kind == layout.KindPackage {
			rep.Packages++
		} else {
			rep.Generations++
		}
		p, recordable := e.check(ctx, tree, l, s, opt.Deep, &rep.Notes)
		if len(p.text) == 0 {
			continue
		}
		f := Finding{Kind: s.kind, Name: s.name, Dataset: string(s.dataset), Problems: p.text, kinds: p.kinds}
		if opt.Repair {
			e.repair(ctx, in, l, s, &f, recordable, opt.Deep)
		}
		rep.Findings = append(rep.Findings, f)
	}
	return rep, nil
}

// observeWritten syncs the pool, so that what was written in the last seconds counts, and
// observes the tree with written@installed and written@realized.
func observeWritten(ctx context.Context, in zfs.Integrity, root layout.Dataset) (*zfs.Tree, error) {
	if err := in.Sync(ctx, string(root)); err != nil {
		return nil, fmt.Errorf("syncing the pool of %s: %w", root, err)
	}
	tree, err := in.ObserveWritten(ctx, []string{layout.SnapInstalled, layout.SnapRealized}, string(root))
	if err != nil {
		return nil, fmt.Errorf("observing %s: %w", root, err)
	}
	return tree, nil
}

// subjects lists the managed packages and generations of tree, packages first.
func subjects(tree *zfs.Tree, l layout.Layout) []subject {
	var out []subject
	for _, p := range store.NewIndex(tree, l).All() {
		if p.Managed {
			out = append(out, subject{layout.KindPackage, p.ID.String(), p.Dataset, layout.SnapInstalled})
		}
	}
	for _, env := range tree.Children(string(l.Envs())) {
		for _, g := range tree.Children(env.Name) {
			gen := layout.Dataset(g.Name)
			k, ok := layout.ParseGeneration(gen.Base())
			if !ok || !managed(g) {
				continue
			}
			name := layout.Dataset(env.Name).Base() + "/" + layout.GenerationName(k)
			out = append(out, subject{layout.KindGeneration, name, gen, layout.SnapRealized})
		}
	}
	return out
}

// check returns what is wrong with s; recordable is true when the only problem is an
// unrecorded snapshot identity and the deep check passed.
func (e *Engine) check(ctx context.Context, tree *zfs.Tree, l layout.Layout, s subject, deep bool, notes *[]string) (p problems, recordable bool) {
	d, _ := tree.Get(string(s.dataset))
	if ro, _ := d.Local("readonly"); ro != "on" {
		p.add(probReadonly, "readonly is off")
	}
	if snap, ok := tree.Get(string(s.snapshot())); !ok {
		p.add(probMissing, "@%s is missing", s.snap)
	} else {
		recorded, has := d.Local(layout.PropSnapshotGUID)
		switch {
		case !has:
			p.add(probUnrecorded, "no snapshot identity was recorded when it was committed (%s)", layout.PropSnapshotGUID)
		case recorded != strconv.FormatUint(snap.GUID, 10):
			p.add(probReplaced, "@%s is not the snapshot taken when it was committed (guid %d, recorded %s)", s.snap, snap.GUID, recorded)
		}
		if w := d.Written[s.snap]; w > 0 {
			p.add(probWritten, "%d bytes written since @%s", w, s.snap)
		}
	}
	if d.Unmounted {
		p.add(probUnmounted, "not mounted: its files cannot be read")
	} else if deep {
		if c := e.checkContent(ctx, d, l, s, notes); c != "" {
			p.add(probContent, "%s", c)
		} else {
			recordable = len(p.kinds) == 1 && p.kinds[probUnrecorded]
		}
	}
	return p, recordable
}

// checkContent reads s's files: "" when they are as committed (or cannot be compared, with a
// note saying so), else what differs.
func (e *Engine) checkContent(ctx context.Context, d *zfs.Dataset, l layout.Layout, s subject, notes *[]string) string {
	dir := l.Path(s.dataset)
	if s.kind == layout.KindGeneration {
		want, ok := d.Local(layout.PropContentDigest)
		if !ok {
			*notes = append(*notes, fmt.Sprintf("generation %s was realized before content digests were recorded: only its ZFS state was checked", s.name))
			return ""
		}
		got, err := treedigest.Digest(ctx, dir)
		switch {
		case err != nil:
			return "its files cannot be read: " + err.Error()
		case got != want:
			return fmt.Sprintf("its files differ from those realized (content digest %s, recorded %s)", got, want)
		}
		return ""
	}
	id, _ := l.PackageAt(s.dataset)
	p, err := source.Read(ctx, dir, e.Archive)
	switch {
	case err != nil:
		return "its files do not read as a package: " + err.Error()
	case p.BuildID != id.BuildID:
		return fmt.Sprintf("its content has build-id %s, not %s", p.BuildID, id.BuildID)
	case len(p.Unexpected()) > 0:
		return fmt.Sprintf("it holds files a package in the store never has: %v", p.Unexpected())
	}
	return ""
}

// WriteHuman renders the report for people.
func (r *VerifyReport) WriteHuman(w io.Writer) {
	mode := "fast: readonly, snapshot identity, nothing written since the snapshot"
	if r.Deep {
		mode = "deep: as fast, and every file against the build-id or the realized content digest"
	}
	fmt.Fprintf(w, "Verified %s and %s of %s (%s).\n", english.Count(r.Packages, "package"), english.Count(r.Generations, "generation"), r.Store, mode)
	for _, f := range r.Findings {
		state := "NOT REPAIRED"
		switch {
		case f.Repaired:
			state = "repaired"
		case f.Unrepaired == "":
			state = "changed"
		}
		fmt.Fprintf(w, "%s %s %s (%s):\n", state, f.Kind, f.Name, f.Dataset)
		for _, p := range f.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
		if f.Unrepaired != "" {
			fmt.Fprintf(w, "  cannot repair: %s\n", f.Unrepaired)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	switch d := len(r.Drift()); {
	case len(r.Findings) == 0:
		fmt.Fprintln(w, "No integrity drift.")
	case d == 0:
		fmt.Fprintf(w, "Integrity drift repaired: %s.\n", english.Count(len(r.Findings), "dataset"))
	default:
		fmt.Fprintf(w, "Integrity drift: %s (run verify --repair to put them back).\n", english.Count(d, "dataset"))
	}
}
