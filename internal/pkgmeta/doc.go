// Package pkgmeta reads and writes Axiom's YAML files: a package's manifest.yaml, deps.yaml and
// provenance.yaml, and a profile's profile.yaml and profile.lock.yaml.
//
// It owns the mapping between those files' bytes and typed values, and nothing else: it does no
// I/O (callers read and write the files, and name them in errors with WithFile), knows nothing
// about ZFS, and imports only yaml.v3, internal/version and internal/axiomname.
//
// # Reading
//
// Upstream Axiom reads these files with hand-written line parsers that lose data (a `- name: x`
// line loses its name, so upstream cannot read its own profiles and locks back), keep or strip
// quotes depending on the file, and drop incomplete entries silently. This package parses them as
// real YAML (yaml.v3 into yaml.Node, so every error has a line number) and accepts every file
// upstream writes, in any quoting (plain, 'single' or "double"). It is stricter where upstream
// silently misreads:
//
//   - A missing required field (manifest name and version, an entry's name, a lock entry's name,
//     version, revision and build_id, a profile's name, a lock's profile_name) is an *Error with
//     the line of the mapping that lacks it, never a dropped entry. So is a value of the wrong
//     type, an invalid name or an invalid version. Package names (a manifest's name, provides,
//     conflicts and replaces, entries of deps, profiles and locks) are checked with
//     axiomname.CheckPackage, so they may contain '+' (libstdc++6) as upstream documents;
//     profile names and build-ids with axiomname.Check, so they may not.
//   - Anchors, aliases, merge keys, duplicate keys, non-string keys and a second document are
//     errors: upstream cannot read them, and they let one file mean two things.
//   - format_version must be "1.0" (the only version upstream has written; absent reads as
//     "1.0"), and lock_version must be 1. A newer file is refused rather than misread.
//   - Unknown keys are errors in deps.yaml, provenance.yaml, profile.yaml and the lock. In
//     manifest.yaml they are kept in Manifest.Extra (kernel:, services:, outputs:, …) so that
//     nothing a package declared is lost.
//   - Inputs larger than MaxSize (1 MiB, upstream's own cap) are refused.
//
// # Constraints in deps.yaml and profile.yaml
//
// Entries carry `version:` and optionally `constraint:` (any, exact, tilde, caret, range).
// When `constraint:` is present the kind is the one it names and the version text must fit it
// (version.ParseConstraintKind: `version: "^5.0.0"` with `constraint: tilde` is an error). When it
// is absent the kind is inferred from the version text as upstream's CLI does
// (version.ParseConstraint: "^5.0.0" caret, ">=2.40" range, "3.11.0" exact, "*" or absent any).
// Upstream's reader instead treats a missing `constraint:` as "any" whatever `version:` says,
// silently ignoring a constraint the author wrote; this project decided not to. An unknown
// `constraint:` word is an error (upstream: silently "any").
//
// # Writing
//
// The Marshal methods write deterministic bytes in upstream's shapes and key order, so that the
// `axiom` CLI and people can read them, with two additions upstream lacks: a manifest keeps
// provides, conflicts, replaces and its Extra keys (upstream's store writer drops them), and a
// lock records profile_digest. Lists keyed by package name (dependencies, profile packages, lock
// entries) are sorted by name on read and on write; tags, provides, build flags, conflicts and
// replaces keep their order.
//
// Every string value is written plain only when plainSafe says any YAML reader, and upstream's
// line readers (which do not unquote manifest or provenance values), read it back unchanged;
// otherwise it is double-quoted with escapes. No value can therefore add a key, a list item or a
// document.
//
// Keys the writers do not choose — a manifest's Extra keys, provenance's environment variables —
// are held to upstream's line readers too, which take the text before each line's first ':' as
// the line's key at any indentation (and, in a manifest, treat a nested "description:" as the
// package's description). Such a key is double-quoted when it contains ':', when plainSafe would
// quote it, or (environment) when it is one of the keys upstream's provenance reader interprets;
// a key too long for an implicit YAML key (1024 characters) is written in explicit "? key" form.
// Extra values that are mappings or sequences are written in flow style, on the key's own line
// (services: [{name: drm, type: rc}]), so upstream sees one unknown key and nothing inside it;
// the exception is kernel:, which upstream reads as a block section of its own, kept as a block
// with kernel_idents-style lists in block form. Nothing is dropped or refused: a YAML reader
// gets every value back, and upstream reads every field it knows exactly as if the unknown keys
// were absent (upstreamreader_test.go holds a model of its readers to check this).
//
// For every value x the Parse of x.Marshal() equals x — up to the defaults the
// writer fills in (format_version "1.0", lock_version 1), the sorting above, and invalid UTF-8,
// which YAML cannot carry and is written as U+FFFD. Tests check this by property test and fuzzing.
package pkgmeta
