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
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Kind is the kind of a step's operation. Steps are data: a plan is printable, saveable and
// golden-testable; each operation's type carries its payload and what applying it does (ops.go).
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
	KindRollback      Kind = "rollback"           // pin an environment at a generation (`rollback`)
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

// Step is one idempotent change: what it does (Op, whose type says its Kind), and how a plan
// shows it.
type Step struct {
	Action  string
	Group   string
	Target  string
	Summary string
	Reason  string
	Source  *Pos
	Op      Op
}

// Kind is the kind of the step's operation ("" for a step without one).
func (s Step) Kind() Kind {
	if s.Op == nil {
		return ""
	}
	return s.Op.Kind()
}

// stepJSON is a step as a saved plan holds it: the kind, and the payload under the key of its
// kind. Only the key matching the kind may be set (see Step.UnmarshalJSON).
type stepJSON struct {
	Kind    Kind   `json:"kind"`
	Action  string `json:"action"`
	Group   string `json:"group"`
	Target  string `json:"target"`
	Summary string `json:"summary"`
	Reason  string `json:"reason,omitempty"`
	Source  *Pos   `json:"source,omitempty"`

	Create   *CreateStep    `json:"create,omitempty"`
	Temps    []string       `json:"temps,omitempty"`
	Files    []string       `json:"files,omitempty"`
	Mount    layout.Dataset `json:"mount,omitempty"`
	Holds    *HoldsStep     `json:"holds,omitempty"`
	Import   *ImportStep    `json:"import,omitempty"`
	Write    *WriteStep     `json:"write,omitempty"`
	Lock     *LockStep      `json:"lock,omitempty"`
	Props    *PropsStep     `json:"props,omitempty"`
	Realize  *RealizeStep   `json:"realize,omitempty"`
	Activate *ActivateStep  `json:"activate,omitempty"`
	Prune    *PruneStep     `json:"prune,omitempty"`
	Remove   *RemoveEnvStep `json:"remove,omitempty"`
	GC       *GCStep        `json:"gc,omitempty"`
	Rollback *RollbackStep  `json:"rollback,omitempty"`
}

