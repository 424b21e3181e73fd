package watch

import (
	"encoding/json"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
)

// Status is what --status-file holds: the outcome of the last pass, or of the last attempt that
// rejected the configuration without a pass. It is written after each, replacing the file
// atomically, so a reader sees one complete document.
type Status struct {
	Trigger  Trigger        `json:"trigger"`
	Result   Result         `json:"result"`
	Error    string         `json:"error,omitempty"` // the pass's error, or the configuration's diagnostics
	Start    time.Time      `json:"start"`
	Duration float64        `json:"duration_seconds"`  // the pass's own time: waiting for the global lock excluded
	LockWait float64        `json:"lock_wait_seconds"` // time the pass waited for the global lock
	Steps    map[string]int `json:"steps_applied"`     // by kind; empty when nothing was applied
	Planned  int            `json:"steps_planned"`     // the drift the pass found
	// Refused lists the source packages the pass left out (unreadable or refused), with why.
	Refused []string `json:"refused_packages,omitempty"`
	// Revision is the configuration revision the pass reconciled (see PassResult.Revision).
	Revision string `json:"revision,omitempty"`

	// ConfigValid reports whether the configuration files were valid when this attempt loaded
	// them. When false and Result is not invalid-config, the pass reconciled the last valid
	// configuration, and ConfigError holds the current files' diagnostics.
	ConfigValid bool   `json:"config_valid"`
	ConfigError string `json:"config_error,omitempty"`

	LastSuccess         *time.Time `json:"last_success,omitempty"` // end of the last successful pass
	ConsecutiveFailures int        `json:"consecutive_failures"`
	NextRetry           *time.Time `json:"next_retry,omitempty"` // when a retry is scheduled
}

// statusPerm: the status holds no secrets, and monitoring agents run as other users.
const statusPerm = 0o644

func writeStatus(path string, s *Status) error {
	if s.Steps == nil {
		s.Steps = map[string]int{}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), statusPerm)
}
