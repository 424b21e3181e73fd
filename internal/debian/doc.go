// Package debian reads the metadata of Debian binary packages (the control file of a .deb) and
// maps it to Axiom's package metadata, so that real software from Debian's archive can be turned
// into Axiom packages for tests and benchmarks (scripts/realpkgs). It owns three things: Debian's
// syntax (control stanzas, versions, relation fields), Debian's version order (as dpkg compares),
// and the documented rules below that turn them into Axiom versions and constraints. It does no
// I/O and imports only internal/pkgmeta and internal/version.
//
// # Versions
//
// A Debian version is [epoch:]upstream[-revision]. Axiom versions are numeric X.Y.Z plus a
// revision, and a constraint never looks at the revision. [Version.Axiom] maps:
//
//   - X.Y.Z are the leading decimal numbers of the upstream part, separated by '.', up to three,
//     stopping at the first character that does not continue that pattern; missing ones are 0.
//     1.2.13.dfsg → 1.2.13, 20250419~deb12u1 → 20250419.0.0, 3.0.17 → 3.0.17, 9.1 → 9.1.0,
//     5.36.0 → 5.36.0. An upstream part that does not start with a digit, or a number above
//     4294967295, is an error.
//   - The epoch is dropped: Axiom has nothing like it. An epoch exists to say that the upstream
//     numbering went backwards once; inside one Debian release, where a set is taken from, every
//     package has a single version, so nothing is compared across an epoch change.
//   - The Axiom revision is the leading decimal number of the Debian revision, at least 1
//     (Axiom's revision is positive): 0+deb12u2 → 1, 14 → 14, 1~deb12u1 → 1, none → 1.
//     Debian's full version is kept in the manifest (see below), so nothing is lost.
//
// The map is monotonic for well-formed versions of one epoch (a version that is newer by dpkg
// maps to an Axiom version that is not older), which is what keeps dependencies true; tests check
// this property.
//
// # Relations
//
// Depends and Pre-Depends become deps.yaml entries; Conflicts and Breaks become the manifest's
// conflicts; Provides its provides. A relation `name (op v)` with V = v.Axiom():
//
//   - `>= v` → >=V, `<= v` → <=V, `= v` → exact V;
//   - `>> v` → >=V and `<< v` → <=V: strict bounds become inclusive. An Axiom version stands for
//     every Debian version that maps to it (every revision, every ~ or + suffix), so a strict
//     bound on V would refuse versions Debian admits: git depends on `git-man (>> 1:2.39.5),
//     git-man (<< 1:2.39.5-.)`, which git-man 1:2.39.5-0+deb12u2 satisfies; made exact-minded
//     (>2.39.5, <2.39.5) it could never be met. Several relations on one name are merged into
//     one constraint (here >=2.39.5 and <=2.39.5, written as the exact 2.39.5).
//   - Architecture qualifiers (`:any`, `:native`, `:amd64`) are stripped; architecture
//     restrictions `[...]` and build profiles `<...>` (source-package syntax) are refused, since a
//     binary package never carries them.
//
// Mapping is done against a [Set]: the packages converted together. That makes a small set
// self-consistent, and every decision is recorded, never silent:
//
//   - Alternatives `a | b` take the first alternative the set has (by name or by Provides).
//   - A dependency on a name the set neither has nor provides is dropped, and so is one the
//     package satisfies itself (its own name, or a name it provides).
//   - A dependency on a name only provided (a virtual package) keeps the name with any version:
//     Axiom's virtual names have no versions.
//   - A dependency the set's package does not satisfy by Debian's own comparison is dropped, and
//     one whose mapped constraint refuses the set's package although Debian accepts it (a version
//     the leading-number rule maps badly) is kept with any version.
//   - Conflicts and Breaks are kept only when they hit the version of a package in the set (by
//     Debian's comparison), with that package's exact Axiom version; others are dropped. Inside
//     the set this keeps exactly Debian's exclusions, and never excludes what Debian allows.
//   - Replaces is dropped: in Debian it only lets one package overwrite another's files, while
//     in Axiom it means "obsoletes" and excludes the replaced package.
//
// Every dropped or widened relation is written, with its reason, to the manifest's extra
// `debian:` mapping (beside the Debian package name, version and architecture), which
// pkgmeta keeps and upstream's readers ignore.
package debian
