// Package store owns the Axiom package store in ZFS: which datasets are packages (the index,
// read from one observation), how a package gets in (Import), and how a package's metadata is
// read back.
//
// Import answers upstream's check-then-create race (seed §1): it never asks "does it exist?"
// before creating. A package is built under a fresh temporary name below <root>/tmp, made
// read-only and snapshotted @installed, and only then renamed into
// store/pkg/<name>/<X.Y.Z>/<rev>/<build-id>. The rename is the commit point. Two importers of the
// same package both build; one rename wins; the other finds the name taken by a complete package
// with the same content-derived build-id, destroys its own copy and succeeds. An import that
// fails after creating its temporary dataset destroys it (best effort; the error says when that
// failed too). A killed importer leaves only a temporary dataset, which is garbage by its
// location. A package whose dataset names would exceed ZFS's 255-byte limit is refused
// (ErrNameTooLong) before anything is created.
//
// A package dataset holds the package as shipped (set-id bits, symlink targets and hard links
// included; see source.Package.Materialize) and is created setuid=off, so nothing run from the
// store gains privileges by a set-id file: only an environment whose profile allows a package's
// set-id programs gets them, in its own generation.
//
// <name> is the package's name as a dataset component (layout.PackageComponent: '+', which ZFS
// refuses, as ':'); the index maps it back, so a Package's ID, and every message, carries the
// real name (libstdc++6), and only Dataset the stored spelling (libstdc::6).
package store
