package main

import (
	"context"
	"encoding/json"
	"flag"
)

const statusHelp = `
Status shows the store as it is: packages, profiles and their lock digests, environments with
their generations (* marks current) and rollback pins, and the drift from the configuration (what
a plan would change now), the configuration revision (Git commit) the store last applied and when,
and the revision the configuration is at now. It changes nothing and takes no lock.
`

func statusCommand() command {
	return command{
		name: "status", args: "[-c DIR] [--json]", summary: "show profiles, environments, generations and drift", help: statusHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			asJSON := fs.Bool("json", false, "print the status as JSON")
			return func(ctx context.Context, g *globals, args []string) error {
				cfg, err := loadConfigNoArgs(g, dirs, args)
				if err != nil {
					return err
				}
				st, err := g.engine().Status(ctx, cfg)
				if err != nil {
					return err
				}
				st.Revision, _ = configRevision(ctx, g, cfg)
				if *asJSON {
					enc := json.NewEncoder(g.env.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				st.WriteHuman(g.env.stdout)
				return nil
			}
		},
	}
}
