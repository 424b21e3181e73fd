package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/layout"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

const historyHelp = `
History lists environment ENV's generations, oldest first: number, when it was created, which
one is current and which one a rollback pinned, how many packages it holds and their size (the
apparent size of the packages' files), and the revision of the configuration it was applied
from ("-" where none was recorded). It changes nothing and takes no lock.
`

const diffHelp = `
Diff lists what changed between two generations of environment ENV, like nix store
diff-closures: packages added (+), removed (-), upgraded, downgraded or rebuilt (~), with their
versions and the change in their size, then the generations' total sizes. By default it compares
the current generation with the one before it; --from K and --to L choose others. It changes
nothing and takes no lock.
`

func historyCommand() command {
	return command{
		name: "history", args: "ENV [-c DIR]... [--json]", summary: "list an environment's generations", help: historyHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			asJSON := fs.Bool("json", false, "print the history as JSON")
			return func(ctx context.Context, g *globals, args []string) error {
				l, err := envStore(g, dirs.list(), args)
				if err != nil {
					return err
				}
				h, err := g.engine().History(ctx, l, args[0])
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(g.env.stdout, h)
				}
				writeHistory(g.env.stdout, h)
				return nil
			}
		},
	}
}

func diffCommand() command {
	return command{
		name: "diff", args: "ENV [--from K] [--to L] [-c DIR]... [--json]", summary: "show packages changed between two generations", help: diffHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			from := fs.Int("from", 0, "compare from generation `K` (default: the one before --to)")
			to := fs.Int("to", 0, "compare to generation `L` (default: the current one)")
			asJSON := fs.Bool("json", false, "print the differences as JSON")
			return func(ctx context.Context, g *globals, args []string) error {
				if *from < 0 || *to < 0 {
					return usageError{fmt.Errorf("--from and --to: generations are numbered from 1")}
				}
				l, err := envStore(g, dirs.list(), args)
				if err != nil {
					return err
				}
				d, err := g.engine().DiffGenerations(ctx, l, args[0], *from, *to)
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(g.env.stdout, d)
				}
				writeDiff(g.env.stdout, d)
				return nil
			}
		},
	}
}

// envStore checks the one ENV argument and finds the store from the configuration in dirs.
func envStore(g *globals, dirs []string, args []string) (layout.Layout, error) {
	if len(args) != 1 {
		return layout.Layout{}, usageError{fmt.Errorf("takes one environment name")}
	}
	cfg, err := loadConfig(g.env, dirs)
	if err != nil {
		return layout.Layout{}, err
	}
	return layout.Layout{Root: layout.Dataset(cfg.Store.Dataset), Mountpoint: cfg.Store.Mountpoint}, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeHistory(w io.Writer, h *reconcile.History) {
	if len(h.Generations) == 0 {
		fmt.Fprintf(w, "%s has no generations yet.\n", h.Env)
		return
	}
	fmt.Fprintf(w, "%-8s %-20s %-16s %8s %10s  %s\n", "GEN", "CREATED", "STATE", "PACKAGES", "SIZE", "REVISION")
	for _, gi := range h.Generations {
		state := ""
		switch {
		case gi.Current && gi.Pinned:
			state = "current, pinned"
		case gi.Current:
			state = "current"
		case gi.Pinned:
			state = "pinned"
		}
		if !gi.Complete {
			state = "incomplete"
		}
		pkgs := fmt.Sprint(gi.Packages)
		if gi.LockError != "" {
			pkgs = "?"
		}
		rev := gi.Revision
		if rev == "" {
			rev = "-"
		}
		fmt.Fprintf(w, "%-8s %-20s %-16s %8s %10s  %s\n", layout.GenerationName(gi.Generation),
			gi.Created.UTC().Format(time.RFC3339), state, pkgs, progress.Bytes(gi.Size), rev)
	}
}

func writeDiff(w io.Writer, d *reconcile.GenerationDiff) {
	fmt.Fprintf(w, "%s: %s -> %s\n", d.Env, layout.GenerationName(d.From), layout.GenerationName(d.To))
	if len(d.Changes) == 0 {
		fmt.Fprintf(w, "  no package changed\n")
	}
	for _, c := range d.Changes {
		switch c.Change {
		case reconcile.ChangeAdded:
			fmt.Fprintf(w, "  + %s %s (added, %s)\n", c.Name, c.To, signedBytes(c.SizeDelta))
		case reconcile.ChangeRemoved:
			fmt.Fprintf(w, "  - %s %s (removed, %s)\n", c.Name, c.From, signedBytes(c.SizeDelta))
		default:
			fmt.Fprintf(w, "  ~ %s %s -> %s (%s, %s)\n", c.Name, c.From, c.To, c.Change, signedBytes(c.SizeDelta))
		}
	}
	fmt.Fprintf(w, "Size: %s -> %s (%s)\n", progress.Bytes(d.FromSize), progress.Bytes(d.ToSize), signedBytes(d.ToSize-d.FromSize))
}

func signedBytes(n int64) string {
	if n >= 0 {
		return "+" + progress.Bytes(n)
	}
	return progress.Bytes(n)
}
