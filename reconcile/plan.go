package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
)

// Kind is the kind of a step. Steps are data: a plan is printable, saveable and golden-testable,
// and apply is one switch over Kind.
type Kind string

// Step kinds, in the order a plan runs them.
const (
	KindCreate        Kind = "create"             // a container, profile or environment dataset
	KindCleanTemp     Kind = "clean-temp"         // destroy what an interrupted pass left in tmp/
	KindCleanFiles    Kind = "clean-files"        // remove temporary files a killed write left behind
	KindHolds         Kind = "holds"              // place missing holds, release leaked ones
	KindMount         Kind = "mount"              // mount a package a realize needs
	KindImport        Kind = "import"             // a package from a source into the store
	KindWriteProfile  Kind = "write-profile"      // profile.yaml
	KindLock          Kind = "lock"               // profile.lock.yaml
	KindSetProps      Kind = "set-props"          // ownership markers such as prevent_destroy
	KindRealize       Kind = "realize"            // build generation K of an environment
	KindActivate      Kind = "activate"           // switch `current`, write `activate`
	KindPrune         Kind = "prune"              // a generation beyond keep_generations
	KindRemoveEnv     Kind = "remove-environment" // an environment no longer declared
	KindRemoveProfile Kind = "remove-profile"     // a profile no longer declared
	KindGC            Kind = "gc"                 // unreferenced packages past the grace period
)

// Action markers, as plans print them.
const (
	Add    = "+"
	Change = "~"
	Remove = "-"
)

// Pos is a place in the configuration.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (p *Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

func posOf(r hcl.Range) *Pos {
	if r.Filename == "" {
		return nil
	}
	return &Pos{File: r.Filename, Line: r.Start.Line, Column: r.Start.Column}
}

// Step is one idempotent change. Exactly one payload, the one matching Kind, is set.
type Step struct {
	Kind    Kind   `json:"kind"`
	Action  string `json:"action"`
	Group   string `json:"group"`
	Target  string `json:"target"`
	Summary string `json:"summary"`
	Reason  string `json:"reason,omitempty"`
	Source  *Pos   `json:"source,omitempty"`

	Create   *CreateStep   `json:"create,omitempty"`
	Temps    []string      `json:"temps,omitempty"`
	Files    []string      `json:"files,omitempty"`
	Mount    string        `json:"mount,omitempty"`
	Holds    *HoldsStep    `json:"holds,omitempty"`
	Import   *ImportStep   `json:"import,omitempty"`
	Write    *WriteStep    `json:"write,omitempty"`
	Props    *PropsStep    `json:"props,omitempty"`
	Realize  *RealizeStep  `json:"realize,omitempty"`
	Activate *ActivateStep `json:"activate,omitempty"`
	Prune    *PruneStep    `json:"prune,omitempty"`
	Remove   *RemoveStep   `json:"remove,omitempty"`
	GC       *GCStep       `json:"gc,omitempty"`
}

// CreateStep creates a dataset with properties.
type CreateStep struct {
	Dataset string            `json:"dataset"`
	Props   map[string]string `json:"props"`
}

// HoldsStep places and releases user holds: tag -> snapshots. Releases happen only where the tag
// is still present, so the step can be repeated.
type HoldsStep struct {
	Hold    map[string][]string `json:"hold,omitempty"`
	Release map[string][]string `json:"release,omitempty"`
}

// ImportStep imports one package (name/X.Y.Z/rev/build) from the source that has it.
type ImportStep struct {
	Package string `json:"package"`
	Origin  string `json:"origin"`
}

// WriteStep writes a file atomically (profile.yaml, profile.lock.yaml).
type WriteStep struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// PropsStep sets and clears properties of a managed dataset.
type PropsStep struct {
	Dataset string            `json:"dataset"`
	Set     map[string]string `json:"set,omitempty"`
	Inherit []string          `json:"inherit,omitempty"`
}

// RealizeStep builds generation K of an environment from a lock.
type RealizeStep struct {
	Env           string   `json:"env"`
	Profile       string   `json:"profile"`
	Generation    int      `json:"generation"`
	Lock          string   `json:"lock"`
	LockDigest    string   `json:"lock_digest"`
	RealizeDigest string   `json:"realize_digest"`
	Policy        string   `json:"policy"`
	Packages      []string `json:"packages"` // in priority order
	// AllowSetID names the packages whose set-user-ID and set-group-ID bits the generation
	// keeps (allow_setuid); every other package's are dropped.
	AllowSetID []string `json:"allow_setid,omitempty"`
}

// ActivateStep points `current` at generation K and writes the activate script.
type ActivateStep struct {
	Env        string `json:"env"`
	Generation int    `json:"generation"`
	Script     string `json:"script"`
	Unpin      bool   `json:"unpin,omitempty"`
}

// PruneStep destroys a generation, then releases its holds.
type PruneStep struct {
	Env        string   `json:"env"`
	Generation int      `json:"generation"`
	Dataset    string   `json:"dataset"`
	Tag        string   `json:"tag"`
	Snapshots  []string `json:"snapshots"`
}

