// Package watch is the scheduler of `axiom-reconcile watch`, the host daemon: it decides when a
// reconcile pass runs, never what a pass does. The pass itself (observe, plan, apply under the
// global lock) is a function the caller supplies, [Config.Pass]; this package must not import
// package reconcile, so that the engine can be wired in, and tested, on its own.
//
// # Level-based
//
// Every pass is a full reconcile of the whole configuration against the whole host. A trigger
// says only "look again", never "this file changed, so do that": the event's details are
// discarded as soon as it has been recognised as relevant (controller-runtime's level-based
// reconciliation). Events can be lost (a full inotify queue, a watch dropped with its directory),
// arrive late, or describe a half-finished `git checkout`; a scheduler that acted on them would
// inherit every one of those faults. Re-reading everything does not: a missed event costs at most
// one interval, and duplicate events cost nothing because they are coalesced. The periodic resync
// exists because no file event shows drift on the ZFS side (someone ran `zfs destroy`).
//
// # Directories, not files
//
// The configuration directory and each source directory are watched as directories, and events
// are filtered by name: *.hcl in the configuration directory, any entry of a source directory,
// in both cases ignoring names that begin with '.', as the configuration loader and the source
// scanner do. Watching the files themselves would break at the first save: editors write a
// temporary file and rename it over the original, and `git checkout` replaces files wholesale,
// so a watch on the old inode sees a deletion and then nothing. A directory watch sees the new
// name appear. On kqueue systems (FreeBSD) a directory watch also costs one descriptor per entry,
// another reason to watch a handful of directories rather than a tree.
//
// The same reasoning applies one level up. A watch follows an inode, so a directory replaced as
// a whole (a deploy that renames a new checkout into place, a symlink `current` switched from
// release r1 to r2) would leave the daemon watching the old one forever. So each directory's
// parent is watched too, filtered by the directory's name; symbolic links are resolved again
// before every load; and a watch whose path now names another directory (by device and inode)
// is set up again. See dirWatcher.
//
// Watches are not recursive: a change deep inside a package directory (src/bash-5.2/root/...)
// shows no event. Two things cover it. A package directory created while the daemon runs is
// watched itself until the next settled pass, and before a pass that a file event triggered, the
// settle check compares the metadata of the whole trees across one more debounce interval, so a
// package still being copied in is not read half-way (see settle.go).
//
// # Scheduling
//
// Relevant events are debounced and then coalesced into a capacity-1 channel, a dirty bit: at
// most one pass runs at a time, and any number of triggers arriving while a pass runs cause
// exactly one more pass after it. When a pass starts it absorbs whatever is pending, because it
// is about to read everything those triggers could have asked it to read; a SIGHUP among them
// makes the pass the signal's (it then runs even on invalid files, with the last valid
// configuration). After a successful pass the next automatic pass is the interval resync; after
// a failure it is a retry with capped, jittered exponential backoff ([Backoff]), which resets on
// success. A pass that waits for the global lock simply blocks; that is not a failure and causes
// no retries, and the wait is reported apart from the pass's duration ([WaitingForLock]).
//
// # Invalid configuration
//
// Configuration is loaded at the start of every pass. Invalid configuration is terminal for the
// trigger that found it: the diagnostics are logged, nothing new is applied, and the daemon waits
// for the next save. Interval, signal and retry passes keep reconciling the last valid
// configuration, so drift is still corrected while someone is halfway through an edit. If the
// configuration has never been valid, nothing runs.
//
// See [Help] for the user-facing description, including the numbers.
package watch
