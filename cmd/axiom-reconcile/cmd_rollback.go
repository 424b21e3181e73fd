package main

import (
	"context"
	"flag"
	"fmt"
)

const rollbackHelp = `
Rollback switches environment ENV's "current" link to an older generation (by default the newest
one older than current; --to K for generation K), atomically.

A rollback is not undone behind your back, and not kept forever either: the environment is pinned
to the generation rolled back to for as long as the configuration still resolves to what was
current when you rolled back. Plans meanwhile leave the environment alone and say so in a note.
Once the configuration changes (a fixed profile, a new package), the next apply builds and
activates a new generation and drops the pin. Rolling back to the generation the configuration
wants drops the pin at once.
`

func rollbackCommand() command {
	return command{
		name: "rollback", args: "ENV [--to K] [-c DIR]", summary: "switch an environment back to an older generation", help: rollbackHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			to := fs.Int("to", 0, "the generation `K` to switch to (default: the newest older than current)")
			var lf lockFlags
			lf.register(fs)
			return func(ctx context.Context, g *globals, args []string) error {
				if len(args) != 1 {
					return usageError{fmt.Errorf("rollback takes one environment name")}
				}
				if *to < 0 {
					return usageError{fmt.Errorf("--to %d: generations are numbered from 1", *to)}
				}
				cfg, err := loadConfig(g.env, dirs.list())
				if err != nil {
					return err
				}
				return withExclusive(ctx, g, lf, "rollback "+args[0], cfg, func() error {
					from, dest, err := g.engine().Rollback(ctx, cfg, args[0], *to)
					if err != nil {
						return err
					}
					if from == dest {
						fmt.Fprintf(g.env.stdout, "%s is already at gen-%d.\n", args[0], dest)
						return nil
					}
					fmt.Fprintf(g.env.stdout, "%s: current switched from gen-%d to gen-%d.\n", args[0], from, dest)
					return nil
				})
			}
		},
	}
}
