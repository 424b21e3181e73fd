// Package gitrev reports which Git commit a configuration directory is at, and whether its work
// tree differs from that commit, without running git.
//
// A fleet keeps its configuration in one Git repository; to answer "which hosts run which
// commit" every pass records the revision it applied. Running `git` for that would make the
// reconciler depend on a git binary on every host, on its version and on its configuration
// (hooks, fsmonitor, $GIT_DIR in the environment), so this package reads the repository's files
// directly, and reads only what it needs:
//
//   - Discovery: from the directory upwards, the first `.git` directory or `.git` file
//     (`gitdir: PATH`, as worktrees and submodules have; a worktree's `commondir` names the
//     repository that holds its branches). A directory in no work tree is not an error: Read
//     returns Revision{Commit: None}.
//   - The commit: HEAD, a symbolic ref (`ref: refs/heads/main`) or a detached hash, resolved
//     through loose refs and then packed-refs. SHA-1 and SHA-256 repositories
//     (extensions.objectformat) are both read. Repositories whose refs are in a reftable
//     (extensions.refstorage) are refused with ErrUnsupported.
//   - Dirty: as `git describe --dirty` means it (HEAD against the work tree). The index
//     (versions 2, 3 and 4) is compared with the work tree: stat data first, as git does, and
//     the file's blob hash where the stat data differs or cannot be trusted (an entry not older
//     than the index: git's "racy git" case). A tracked file deleted, changed, or changed in
//     type or executable bit makes the tree dirty, and so does an unmerged or intent-to-add
//     entry; untracked files do not. Gitlinks (submodules) and skip-worktree entries are not
//     looked into. Then the index is compared with HEAD: the tree the index would commit is
//     hashed as `git write-tree` would, and compared with the tree HEAD's commit names, read
//     from the object store (a loose object, or a pack through its version-2 index, deltas
//     resolved; alternates followed), so a change staged with `git add` and not committed is
//     dirty too.
//
// What it does not see as git does: content git rewrites on check-in (clean filters, eol
// conversion), so a file with such a filter may read as dirty (the safe direction); a split
// index or a reftable is refused with ErrUnsupported.
//
// Every file is opened with O_NONBLOCK and must be a regular file (a FIFO put in the place of
// HEAD cannot block a pass). Every read is bounded: MaxIndexSize, maxSmallFile, the packed-refs
// line length, maxObjectSize and maxDeltaDepth for objects. A path taken from the index must be
// relative, without ".", ".." or ".git" components, and is looked at only below directories
// that are real directories (not symlinks); files are opened through an os.Root of the work
// tree. A repository that cannot be read as Git writes it is an *Error naming the file.
package gitrev
