// Package reconcile turns a desired state (a *spec.Config) and an observation of ZFS into an
// ordered plan of typed, idempotent steps, and applies them under a global lock.
//
// A plan is made in stages, each in files of its own, so that what decides is separate from
// what reads and what writes: observe.go reads everything once (the ZFS tree, hold tags, the
// reconciler's files, package metadata, the configuration files, the sources); resolution.go
// resolves the profiles whose locks need it; diff*.go decide, per resource, from values only (no
// zfs command, no file, no context); check.go merges the generations the plan would build, from
// their packages' files; order.go runs the stages and orders their steps. ops.go says what each
// kind of step is and does; apply.go runs a plan. Reconcile is one pass (apply, and each pass of
// the daemon); rollback and gc are plans too.
//
// A pass is level-based: it re-observes everything (one zfs process, see zfs.CLI.Observe, plus
// reads of the few files the reconciler keeps: profile.yaml, profile.lock.yaml, each generation's
// lock copy and each environment's `current` link) and never acts on what it was told changed.
// Planning does no mutation; applying runs the steps in order and checks the context only between
// steps, so an interrupted pass stops at a clean point. Every step is idempotent and every commit
// point is a single atomic operation (a `zfs rename`, a file or symlink rename), so a pass killed
// at any point converges when run again: what it left half-done is garbage by its location
// (below <root>/tmp), a temporary file of a write in one of its own datasets, a hold whose
// generation does not exist, or a package GC unmounted; the next plan removes, releases or
// mounts each.
//
// Ownership: only datasets carrying a local axiom:managed-by=axiom-reconcile are ever modified
// or destroyed. An unmanaged dataset where the reconciler needs to create one is an error that
// names it, and so is one inside a dataset it would destroy recursively (an environment, a
// profile, a generation, a temporary dataset): checked when planning and again, on a fresh
// observation, right before the destroy (see notOurs).
//
// A generation reserves the directory .axiom (ReservedDir) for the copy of the lock it was built
// from; a package that ships .axiom is refused by name rather than mixed with it.
package reconcile
