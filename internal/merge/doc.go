// Package merge decides how the root/ trees of an environment generation's packages merge into
// one tree, and writes that tree out.
//
// It owns the merge rules of a generation: which path comes from which package, what counts as
// a conflict, what each conflict policy does with it, and which trees are refused as unsafe.
// [Merge] is pure (it does no I/O; it calls each Entry's Digest, and only when it must) so the
// reconciler can run it at plan time, to fail early with every conflict listed, and again at
// apply time. [Write] then materialises the result into the freshly created, empty generation
// directory. The package knows nothing of ZFS, stores or locks, and imports only the standard
// library.
//
// Upstream Axiom's realize (reference/axiom-model.md §5.1) keys conflicts by basename, so that
// bin/foo and share/foo from two packages collide and the second is silently never copied; its
// "priority" lets the later package in hash order overwrite; two packages shipping the same
// symlink is a hard error; and a failed realize leaves a half-built environment behind. This
// package fixes the first three, and Merge decides everything, failing with every conflict,
// before Write creates anything.
//
// # Inputs and priority
//
// Each [Input] is one package: its name, a label for messages, and the entries of its root/
// tree in any order. The order of the inputs is their priority, chosen by the caller (the
// profile's declaration order, then dependencies by name): the first input wins. Everything in
// the result depends only on the inputs, their order and the policy, never on the order of an
// input's entries.
//
// # Validation
//
// Each input is checked on its own before anything is merged; the first problem, taking inputs
// in order and each input's entries in tree order (below), is returned as an [*EntryError]
// naming the package (its label) and the path:
//
//   - [ErrUnsafePath]: a path that is empty, ".", absolute, or has an empty, "." or ".."
//     component (so no trailing slash either), or contains NUL; a symlink target that is empty
//     or contains NUL.
//   - [ErrInvalidInput]: an entry type other than File, Dir or Symlink; a path listed twice; an
//     entry beneath a file or symlink of its own package; a negative size; a file without a
//     Digest; a package name that is empty, ".", "..", or contains "/" or NUL (it becomes part
//     of keep-both file names). An unknown policy is a plain error wrapping ErrInvalidInput.
//
// Modes keep the nine permission bits. A file's setuid and setgid bits are dropped, silently,
// unless its input's [Input.AllowSetID] is set: packages ship set-id programs (su, passwd,
// mount) as built, and whether an environment trusts them is the caller's decision (realize
// takes it from the profile, per package). Sticky bits, and set-id bits on directories, are
// always dropped. Symlinks have mode 0777 in the result (their mode means nothing). A directory that an input's paths imply (bin for bin/sh) but that no
// input lists has mode 0755.
//
// # What is a conflict
//
// Conflicts are keyed by the relative path in the merged tree. Each input in turn is merged
// into the tree built from the inputs before it; at a path the tree already holds, the new
// entry is compared with the entry already there (the first input's, which keeps the path):
//
//   - Two directories merge; never a conflict. The directory takes its mode from the first
//     input that lists it, or 0755 if none does.
//   - Two files with the same size, the same digest and the same mode are one entry, the
//     first input's. Different sizes, or equal sizes and different digests: [KindContent]. Same
//     content, different modes: [KindMode]. Digest is called only here: for a file two inputs
//     ship at one path with equal sizes, at most once per entry.
//   - Two symlinks with the same target are one entry; different targets: [KindTarget].
//   - Entries of different types: [KindType]. A directory implied by a path counts: a package
//     shipping bin/x has a directory bin, so another package's file or symlink named bin is a
//     type conflict at bin. When the later entry is a directory, the conflict is reported once,
//     at the directory; whatever that input has beneath it is dropped with it and not compared
//     further.
//
// Each later input is compared with the entry that holds the path, not with other later
// inputs: if a ships f, and b and c ship the same f differing from a's, that is two conflicts
// (a/b and a/c), and an input whose f equals a's adds none.
//
// # Policies
//
//   - [PolicyError] (the default, also meant by ""): Merge fails with a [*ConflictError] listing
//     every conflict, sorted by path and then by the later input's position, each naming both
//     packages and how their entries differ.
//   - [PolicyPriority]: the first input keeps the path; the later entry is dropped, and for a
//     later directory everything that input has beneath it. Each such conflict is reported in
//     [Result.Conflicts]. (Upstream's priority let the later package overwrite.)
//   - [PolicyKeepBoth]: the first input keeps the path; a later conflicting file or symlink
//     (mode-only conflicts included) is placed beside it as <stem>.<name><ext>, where name is the
//     later input's Name and the extension is the base name's last dot and what follows, except
//     that a leading dot (a dotfile) or a trailing dot does not start one: bin/vi from vim becomes
//     bin/vi.vim, share/man/man1/vi.1 becomes vi.vim.1 (so "man vi.vim" finds it),
//     lib/libx.so.1 becomes libx.so.vim.1, .bashrc becomes .bashrc.vim, and foo. becomes
//     foo..vim. If that name is taken in the merged tree, <stem>.<name>.<k><ext> is used with the
//     first free k ≥ 2 (bin/vi.vim.2). Copies are named after every input's own paths are
//     placed, so a copy never displaces a path a package ships; they are named in input order
//     and, within an input, tree order. [Conflict.KeptAs] says where each copy went. A later
//     directory cannot be kept beside an earlier file or symlink (its contents would change
//     their paths): under keep-both such conflicts make Merge fail with a *ConflictError listing
//     all of them, naming both packages.
//
// # Symlinks
//
// A symlink's target is data: it is placed exactly as its package shipped it, absolute
// (/etc/ssl/certs/ca-certificates.crt) or leading out of the tree (../../etc/x), and Merge never
// follows or resolves it. Dangling links and loops are the packages' business. What Merge
// refuses is writing through a link: no path of a result lies beneath a symlink or a file. An
// input's entry beneath its own symlink is [ErrInvalidInput]; an entry beneath another
// package's symlink meets that symlink as a directory its path implies, a [KindType] conflict
// at the link, so it is refused (PolicyError, PolicyKeepBoth) or dropped with all beneath it
// (PolicyPriority), never placed.
//
// Errors come in this order: the policy, each input's validation, a failed Digest (returned
// in an *EntryError wrapping the Digest's error), and last the conflicts the policy leaves
// unresolved.
//
// # Order
//
// [Result.Placed] is sorted by path, byte-wise (strings.Compare), and lists every directory,
// including implied ones. Internally, and in the order errors and keep-both names are
// decided, the package uses tree order: byte-wise with '/' before every other byte, so a
// directory is followed at once by everything beneath it ("a", "a/b", "a-b").
//
// # Writing
//
// [Write] creates, under dest (an existing empty directory, not a symlink): every directory
// (mode 0700 while it works); every file, created with O_CREATE|O_EXCL, filled from the
// caller's open function, checked to hold exactly Size bytes, set to its mode and fsynced;
// every symlink, last, so that nothing is ever written through one; then each directory's
// recorded mode, deepest first (so a read-only directory did not block its children), with an
// fsync of each directory and finally of dest. Every path is reached one directory at a time
// from dest through an [os.Root], each directory checked with Lstat to be the one Write made:
// Write never writes through a symlink, and never leaves dest. A file or symlink whose name is
// taken fails with an error matching [fs.ErrExist]; a directory replaced behind Write's back,
// or a dest that is not an empty directory, with [ErrUnexpectedFile]. File content is copied
// straight from the reader open returns, so an *os.File lets the kernel copy (or, with OpenZFS
// block cloning, share) the blocks. Symlinks are created with their targets as given, so
// readlink in the generation gives what the package shipped. Before touching dest, Write
// refuses a Result (say, one made by hand) with an unsafe path, an unknown type, or a symlink
// target that is empty or holds NUL. ctx is checked before each entry. Run as root, Write makes
// root (0:0) the owner of everything it creates (before setting modes, since chown clears
// set-id bits); otherwise everything belongs to the running user. Times are not preserved. On
// error dest holds part of the tree, and the caller discards it (a generation is built under a
// temporary name until it is complete).
package merge
