package main

import (
	"context"
	"encoding/json"
	"flag"

	"github.com/axiom-reconcile/axiom-reconcile/reconcile"
)

const verifyHelp = `
Verify checks that every package and generation axiom-reconcile made is still as it was
committed. Nothing unmanaged is looked at or changed.

By default (fast) it uses what ZFS already knows, in one zfs process for the tree, after a
zpool sync so that what was written in the last seconds counts: readonly=on; the @installed or
@realized snapshot present, and the very one taken at commit (its guid, recorded then in
axiom:snapshot-guid); and nothing written since it (ZFS's written@ property).

--deep also reads every file: a package's manifest, dependencies and root/ tree must give its
build-id again (content, type, mode and symlink target of every entry; no other file beside
them), and a generation's files must give the content digest recorded when it was realized
(axiom:content-digest). A deep check sees a change fast mode cannot, such as a snapshot renamed
away and a new one taken after the files changed. Signatures are checked at import, not here:
the store keeps the normalised manifest and only the files the build-id covers, so a signature
over the source's files cannot be checked against it; the key that verified is recorded in
axiom:signed-by (status shows it).

--repair puts a changed package or generation back: zfs rollback to its snapshot (never -r:
a later snapshot in the way is reported, not destroyed), readonly=on again, and the same checks
once more. What it cannot repair (the snapshot gone or replaced, not mounted, content that
differs from the snapshot's own) is reported and left in place: verify never destroys anything.
A dataset committed before snapshot identities were recorded is repaired by --deep --repair,
which records the identity once the content checked out. --repair takes the global lock
exclusively, like apply; otherwise verify takes it shared, like plan.

Exit status: 0 when nothing drifted or everything that did was repaired; 1 when drift remains
(or verify failed); 75 when the global lock stayed held past --lock-timeout.
`

func verifyCommand() command {
	return command{
		name: "verify", args: "[-c DIR]... [--deep] [--repair] [--json]", summary: "find (and repair) packages and generations changed since they were committed", help: verifyHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var dirs dirsFlag
			dirs.register(fs, "read")
			deep := fs.Bool("deep", false, "also re-read every file against the build-id or the realized content digest")
			repair := fs.Bool("repair", false, "roll what changed back to its snapshot and set readonly=on again")
			asJSON := fs.Bool("json", false, "print the report as JSON")
			var lf lockFlags
			lf.register(fs)
			return func(ctx context.Context, g *globals, args []string) error {
				cfg, err := loadConfigNoArgs(g, dirs, args)
				if err != nil {
					return err
				}
				verify := func() error {
					rep, err := g.engine().Verify(ctx, cfg, reconcile.VerifyOptions{Deep: *deep, Repair: *repair})
					if err != nil {
						return err
					}
					return writeVerify(g, rep, *asJSON)
				}
				command := "verify " + dirs.args()
				if *repair { // it mutates: the global, GC and store locks, as apply takes them
					return withExclusive(ctx, g, lf, command, cfg, verify)
				}
				return withShared(ctx, g, lf, command, verify)
			}
		},
	}
}

// writeVerify prints the report; drift left unrepaired is exit status 1.
func writeVerify(g *globals, rep *reconcile.VerifyReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(g.env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.WriteHuman(g.env.stdout)
	}
	if len(rep.Drift()) > 0 {
		return errReported
	}
	return nil
}
