package reconcile

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/zfs"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

// Status is what `status` reports: the tree as it is, and how far it is from the configuration.
type Status struct {
	Store      string        `json:"store"`
	Mountpoint string        `json:"mountpoint"`
	Exists     bool          `json:"exists"`
	Pool       *zfs.PoolInfo `json:"pool,omitempty"`
	// Applied is the configuration revision the last apply that changed something (or moved to
	// another revision) recorded on the store dataset, and AppliedAt when it ended (RFC 3339).
	// Both are empty when none was recorded.
	Applied   string `json:"applied_revision,omitempty"`
	AppliedAt string `json:"applied_at,omitempty"`
	// Revision is the revision of the configuration as read now (set by the caller, who reads
	// it; empty when not known). Differing from Applied, the host runs another commit.
	Revision     string          `json:"config_revision,omitempty"`
	Packages     PackageCounts   `json:"packages"`
	Profiles     []ProfileStatus `json:"profiles"`
	Environments []EnvStatus     `json:"environments"`
	// Pending lists what a plan would do now (drift), one line per step; PlanError is set when
	// planning failed.
	Pending   []string `json:"pending"`
	PlanError string   `json:"plan_error,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Warnings are the plan's: what it cannot do and someone should look at.
	Warnings []string `json:"warnings,omitempty"`
	// Integrity is fast verify's finding (see Engine.Verify); nil when the ZFS client cannot
	// tell or the store does not exist.
	Integrity *IntegrityStatus `json:"integrity,omitempty"`
}

// IntegrityStatus counts and names the managed packages and generations changed since they
// were committed.
type IntegrityStatus struct {
	Drift int      `json:"drift"`
	Names []string `json:"names,omitempty"`
}

// IntegrityDrift runs a fast verify (no repair) and summarises it.
func (e *Engine) IntegrityDrift(ctx context.Context, cfg *spec.Config) (*IntegrityStatus, error) {
	rep, err := e.Verify(ctx, cfg, VerifyOptions{})
	if err != nil {
		return nil, err
	}
	st := &IntegrityStatus{}
	for _, f := range rep.Drift() {
		st.Drift++
		st.Names = append(st.Names, f.Name)
	}
	return st, nil
}

// PackageCounts counts the store's packages.
type PackageCounts struct {
	Total   int `json:"total"`
	Managed int `json:"managed"`
	Held    int `json:"held"`
	// SignedBy counts the packages whose signature verified at import, by signing key id.
	SignedBy map[string]int `json:"signed_by,omitempty"`
}

// ProfileStatus is one profile, declared or found.
type ProfileStatus struct {
	Name          string `json:"name"`
	Declared      bool   `json:"declared"`
	Managed       bool   `json:"managed"`
	LockDigest    string `json:"lock_digest,omitempty"`
	ProfileDigest string `json:"profile_digest,omitempty"`
	Packages      int    `json:"packages"`
}

// EnvStatus is one environment, declared or found.
type EnvStatus struct {
	Name        string      `json:"name"`
	Declared    bool        `json:"declared"`
	Managed     bool        `json:"managed"`
	Profile     string      `json:"profile,omitempty"`
	Current     int         `json:"current"`
	Pinned      int         `json:"pinned,omitempty"`
	Generations []GenStatus `json:"generations"`
}

// GenStatus is one generation.
type GenStatus struct {
	Generation int       `json:"generation"`
	Dataset    string    `json:"dataset"`
	Current    bool      `json:"current"`
	Complete   bool      `json:"complete"`
	LockDigest string    `json:"lock_digest,omitempty"`
	Packages   int       `json:"packages"`
	Created    time.Time `json:"created"`
}

// Status observes the tree and plans (without applying) to report drift.
func (e *Engine) Status(ctx context.Context, cfg *spec.Config) (*Status, error) {
	obs, err := e.observe(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := interpret(obs)
	st := &Status{Store: cfg.Store.Dataset, Mountpoint: cfg.Store.Mountpoint, Exists: s.root != nil, Pending: []string{}}
	if s.root != nil {
		st.Applied, _ = s.root.Local(layout.PropRevision)
		st.AppliedAt, _ = s.root.Local(layout.PropAppliedAt)
	}
	if pr, ok := e.ZFS.(zfs.PoolReader); ok {
		if info, err := pr.Pool(ctx, cfg.Store.Dataset); err == nil {
			st.Pool = &info
		} else {
			st.Notes = append(st.Notes, "pool: "+err.Error())
		}
	}
	for _, p := range s.index.All() {
		st.Packages.Total++
		if p.Managed {
			st.Packages.Managed++
		}
		if p.Installed != nil && p.Installed.UserRefs > 0 {
			st.Packages.Held++
		}
		if d, ok := s.obs.tree.Get(string(p.Dataset)); ok {
			if key, ok := d.Local(layout.PropSignedBy); ok && p.Managed {
				if st.Packages.SignedBy == nil {
					st.Packages.SignedBy = map[string]int{}
				}
				st.Packages.SignedBy[key]++
			}
		}
	}
	if _, ok := e.ZFS.(zfs.Integrity); ok && st.Exists {
		if st.Integrity, err = e.IntegrityDrift(ctx, cfg); err != nil {
			st.Notes = append(st.Notes, "integrity: "+err.Error())
		}
	}
	st.Profiles = profileStatuses(cfg, s)
	st.Environments = envStatuses(cfg, s)
	plan, err := e.plan(ctx, cfg, obs, PlanOptions{})
	if err != nil {
		st.PlanError = err.Error()
		return st, nil
	}
	for _, step := range plan.Steps {
		st.Pending = append(st.Pending, step.Action+" "+step.Group+": "+step.Summary)
	}
	st.Notes = append(st.Notes, plan.Notes...)
	st.Warnings = plan.Warnings
	return st, nil
}

// WriteHuman renders the status for people.
func (st *Status) WriteHuman(w io.Writer) {
	if !st.Exists {
		fmt.Fprintf(w, "Store %s does not exist yet (it will be mounted at %s).\n", st.Store, st.Mountpoint)
	} else {
		fmt.Fprintf(w, "Store %s at %s: %d packages (%d managed, %d held by generations)\n", st.Store, st.Mountpoint, st.Packages.Total, st.Packages.Managed, st.Packages.Held)
		for _, key := range slices.Sorted(maps.Keys(st.Packages.SignedBy)) {
			fmt.Fprintf(w, "  %d signed by key %s\n", st.Packages.SignedBy[key], key)
		}
	}
	st.writeRevision(w)
	if p := st.Pool; p != nil && p.Size > 0 {
		fmt.Fprintf(w, "Pool %s: %s, %.0f%% of %.1f GiB used\n", p.Name, p.Health, 100*float64(p.Allocated)/float64(p.Size), float64(p.Size)/(1<<30))
	} else if p != nil {
		fmt.Fprintf(w, "Pool %s: %s\n", p.Name, p.Health)
	}
	fmt.Fprintf(w, "\nProfiles\n")
	if len(st.Profiles) == 0 {
		fmt.Fprintf(w, "  (none)\n")
	}
	for _, p := range st.Profiles {
		lock := "no lock"
		if p.LockDigest != "" {
			lock = fmt.Sprintf("lock %s, %s", shortDigest(p.LockDigest), english.Count(p.Packages, "package"))
		}
		fmt.Fprintf(w, "  %-20s %s%s\n", p.Name, lock, flags(p.Declared, p.Managed))
	}
	fmt.Fprintf(w, "\nEnvironments\n")
	if len(st.Environments) == 0 {
		fmt.Fprintf(w, "  (none)\n")
	}
	for _, e := range st.Environments {
		cur := "not active"
		if e.Current != 0 {
			cur = "current " + layout.GenerationName(e.Current)
		}
		if e.Pinned != 0 {
			cur += fmt.Sprintf(" (pinned by rollback to %s)", layout.GenerationName(e.Pinned))
		}
		var gens []string
		for _, g := range e.Generations {
			s := layout.GenerationName(g.Generation)
			if g.Current {
				s += "*"
			}
			if !g.Complete {
				s += "(incomplete)"
			}
			gens = append(gens, s)
		}
		fmt.Fprintf(w, "  %-20s profile %s, %s, generations: %s%s\n", e.Name, e.Profile, cur, strings.Join(gens, " "), flags(e.Declared, e.Managed))
	}
	fmt.Fprintln(w)
	switch {
	case st.PlanError != "":
		fmt.Fprintf(w, "Drift: unknown, planning failed:\n  %s\n", strings.ReplaceAll(st.PlanError, "\n", "\n  "))
	case len(st.Pending) == 0:
		fmt.Fprintf(w, "Drift: none; the tree matches the configuration.\n")
	default:
		fmt.Fprintf(w, "Drift: %s pending (see `axiom-reconcile plan`):\n", english.Count(len(st.Pending), "change"))
		for _, p := range st.Pending {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	if in := st.Integrity; in != nil && in.Drift > 0 {
		fmt.Fprintf(w, "Integrity drift: %s changed since committed (see `axiom-reconcile verify`): %s\n",
			english.Count(in.Drift, "dataset"), strings.Join(in.Names, ", "))
	} else if in != nil {
		fmt.Fprintf(w, "Integrity drift: none.\n")
	}
	for _, n := range st.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", n)
	}
	for _, n := range st.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
}

// writeRevision says which configuration revision the store was last brought to, and which one
// the configuration is at now.
func (st *Status) writeRevision(w io.Writer) {
	switch {
	case st.Applied != "":
		fmt.Fprintf(w, "Applied revision: %s at %s\n", st.Applied, st.AppliedAt)
	case st.Exists:
		fmt.Fprintf(w, "Applied revision: none recorded\n")
	}
	if st.Revision != "" {
		fmt.Fprintf(w, "Configuration revision: %s\n", st.Revision)
	}
}

func flags(declared, managed bool) string {
	var f []string
	if !declared {
		f = append(f, "not declared")
	}
	if !managed {
		f = append(f, "not managed by axiom-reconcile")
	}
	if len(f) == 0 {
		return ""
	}
	return " [" + strings.Join(f, ", ") + "]"
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// profileStatuses reports every profile, declared or in the store.
func profileStatuses(cfg *spec.Config, s *state) []ProfileStatus {
	var out []ProfileStatus
	names := map[string]bool{}
	for _, p := range cfg.Profiles {
		names[p.Name] = true
	}
	for n := range s.profiles {
		names[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		_, declared := cfg.Profile(n)
		ps := ProfileStatus{Name: n, Declared: declared}
		if p := s.profiles[n]; p != nil {
			ps.Managed = p.managed
			if p.lock != nil {
				ps.LockDigest = p.lock.Digest()
				ps.ProfileDigest = p.lock.ProfileDigest
				ps.Packages = len(p.lock.Resolved)
			}
		}
		out = append(out, ps)
	}
	return out
}

// envStatuses reports every environment, declared or in the store, with its generations.
func envStatuses(cfg *spec.Config, s *state) []EnvStatus {
	var out []EnvStatus
	names := map[string]bool{}
	for _, en := range cfg.Environments {
		names[en.Name] = true
	}
	for n := range s.envs {
		names[n] = true
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		se, declared := cfg.Environment(n)
		es := EnvStatus{Name: n, Declared: declared, Generations: []GenStatus{}}
		if declared {
			es.Profile = se.Profile
		}
		if env := s.envs[n]; env != nil {
			es.Managed, es.Current, es.Pinned = env.managed, env.current, env.pinned
			if !declared {
				es.Profile, _ = env.ds.Local(layout.PropProfile)
			}
			for _, g := range env.gens {
				gs := GenStatus{Generation: g.k, Dataset: g.ds.Name, Current: g.k == env.current, Complete: g.complete, Created: g.ds.Creation}
				if g.lock != nil {
					gs.LockDigest = g.lock.Digest()
					gs.Packages = len(g.lock.Resolved)
				}
				es.Generations = append(es.Generations, gs)
			}
		}
		out = append(out, es)
	}
	return out
}
