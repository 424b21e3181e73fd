// Package source finds Axiom packages in source directories, gives each a build-id derived from
// its content, and materialises a package into an empty directory (in production, the
// mountpoint of a freshly created package dataset).
//
// It owns three decisions: what in a source directory is a package, what makes two packages the
// same (the build-id, see [BuildID]), and how a package's files are written so that what lands
// in the store is exactly what the build-id names. Reading archives and directories safely is
// internal/archive's job; the YAML files belong to internal/pkgmeta. This package knows nothing
// about ZFS.
//
// # Source directories
//
// A source directory holds packages, one per entry, each either a directory or an archive
// (.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .txz, .tar.bz2, .tbz2) with this layout, optionally under a single top-level folder
// in an archive:
//
//	manifest.yaml     required
//	deps.yaml         optional; absent means no dependencies
//	provenance.yaml   optional
//	root/             optional; the package's files
//
// Other entries of a package (a manifest.sig, a README) are ignored, though they are held to
// the same safety rules as the rest. Scan looks only at the direct entries of each source
// directory, following symbolic links:
//
//   - names beginning with "." are ignored (.git, partial downloads);
//   - a directory with manifest.yaml or root/ is a package; one with neither is ignored, so
//     that unrelated folders can sit beside packages; one with root/ but no manifest.yaml is
//     an error;
//   - a file whose name ends in an archive suffix is a package; other files are ignored;
//   - a source directory that itself holds manifest.yaml is an error (name its parent).
//
// Everything [archive.Walk] and [archive.WalkDir] reject is rejected, for directories and
// archives alike (including, in a directory, a file hard-linked from outside the package), and
// what they skip — macOS metadata: AppleDouble "._" files, .DS_Store, __MACOSX/ — is not part
// of the package. In addition, manifest.yaml, deps.yaml and provenance.yaml must be regular files
// of at most 1 MiB. Symlinks are data: a link under root/ may point anywhere (real packages ship
// usr/lib/ssl/cert.pem -> /etc/ssl/certs/ca-certificates.crt); its target is recorded, hashed
// and written as shipped and never followed. The manifest's name must
// pass axiomname.CheckPackage (so it may contain '+', as in libstdc++6).
//
// Modes are read as internal/archive normalises them: directories 0755, regular files 0755 if
// any execute bit is set and 0644 otherwise, symlinks 0777; a regular file keeps its setuid and
// setgid bits. Git records only the execute bit, so a package checked out under any umask has
// the same files, and so the same build-id. A file with several names in the package (hard
// links) is one file: its names after the first in byte order carry [File.Link].
//
// # Materialising
//
// [Package.Materialize] re-reads the origin and writes the package, verifying every entry
// against what Scan recorded; if anything differs it fails with [ErrChanged] and the
// destination must be discarded. Files are created with O_EXCL, written, given their
// (normalised) mode and fsynced; directories are created 0700 and get their mode, 0755, and
// time (and are fsynced) last, deepest first, so that a directory's time is set after its last
// child was added. Hard links are written as hard links, symlinks with their targets as
// shipped, set-id files with their bits (the store mounts package datasets setuid=off; whether
// an environment keeps the bits is decided when packages are merged). Run as root, everything
// written belongs to root (0:0); otherwise to the running user. Every file and directory gets
// the modification time [ModTime] (symlinks keep theirs), so that materialising the same
// package twice with the same now gives identical trees.
package source
