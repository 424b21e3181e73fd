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
//   - Dirty: as `git describe --dirty` means it. The index (versions 2, 3 and 4) is compared
//     with the work tree: stat data first, as git does, and the file's blob hash where the stat
//     data differs or cannot be trusted (an entry not older than the index: git's "racy git"
//     case). A tracked file deleted, changed, or changed in type or executable bit makes the
//     tree dirty, and so does an unmerged or intent-to-add entry; untracked files do not.
//     Gitlinks (submodules) and skip-worktree entries are not looked into.
//
// What it does not see: changes staged with `git add` whose work-tree files still match the
// index (it would have to read the HEAD commit's tree from the object store, packs included),
// and content git rewrites on check-in (clean filters, eol conversion): a file with a filter
// may read as dirty (the safe direction). The first is the one gap that can report a tree
// clean when HEAD's commit is not what is on disk; `git commit` closes it.
//
// Every file is opened with O_NONBLOCK and must be a regular file (a FIFO put in the place of
// HEAD cannot block a pass), every read is bounded (MaxIndexSize, maxSmallFile, the packed-refs
// line length), and a path taken from the index must be relative, without "." or ".." or
// ".git" components, and is looked at only below directories that are real directories (not
// symlinks); files are opened through an os.Root of the work tree.
// A repository that cannot be read as Git writes it is an *Error naming the file.
package gitrev
