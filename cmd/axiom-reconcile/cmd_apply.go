package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

const applyHelp = `
Apply brings the store to the configuration: it plans (as plan does) and carries the steps out in
order under the global lock, which it holds exclusively, together with upstream axiom's GC lock.

Given PLANFILE (saved by "plan --out"), it applies exactly that plan, after observing again under
the lock: if the configuration, its sources or the ZFS state moved since the plan was made, it
refuses and says what moved.

Every step is idempotent and commits with one atomic operation, so an apply that is interrupted
(Ctrl-C finishes the step in progress; a crash stops anywhere) converges when run again. After a
successful apply, plan reports no changes.

Removing profiles and environments that are no longer declared counts against the deletion budget
(gc.max_deletes, or --max-deletes); a plan over budget is refused. Packages GC would collect count
too: when more are collectable than the budget leaves, none are, and a warning says to run
"axiom-reconcile gc --max-deletes N". Environments declared with prevent_destroy = true are never
removed; nothing that axiom-reconcile does not own (no local axiom:managed-by) is ever destroyed,
and a profile, environment or generation holding such a dataset is refused by name.

An old generation that cannot be destroyed because it is in use (a process runs from it) is kept
with its holds; the other steps still run, and apply exits 1 naming it, so the next pass retries.
`

type applyOptions struct {
	dirs       dirsFlag
	upgrade    bool
	maxDeletes int
	lock       lockFlags
}

func applyCommand() command {
	return command{
		name: "apply", args: "[-c DIR | PLANFILE] [--upgrade] [--max-deletes N] [--lock-timeout DUR]",
		summary: "change the store to match the configuration", help: applyHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var o applyOptions
			fs.Var(&o.dirs, "c", "read the configuration in `DIR` (repeatable: the directories are read as one configuration; default: the current directory, or the plan's)")
			fs.BoolVar(&o.upgrade, "upgrade", false, "re-resolve every profile, even where its lock is still valid")
			maxDeletesFlag(fs, &o.maxDeletes)
			o.lock.register(fs)
			return func(ctx context.Context, g *globals, args []string) error {
				switch len(args) {
				case 0:
					return runApply(ctx, g, o)
				case 1:
					if o.upgrade || o.maxDeletes >= 0 {
						return usageError{fmt.Errorf("--upgrade and --max-deletes belong to plan when applying a saved plan (plan --max-deletes N --out FILE)")}
					}
					return runApplySaved(ctx, g, o, args[0])
				}
				return usageError{fmt.Errorf("at most one PLANFILE")}
			}
		},
	}
}

func runApply(ctx context.Context, g *globals, o applyOptions) error {
	cfg, err := loadConfig(g.env, o.dirs.list())
	if err != nil {
		return err
	}
	rev, _ := configRevision(ctx, g, cfg)
	return withExclusive(ctx, g, o.lock, "apply "+o.dirs.args(), cfg, func() error {
		plan, done, err := g.engine().Reconcile(ctx, cfg, reconcile.PlanOptions{Upgrade: o.upgrade, MaxDeletes: budgetOption(o.maxDeletes), Revision: rev})
		if plan != nil {
			plan.WriteHuman(g.env.stdout)
		}
		reportApplied(g, layout.Layout{Root: layout.Dataset(cfg.Store.Dataset)}, done)
		return err
	})
}

func runApplySaved(ctx context.Context, g *globals, o applyOptions, path string) error {
	plan, err := reconcile.LoadPlan(path)
	if err != nil {
		return err
	}
	dirs := o.dirs.dirs
	if !o.dirs.given() {
		dirs = plan.ConfigDirs
		if len(dirs) == 0 {
			dirs = []string{plan.ConfigDir}
		}
		fmt.Fprintf(g.env.stderr, "Reading the configuration the plan was made from: %s (-c DIR reads another).\n", strings.Join(dirs, ", "))
	}
	cfg, err := loadConfig(g.env, dirs)
	if err != nil {
		return err
	}
	return withExclusive(ctx, g, o.lock, "apply "+path, cfg, func() error {
		from := plan.ConfigDir
		if len(plan.ConfigDirs) > 0 {
			from = strings.Join(plan.ConfigDirs, ", ")
		}
		fmt.Fprintf(g.env.stdout, "Plan %s: made %s from the configuration in %s, for %s.\n\n", path,
			plan.CreatedAt.Format(time.RFC3339), from, plan.Store)
		plan.WriteHuman(g.env.stdout)
		done, err := g.engine().ApplySaved(ctx, cfg, plan)
		reportApplied(g, layout.Layout{Root: layout.Dataset(cfg.Store.Dataset)}, done)
		return err
	})
}

// reportApplied prints what an apply did; l is the tree it applied to, so the packages GC
// skipped are named by their real names too.
func reportApplied(g *globals, l layout.Layout, done *reconcile.Applied) {
	if done == nil {
		return
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(done.ByKind)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, done.ByKind[k]))
	}
	what := "nothing to do"
	if len(parts) > 0 {
		what = strings.Join(parts, ", ")
	}
	fmt.Fprintf(g.env.stdout, "\nApplied %s in %s (%s).\n", english.Count(done.Steps, "step"), done.Duration.Round(1e6), what)
	for _, n := range slices.Sorted(maps.Keys(done.Skipped)) {
		why := done.Skipped[n] + " since the plan"
		if done.Skipped[n] == "busy" {
			why = "in use: a process has files open or its working directory there"
		}
		if id, ok := l.PackageAt(layout.Dataset(n)); ok {
			n = fmt.Sprintf("%s, package %s", n, id)
		}
		fmt.Fprintf(g.env.stdout, "Not collected: %s (%s)\n", n, why)
	}
	for _, n := range done.Busy {
		fmt.Fprintf(g.env.stdout, "Not destroyed: %s (in use; kept for the next pass)\n", n)
	}
}