// RemoveStep destroys an undeclared profile or environment (then releases the environment's
// generations' holds).
type RemoveStep struct {
	Dataset string              `json:"dataset"`
	Release map[string][]string `json:"release,omitempty"`
}

// GCStep destroys unreferenced packages, then the parents they leave empty.
type GCStep struct {
	Packages []string `json:"packages"`
	Parents  []string `json:"parents,omitempty"`
}

// PlanFormat is the version of the saved plan format.
const PlanFormat = 1

// Plan is the result of planning: the steps, and what they were computed from.
type Plan struct {
	Format    int       `json:"format_version"`
	CreatedAt time.Time `json:"created_at"`
	ConfigDir string    `json:"config_dir"`
	Store     string    `json:"store"`
	Upgrade   bool      `json:"upgrade,omitempty"`
	// MaxDeletes is the deletion budget the plan was made with.
	MaxDeletes int `json:"max_deletes"`
	// Config digests the configuration files and the packages found in the sources.
	Config       map[string]string `json:"config"`
	ConfigDigest string            `json:"config_digest"`
	// Observed fingerprints the observed ZFS state and the reconciler's files.
	Observed    map[string]string `json:"observed"`
	StateDigest string            `json:"state_digest"`
	Steps       []Step            `json:"steps"`
	// Notes are things the plan saw and does not change on purpose: drift it leaves alone, a
	// rollback pin it respects.
	Notes []string `json:"notes,omitempty"`
	// Warnings are things the plan cannot do and someone should look at: collectable packages
	// beyond the deletion budget, a lock GC cannot read, a store package it cannot read.
	Warnings []string `json:"warnings,omitempty"`
	// Refused are the source packages left out of this plan because they could not be read or
	// were refused; each is also a warning.
	Refused []Refusal `json:"refused,omitempty"`
}

// Refusal is a source package a plan left out.
type Refusal struct {
	Package string `json:"package"`
	Origin  string `json:"origin"`
	Reason  string `json:"reason"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// Count returns how many steps add, change and remove.
func (p *Plan) Count() (add, change, remove int) {
	for _, s := range p.Steps {
		switch s.Action {
		case Add:
			add++
		case Change:
			change++
		case Remove:
			remove++
		}
	}
	return
}

func digestMap(m map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(h, "%s\x00%s\x00", k, m[k])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Save writes the plan to path atomically.
func (p *Plan) Save(path string) error {
	b, err := p.encode()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o600)
}

// encode is the plan as Save writes it.
func (p *Plan) encode() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	return append(b, '\n'), err
}

// LoadPlan reads a plan saved with Save.
func LoadPlan(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s is not a saved plan: %w", path, err)
	}
	if p.Format != PlanFormat {
		return nil, fmt.Errorf("%s: plan format %d, this axiom-reconcile reads %d", path, p.Format, PlanFormat)
	}
	return &p, nil
}

// movedKeys lists what differs between two digest maps, for "the plan is stale because ...".
func movedKeys(what string, old, cur map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(old)) {
		switch v, ok := cur[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s is gone", what, k))
		case v != old[k]:
			out = append(out, fmt.Sprintf("%s: %s changed", what, k))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := old[k]; !ok {
			out = append(out, fmt.Sprintf("%s: %s appeared", what, k))
		}
	}
	return out
}

// WriteHuman renders the plan for people: steps grouped by store, profile, environment and
// garbage collection, with +/~/- markers, reasons and the configuration line behind each.
func (p *Plan) WriteHuman(w io.Writer) {
	if p.Empty() {
		fmt.Fprintf(w, "No changes. %s matches the configuration.\n", p.Store)
		p.writeNotes(w)
		return
	}
	var order []string
	groups := map[string][]Step{}
	for _, s := range p.Steps {
		if _, ok := groups[s.Group]; !ok {
			order = append(order, s.Group)
		}
		groups[s.Group] = append(groups[s.Group], s)
	}
	for i, g := range order {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n", g)
		for _, s := range groups[g] {
			fmt.Fprintf(w, "  %s %s\n", s.Action, s.Summary)
			if s.Realize != nil && len(s.Realize.AllowSetID) > 0 {
				fmt.Fprintf(w, "      keeps set-uid/set-gid bits of %s (allow_setuid)\n", strings.Join(s.Realize.AllowSetID, ", "))
			}
			var why []string
			if s.Reason != "" {
				why = append(why, s.Reason)
			}
			if s.Source != nil {
				why = append(why, filepath.Base(s.Source.File)+":"+fmt.Sprint(s.Source.Line))
			}
			if len(why) > 0 {
				fmt.Fprintf(w, "      (%s)\n", strings.Join(why, "; "))
			}
		}
	}
	p.writeNotes(w)
	add, change, remove := p.Count()
	fmt.Fprintf(w, "\nPlan: %d to add, %d to change, %d to remove.\n", add, change, remove)
}

func (p *Plan) writeNotes(w io.Writer) {
	for _, n := range p.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", n)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}
