package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

const planHelp = `
Plan observes the store's ZFS tree (in a constant number of zfs processes, whatever its size), the
configuration and the packages in its sources, and prints the steps that would bring the tree to
the configuration, grouped by store, profile, environment and garbage collection:

  +  something is created (a dataset, a generation, a lock)
  ~  something is changed in place (a profile file, which generation is current)
  -  something is destroyed (a pruned generation, an undeclared environment, a collected package)

Each step says why, and which configuration line caused it. The plan names the configuration's
Git revision (the commit of the work tree its directories are in, "-dirty" when a tracked file
differs, "none" outside Git; JSON "revision", with the store's "applied_revision"), which apply
records on the generations it builds and on the store dataset. Plan changes nothing. It takes the
global lock shared, so it waits for (or, without --lock-timeout, refuses to run beside) an apply.

--out FILE saves the plan with a digest of the configuration and its sources and a fingerprint of
the ZFS state it observed; "axiom-reconcile apply FILE" applies exactly that plan, or refuses it
if anything moved since. The plan keeps the deletion budget it was made with (gc.max_deletes, or
--max-deletes N): removing more undeclared profiles and environments than that is refused, and
when more packages are collectable than the budget leaves, none are (a warning says so; collect
them with "axiom-reconcile gc --max-deletes N").
`

type planOptions struct {
	dirs       dirsFlag
	out        string
	json       bool
	detailed   bool
	upgrade    bool
	maxDeletes int
	lock       lockFlags
}

func planCommand() command {
	return command{
		name: "plan", args: "[-c DIR] [--out FILE] [--json] [--detailed-exitcode] [--upgrade] [--max-deletes N]",
		summary: "show what apply would change", help: planHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var o planOptions
			o.dirs.register(fs, "read")
			fs.StringVar(&o.out, "out", "", "save the plan to `FILE` for apply")
			fs.BoolVar(&o.json, "json", false, "print the plan as JSON")
			fs.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 0 when there are no changes and 2 when there are")
			fs.BoolVar(&o.upgrade, "upgrade", false, "re-resolve every profile, even where its lock is still valid")
			maxDeletesFlag(fs, &o.maxDeletes)
			o.lock.register(fs)
			return func(ctx context.Context, g *globals, args []string) error {
				if len(args) > 0 {
					return usageError{fmt.Errorf("unexpected argument %q", args[0])}
				}
				return runPlan(ctx, g, o)
			}
		},
	}
}

func runPlan(ctx context.Context, g *globals, o planOptions) error {
	cfg, err := loadConfig(g.env, o.dirs.list())
	if err != nil {
		return err
	}
	rev, _ := configRevision(ctx, g, cfg)
	var plan *reconcile.Plan
	err = withShared(ctx, g, o.lock, "plan "+o.dirs.args(), func() error {
		var err error
		plan, err = g.engine().Plan(ctx, cfg, reconcile.PlanOptions{Upgrade: o.upgrade, MaxDeletes: budgetOption(o.maxDeletes), Revision: rev})
		return err
	})
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(plan); err != nil {
			return err
		}
	} else {
		plan.WriteHuman(g.env.stdout)
	}
	if o.out != "" {
		if err := plan.Save(o.out); err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		if !o.json {
			fmt.Fprintf(g.env.stdout, "\nSaved the plan to %s. Apply it with: axiom-reconcile apply %s\n", o.out, o.out)
		}
	}
	if o.detailed && !plan.Empty() {
		return codeError{code: exitChanges}
	}
	return nil
}
