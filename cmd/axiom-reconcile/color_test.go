package main

import (
	"bytes"
	"testing"
)

// TestColorWriter: lines are colored by how they start, whatever the writes' boundaries, and
// reset before their newline; lines colored already and plain lines pass unchanged.
func TestColorWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"create", []string{"  + import vim\n"}, "\x1b[32m  + import vim\x1b[0m\n"},
		{"change", []string{"  ~ write profile.yaml\n"}, "\x1b[33m  ~ write profile.yaml\x1b[0m\n"},
		{"destroy", []string{"  - prune gen-1\n"}, "\x1b[31m  - prune gen-1\x1b[0m\n"},
		{"group and reason stay plain", []string{"Profile tools\n      (why)\n"}, "Profile tools\n      (why)\n"},
		{"unindented marks are not actions", []string{"+ x\n- y\n"}, "+ x\n- y\n"},
		{"summary", []string{"Plan: 1 to add, 0 to change, 0 to remove.\n"}, "\x1b[1mPlan: 1 to add, 0 to change, 0 to remove.\x1b[0m\n"},
		{"warning", []string{"Warning: x\n"}, "\x1b[1;33mWarning: x\x1b[0m\n"},
		{"error", []string{"axiom-reconcile apply: boom\n"}, "\x1b[1;31maxiom-reconcile apply: boom\x1b[0m\n"},
		{"split across writes", []string{"  - pru", "ne gen-1", "\nNo", "te\n"}, "\x1b[31m  - prune gen-1\x1b[0m\nNote\n"},
		{"several lines in one write", []string{"  + a\n  - b\nc"}, "\x1b[32m  + a\x1b[0m\n\x1b[31m  - b\x1b[0m\nc"},
		{"colored already", []string{"\x1b[1;31mError: x\x1b[0m\n"}, "\x1b[1;31mError: x\x1b[0m\n"},
		{"empty lines", []string{"\n\n"}, "\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := &colorWriter{w: &b, atStart: true}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// TestColorOK: color only on a terminal, and neither with --no-color nor with NO_COLOR set.
func TestColorOK(t *testing.T) {
	for _, tc := range []struct {
		terminal, noColor bool
		noColorEnv        string
		want              bool
	}{
		{true, false, "", true},
		{false, false, "", false},
		{true, true, "", false},
		{true, false, "1", false},
		{true, false, "0", false}, // any value counts (no-color.org)
	} {
		e := &env{noColor: tc.noColor, getenv: func(k string) string {
			if k == "NO_COLOR" {
				return tc.noColorEnv
			}
			return ""
		}}
		if got := e.colorOK(tc.terminal); got != tc.want {
			t.Errorf("%+v: colorOK = %v", tc, got)
		}
	}
}
