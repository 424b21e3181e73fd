package watch

import "time"

// Defaults for the flags of `axiom-reconcile watch`; zero values in [Config] mean these.
const (
	DefaultInterval = 10 * time.Minute
	DefaultDebounce = time.Second
)

// burstFactor bounds how long a steady stream of events can postpone a pass: a burst is cut off
// burstFactor × Debounce after its first event, so a directory that never goes quiet (a slow
// rsync into a source directory) still gets passes.
const burstFactor = 10

// Help describes the daemon's schedule for `axiom-reconcile help watch`. The numbers are the
// defaults (DefaultInterval, DefaultDebounce, DefaultBackoff, burstFactor);
// TestHelpQuotesDefaults fails when they drift apart.
const Help = `watch runs a reconcile pass at startup and again whenever something may have changed.
Every pass is a full reconcile (observe, plan, apply under the global lock); what triggered it
does not change what it does.

Triggers:
  startup   once, when the daemon starts.
  file      a *.hcl file in the configuration directory, or any entry of a source directory,
            was created, written, renamed or removed (names beginning with '.' are ignored;
            subdirectories are not watched). The pass starts after --debounce (default 1s)
            without further changes, and at most 10 x --debounce after the first change of a
            burst.
  interval  --interval (default 10m) after the last pass ended, to correct drift that no file
            event shows.
  signal    SIGHUP.
  retry     after a failed pass: 5s, doubling with each consecutive failure up to 5m, each delay
            randomised by +/-20% (never above 5m). Retries replace the interval resync until a
            pass succeeds; a success resets the delay to 5s.

Only one pass runs at a time; any number of triggers arriving during a pass cause exactly one
more pass after it. A pass waits while another process holds the global lock; that is not a
failure.

Invalid configuration is never applied. Its diagnostics are logged and a save that leaves the
configuration invalid starts no pass; the next valid save does. Until then, interval, signal and
retry passes keep reconciling the last valid configuration. If the configuration is invalid at
startup, no pass runs until it is valid.

SIGINT or SIGTERM: the pass in progress finishes the step it is in and releases the lock, then
watch exits with status 0.

--metrics-addr ADDR serves Prometheus metrics at /metrics and a health check at /healthz:
200 "ok" unless the most recent pass failed, else 503 with that pass's error. Invalid
configuration alone does not fail the health check (the daemon still enforces the last valid
configuration); it shows as axiom_reconcile_config_valid 0.
--status-file PATH is replaced atomically after every pass (and every rejected configuration)
with the result as JSON.
`
