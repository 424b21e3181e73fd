// Package archive reads package trees — from tar archives (.tar, .tar.gz/.tgz, .tar.zst,
// .tar.xz/.txz, .tar.bz2/.tbz2) and from plain directories — and holds both to one set of
// safety rules, so that nothing a caller imports can write outside its destination, name a
// device, or mean something other than it says.
//
// It owns the rules of reference/axiom-model.md §9 ("Secure extraction rules"), which upstream
// Axiom defines but never runs, plus the ones upstream lacks (hard links, duplicates, paths
// through symlinks, decompression bombs). Every entry is checked; the first violation ends the walk
// with an [*Error] naming the archive (or directory) and the entry, whose Err is one of the
// sentinels ([ErrUnsafePath], [ErrLinkEscape], [ErrSpecialFile], [ErrDuplicate], [ErrTooLarge],
// [ErrFormat], [ErrChanged]) for use with [errors.Is].
//
// # Two passes
//
// [Walk] and [WalkDir] read their input twice. The first pass validates the whole listing —
// names, types, sizes, links, limits, and for archives the complete (decompressed) byte stream —
// and decides whether a single top-level folder is to be stripped. Only then does the second
// pass call the caller's function, entry by entry, with the content. So a malformed or hostile
// input is normally rejected before the caller has seen anything of it. The second pass checks
// every entry against the first and fails with [ErrChanged] if the input moved underneath; since
// that (or an I/O error, or the caller's own error) can happen after some entries were handed
// out, callers must stage what they build and commit it only when the walk returned nil. Content
// is never buffered in memory.
//
// # What is accepted
//
//   - Regular files, directories and symbolic links. A tar entry of type '7' (contiguous file)
//     is a regular file, as GNU tar reads it. Hard links in an archive are accepted only when
//     their target is an earlier regular file of the same archive; hard links in a directory
//     only when all of a file's links are in the tree: a file with a link outside it is
//     [ErrLinkEscape], since it may be a file the tree's owner could not even read. A hard link
//     is handed to the caller as a regular file with its content and its target's mode, and
//     with [Entry.Link] naming the file's first name (in walk order), so a caller can keep the
//     names one file. Device nodes, FIFOs, sockets and every other entry type are rejected.
//   - macOS metadata is not content: AppleDouble files ("._name"), ".DS_Store" and anything under
//     a "__MACOSX" folder (or under any such name) are skipped in archives and directories alike,
//     so a package packed or browsed on a Mac is the same package, and a single top-level folder
//     with AppleDouble siblings is still stripped. Their names are still checked and special
//     files among them still rejected, and their content counts against [Limits] (it is still
//     decompressed); nothing else about them is checked (they are never handed out).
//   - Names are relative, at most [Limits.MaxPathLen] bytes, free of NUL, control characters,
//     backslashes and percent-encoded '.', '/', '\' or control characters (such as %2e, %2f, %5c,
//     %00), and have no ".." component. Leading "./" and repeated or trailing slashes are
//     cleaned away; an entry naming the root itself ("./") is skipped.
//   - Symbolic links are data. Real packages ship absolute links (usr/lib/ssl/cert.pem ->
//     /etc/ssl/certs/ca-certificates.crt) and relative ones that leave the package
//     (../../etc/x); a target is reported exactly as stored and is never followed, so where it
//     points cannot matter. A target must only be non-empty, at most [Limits.MaxPathLen] bytes
//     and free of NUL. What is refused is what would be written through a link: no entry may lie
//     beneath a symlink ([ErrLinkEscape]) or a file ([ErrDuplicate]).
//   - Modes are normalised as upstream's extractor does: directories 0755, files 0755 when any
//     execute bit is set and 0644 otherwise, symlinks 0777. Sticky bits and group or world write
//     permission are dropped, never an error; Git records only the execute bit, so this also
//     makes a package checked out with any umask the same package. A regular file keeps its
//     setuid and setgid bits as shipped (su, passwd, mount need them); whether an environment
//     keeps them is decided where packages are merged. Owners, groups and times are ignored.
//   - Each path appears once: a second entry with the same cleaned path (including a file and a
//     directory) is [ErrDuplicate].
//   - [Limits] bound each file's size, the total size, the number of entries and the length of
//     names.
//   - Compressed archives are checked by their magic bytes, read to the end of the
//     decompressed stream (so a damaged trailer or checksum is [ErrFormat]) and bounded in the
//     memory a decoder may take: a zstd window or an xz dictionary over 128 MiB is refused
//     before anything is allocated for it. bzip2 is bounded by its format (900 kB blocks).
//   - In archives only: if every entry lives under one top-level directory, that directory is
//     stripped (bash-5.2.0/manifest.yaml → manifest.yaml). Directories that an archive implies but
//     does not list are reported, with mode 0755, just before the first entry under them.
//
// This package imports nothing from the rest of the project.
package archive
