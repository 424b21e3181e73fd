// Command axiom-reconcile reconciles a host's Axiom ZFS package store with profiles and
// environments declared in HCL. main only wires the process to run; everything else is testable
// without a process boundary.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], osEnv()))
}
