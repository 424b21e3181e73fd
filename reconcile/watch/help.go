package watch

import "time"

// Defaults for the flags of `axiom-reconcile watch`; zero values in [Config] mean these.
const (
	DefaultInterval = 10 * time.Minute
	DefaultDebounce = time.Second
	// DefaultSettleMax is long enough for a `git checkout` or a local copy of a large package,
	// short enough that a directory someone writes to all the time does not hold passes back
	// for long.
	DefaultSettleMax = 2 * time.Minute
)

// Help describes the daemon's schedule for `axiom-reconcile help watch`. The numbers are the
// defaults (DefaultInterval, DefaultDebounce, DefaultSettleMax, DefaultBackoff);
// TestHelpQuotesDefaults fails when they drift apart.
const Help = `watch runs a reconcile pass at startup and again whenever something may have changed.
Every pass is a full reconcile (observe, plan, apply under the global lock); what triggered it
does not change what it does.

Triggers:
  startup   once, when the daemon starts.
  file      a *.hcl file in the configuration directory, or any entry of a source directory,
            was created, written, renamed or removed; or the configuration or a source
            directory itself was created, removed or replaced, or the symbolic link naming it
            was switched to another target. Names beginning with '.' are ignored.
            Subdirectories are not watched, except package directories created while the
            daemon runs, until the pass that reads them.
            The pass waits for --debounce (default 1s) without further events, and then for
            the settle check: the metadata of everything the pass reads (the *.hcl files, and
            every file under each source directory) must be unchanged across one more
            --debounce, so a package that is still being copied in is not read half-way. If
            changes never stop, the pass runs anyway --settle-max (default 2m) after the first
            one, with a warning.
  interval  --interval (default 10m) after the last pass ended, to correct drift that no file
            event shows.
  signal    SIGHUP. Runs at once: no debounce, no settle check.
  retry     after a failed pass: 5s, doubling with each consecutive failure up to 5m, each delay
            randomised by +/-20% (never above 5m). Retries replace the interval resync until a
            pass succeeds; a success resets the delay to 5s.

Only one pass runs at a time; any number of triggers arriving during a pass cause exactly one
more pass after it. A pass waits while another process holds the global lock; that is not a
failure. It logs one line when the wait begins, naming the holder (pid and command, from the
lock's .owner file), and the wait is reported apart from the pass's duration.

Adding packages: copy a package into a source directory under a name beginning with '.', then
rename it into place (cp -r pkg src/.pkg && mv src/.pkg src/pkg). The rename is atomic and the
half-copied directory is never looked at. A plain copy is caught by the settle check unless it
takes longer than --settle-max.

-c DIR may be given several times (a fleet repository's common/, roles/<role>/ and
hosts/<name>/): the directories are read as one configuration and all of them are watched.

A configuration directory (or a source directory) may be, or lie inside, a symbolic link
switched atomically to a new release: a new link renamed over the old one (ln -s releases/r2
current.new, then mv -T current.new current on Linux, mv -h on FreeBSD), as contrib/git-sync
switches current to a complete checkout of each commit. The switch is one change: links are
resolved again before every pass, every directory of the pass is read from the tree the links
named when the pass began (resolved again until two resolutions agree, so a switch between
two directories is never half seen), and the watches follow the links. A tree being checked
out beside current is not looked at. Each watched directory's parent, and the directory
holding each link on the way, is watched too, for the name only; on FreeBSD (kqueue) that
costs one file descriptor per entry of such a directory.

Invalid configuration is never applied. Its diagnostics are logged and a save that leaves the
configuration invalid starts no pass; the next valid save does. Until then, interval, signal and
retry passes keep reconciling the last valid configuration. If the configuration is invalid at
startup, no pass runs until it is valid.

SIGINT or SIGTERM: the pass in progress finishes the step it is in and releases the lock, then
watch exits with status 0.

--interval, --debounce and --settle-max must be positive, and --settle-max at least --debounce.
Durations in the daemon's own log lines (one summary line per pass: trigger, result, steps,
duration_seconds, lock_wait_seconds, retry_in_seconds), the status file and the metrics are in
seconds, in fields named *_seconds.

--metrics-addr ADDR serves Prometheus metrics at /metrics and a health check at /healthz:
503 with the reason until a first pass has succeeded (the configuration is invalid, a pass is
waiting for the global lock and who holds it, or simply not done yet) and whenever the most
recent pass failed (with its error), 200 "ok" otherwise. Invalid configuration after a success
does not fail the health check (the daemon still enforces the last valid configuration); it
shows as axiom_reconcile_config_valid 0.
axiom_reconcile_config_info{revision,dirty} is 1, labelled with the Git revision of the
configuration the last successful pass applied ("none" outside Git).
--status-file PATH is replaced atomically after every pass (and every rejected configuration)
with the result as JSON, the configuration's revision included.
`