// MarshalJSON writes the step as stepJSON.
func (s Step) MarshalJSON() ([]byte, error) {
	j := stepJSON{Kind: s.Kind(), Action: s.Action, Group: s.Group, Target: s.Target, Summary: s.Summary, Reason: s.Reason, Source: s.Source}
	switch op := s.Op.(type) {
	case *CreateStep:
		j.Create = op
	case *CleanTempStep:
		j.Temps = op.Temps
	case *CleanFilesStep:
		j.Files = op.Files
	case *MountStep:
		j.Mount = op.Dataset
	case *HoldsStep:
		j.Holds = op
	case *ImportStep:
		j.Import = op
	case *WriteStep:
		j.Write = op
	case *LockStep:
		j.Lock = op
	case *PropsStep:
		j.Props = op
	case *RealizeStep:
		j.Realize = op
	case *ActivateStep:
		j.Activate = op
	case *PruneStep:
		j.Prune = op
	case *RemoveEnvStep:
		j.Remove = op
	case *RemoveProfileStep:
		j.Remove = &RemoveEnvStep{Dataset: op.Dataset, Release: op.Release}
	case *GCStep:
		j.GC = op
	case *RollbackStep:
		j.Rollback = op
	case nil:
	default:
		return nil, fmt.Errorf("step %q: unknown operation %T", s.Summary, s.Op)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a step written by MarshalJSON, refusing one whose payload is not its
// kind's (an import step carrying holds, say) or that has more than one.
func (s *Step) UnmarshalJSON(b []byte) error {
	var j stepJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	op, n := opOf(j)
	if n != 1 || op == nil || op.Kind() != j.Kind {
		return fmt.Errorf("step %q: a %s step must carry its own payload and no other", j.Summary, j.Kind)
	}
	*s = Step{Action: j.Action, Group: j.Group, Target: j.Target, Summary: j.Summary, Reason: j.Reason, Source: j.Source, Op: op}
	return nil
}

// opOf returns the operation j's kind names from its payload, and how many payloads j has.
func opOf(j stepJSON) (Op, int) {
	n := 0
	for _, set := range []bool{j.Create != nil, j.Temps != nil, j.Files != nil, j.Mount != "", j.Holds != nil, j.Import != nil,
		j.Write != nil, j.Lock != nil, j.Props != nil, j.Realize != nil, j.Activate != nil, j.Prune != nil, j.Remove != nil, j.GC != nil,
		j.Rollback != nil} {
		if set {
			n++
		}
	}
	var op Op
	switch {
	case j.Kind == KindCreate && j.Create != nil:
		op = j.Create
	case j.Kind == KindCleanTemp && j.Temps != nil:
		op = &CleanTempStep{Temps: j.Temps}
	case j.Kind == KindCleanFiles && j.Files != nil:
		op = &CleanFilesStep{Files: j.Files}
	case j.Kind == KindMount && j.Mount != "":
		op = &MountStep{Dataset: j.Mount}
	case j.Kind == KindHolds && j.Holds != nil:
		op = j.Holds
	case j.Kind == KindImport && j.Import != nil:
		op = j.Import
	case j.Kind == KindWriteProfile && j.Write != nil:
		op = j.Write
	case j.Kind == KindLock && j.Lock != nil:
		op = j.Lock
	case j.Kind == KindSetProps && j.Props != nil:
		op = j.Props
	case j.Kind == KindRealize && j.Realize != nil:
		op = j.Realize
	case j.Kind == KindActivate && j.Activate != nil:
		op = j.Activate
	case j.Kind == KindPrune && j.Prune != nil:
		op = j.Prune
	case j.Kind == KindRemoveEnv && j.Remove != nil:
		op = j.Remove
	case j.Kind == KindRemoveProfile && j.Remove != nil:
		op = &RemoveProfileStep{Dataset: j.Remove.Dataset, Release: j.Remove.Release}
	case j.Kind == KindGC && j.GC != nil:
		op = j.GC
	case j.Kind == KindRollback && j.Rollback != nil:
		op = j.Rollback
	}
	return op, n
}

// PlanFormat is the version of the saved plan format.
const PlanFormat = 1

// Plan is the result of planning: the steps, and what they were computed from.
type Plan struct {
	Format    int       `json:"format_version"`
	CreatedAt time.Time `json:"created_at"`
	ConfigDir string    `json:"config_dir"`
	// ConfigDirs are all the configuration directories, when there were several.
	ConfigDirs []string `json:"config_dirs,omitempty"`
	// Revision is the configuration's revision (PlanOptions.Revision).
	Revision string `json:"revision,omitempty"`
	// AppliedRevision is the revision the store dataset records as applied last, empty when it
	// records none. An apply of a plan whose Revision differs records Revision even when the
	// plan has no steps (see Engine.Reconcile).
	AppliedRevision string `json:"applied_revision,omitempty"`
	Store           string `json:"store"`
	Upgrade         bool   `json:"upgrade,omitempty"`
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
	// Trust is, for each source whose packages' signatures are checked, its policy and the ids of
	// its trusted keys.
	Trust []SourceTrust `json:"trust,omitempty"`
}

// SourceTrust is a source's signature policy in a plan.
type SourceTrust struct {
	Source string   `json:"source"`
	Policy string   `json:"policy"`
	Keys   []string `json:"keys"`
}

// sourceTrust lists the sources whose signatures are checked.
func sourceTrust(cfg *spec.Config) []SourceTrust {
	var out []SourceTrust
	for _, s := range cfg.Sources {
		policy, keys := s.Trust()
		if policy == signature.Off {
			continue
		}
		st := SourceTrust{Source: s.Name, Policy: policy.String(), Keys: []string{}}
		for _, k := range keys.Keys() {
			st.Keys = append(st.Keys, k.ID)
		}
		out = append(out, st)
	}
	return out
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
		p.writeRevision(w)
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
			if r, ok := s.Op.(*RealizeStep); ok && len(r.AllowSetID) > 0 {
				fmt.Fprintf(w, "      keeps set-uid/set-gid bits of %s (allow_setuid)\n", strings.Join(r.AllowSetID, ", "))
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
	p.writeRevision(w)
}

// writeRevision says which configuration revision the plan is of, when it is known.
func (p *Plan) writeRevision(w io.Writer) {
	if p.Revision != "" {
		fmt.Fprintf(w, "Configuration revision: %s\n", p.Revision)
	}
}

func (p *Plan) writeNotes(w io.Writer) {
	for _, t := range p.Trust {
		fmt.Fprintf(w, "\nSource %s: signatures %s, trusted keys %s.\n", t.Source, t.Policy, strings.Join(t.Keys, ", "))
	}
	for _, n := range p.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", n)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}
