// Command debian-to-axiom converts a directory of Debian binary packages (.deb) into a source
// directory of Axiom packages, for tests and benchmarks with real software (see
// internal/debconvert, and fetch.sh beside it, which downloads a set and calls this).
//
// usage: debian-to-axiom DEBDIR OUTDIR
//
// OUTDIR must not exist. It prints one line per package (files, symlinks, bytes, set-id files,
// relations dropped or widened) and a total.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/axiom-reconcile/axiom-reconcile/internal/debconvert"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: debian-to-axiom DEBDIR OUTDIR")
		return 2
	}
	pkgs, err := debconvert.Convert(ctx, args[0], args[1])
	if err != nil {
		fmt.Fprintln(stderr, "debian-to-axiom:", err)
		return 1
	}
	debconvert.Summary(stdout, pkgs)
	return 0
}
