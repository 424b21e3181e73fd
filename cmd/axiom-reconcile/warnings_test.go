package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

const warnedConfig = `store {
  dataset = "zroot/axiom"
}
profile "p" {
  package "a" { version = ">=2.0.0,<1.0.0" }
}
`

// Warnings of a valid configuration are shown by every command that loads it (plan, apply,
// status, gc, rollback), not only by validate, and the configuration is still used.
func TestLoadConfigShowsWarnings(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(warnedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cfg, err := loadConfig(&env{stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }}, []string{dir})
	if err != nil || cfg == nil {
		t.Fatalf("loadConfig: %v", err)
	}
	want := filepath.Join(dir, "main.hcl") + ":5:27: Warning: Version constraint admits no version"
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr lacks %q:\n%s", want, stderr.String())
	}
}

// The daemon logs them at every load, and reconciles the configuration.
func TestLoadForWatchLogsWarnings(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(warnedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	st, _, err := loadForWatch(t.Context(), &globals{log: zerolog.New(&logs)})([]string{dir})
	if err != nil || st.cfg == nil || st.revision != "none" {
		t.Fatalf("load: %v", err)
	}
	if out := logs.String(); !strings.Contains(out, `"message":"configuration has warnings"`) || !strings.Contains(out, "admits no version") {
		t.Fatalf("log lacks the warning:\n%s", out)
	}
}
