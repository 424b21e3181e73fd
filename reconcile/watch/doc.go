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
// another reason to watch a handful of directories rather than a tree. Watches are not
// recursive: a change inside a package directory (src/bash-5.2/root/...) is caught by the next
// resync, not by an event. The set of watched directories is brought in line with the
// configuration each time it is loaded, which also re-establishes a watch lost when a directory
// was removed and created again.
//
// # Scheduling
//
// Relevant events are debounced and then coalesced into a capacity-1 channel, a dirty bit: at
// most one pass runs at a time, and any number of triggers arriving while a pass runs cause
// exactly one more pass after it. When a pass starts it absorbs whatever is pending, because it
// is about to read everything those triggers could have asked it to read. After a successful
// pass the next automatic pass is the interval resync; after a failure it is a retry with capped,
// jittered exponential backoff ([Backoff]), which resets on success. A pass that waits for the
// global lock simply blocks; that is not a failure and causes no retries.
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
