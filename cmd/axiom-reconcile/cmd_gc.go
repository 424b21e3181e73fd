package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

const gcHelp = `
GC destroys packages nothing uses any more. It runs no other step, so its roots are every lock on
disk: each profile's under profiles/ (declared or not, made by axiom-reconcile or by the axiom
CLI), what each declared profile resolves to now, and the lock of every generation of every
environment. If any of those locks cannot be read, GC collects nothing and says which one.
A package is collected only if it is managed by axiom-reconcile, named by no root, has no user
hold (each generation holds its packages; the kernel refuses to destroy a held snapshot, whoever
asks), is not the origin of a clone, and is older than gc.grace_period by its ZFS creation time.
Parents name/X.Y.Z/rev left empty go too. When more packages are collectable than gc.max_deletes
(or --max-deletes) allows, gc collects none and exits 1, naming the count: run it again with
--max-deletes N if that is intended. Removing undeclared profiles and environments is apply's job;
gc neither does it nor counts it.

Where ZFS has channel programs, each batch of candidates is checked again and destroyed inside one
program, atomically with respect to every other ZFS operation; a package that cannot be unmounted
(a shell has its working directory in it) is skipped as busy. Elsewhere one at a time.

--dry-run prints what would be collected. --explain DATASET says why a package is kept, or that it
is collectable.
`

func gcCommand() command {
	return command{
		name: "gc", args: "[-c DIR] [--dry-run] [--explain DATASET] [--max-deletes N]", summary: "collect unreferenced packages", help: gcHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			dry := fs.Bool("dry-run", false, "print what would be collected; change nothing")
			explain := fs.String("explain", "", "say why package `DATASET` is kept or collectable")
			var maxDeletes int
			maxDeletesFlag(fs, &maxDeletes)
			var lf lockFlags
			lf.register(fs)
			return func(ctx context.Context, g *globals, args []string) error {
				cfg, err := loadConfigNoArgs(g, dirs, args)
				if err != nil {
					return err
				}
				opt := reconcile.PlanOptions{MaxDeletes: budgetOption(maxDeletes), GCOnly: true}
				if *explain != "" {
					return withShared(ctx, g, lf, "gc --explain", func() error {
						s, err := g.engine().Explain(ctx, cfg, *explain, opt)
						if err == nil {
							fmt.Fprintln(g.env.stdout, s)
						}
						return err
					})
				}
				if *dry {
					return withShared(ctx, g, lf, "gc --dry-run", func() error {
						plan, err := g.engine().Plan(ctx, cfg, opt)
						if err == nil {
							plan.WriteHuman(g.env.stdout)
						}
						return err
					})
				}
				return withExclusive(ctx, g, lf, "gc "+dirs.args(), cfg, func() error {
					plan, done, err := g.engine().Reconcile(ctx, cfg, opt)
					if plan != nil {
						plan.WriteHuman(g.env.stdout)
					}
					reportApplied(g, layout.Layout{Root: layout.Dataset(cfg.Store.Dataset)}, done)
					return err
				})
			}
		},
	}
}
