package spec

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile files are refused before the parser sees them: HCL's parser recurses per nesting
// level, and a deep enough file overflows the stack and kills the process.
func TestHostileShapesRefused(t *testing.T) {
	cases := []struct {
		name, src, summary string
	}{
		{"4 MB of [", "x = " + strings.Repeat("[", 4<<20), "Configuration file too large"},
		{"deep brackets", "x = " + strings.Repeat("[", 200_000), "Configuration nested too deeply"},
		{"deep blocks", strings.Repeat("a {\n", 100_000), "Configuration nested too deeply"},
		{"deep parentheses", "x = " + strings.Repeat("(", 100_000) + "1", "Configuration nested too deeply"},
		{"deep interpolation", "x = \"" + strings.Repeat("${\"", 50_000), "Configuration nested too deeply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := Load(dir)
			if cfg != nil || !diags.HasErrors() || diags[0].Summary != tc.summary {
				t.Fatalf("Load: %v, want the error %q", diags, tc.summary)
			}
			if diags[0].Subject == nil || diags[0].Subject.Filename != filepath.Join(dir, "main.hcl") {
				t.Errorf("the diagnostic does not name the file: %+v", diags[0].Subject)
			}
			if _, fd := Format([]byte(tc.src), "main.hcl"); !fd.HasErrors() || fd[0].Summary != tc.summary {
				t.Errorf("Format: %v, want the error %q", fd, tc.summary)
			}
		})
	}
	// Nesting up to the limit is fine.
	ok := "x = " + strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting) + "\n"
	if d := checkShape([]byte(ok), "ok.hcl"); d != nil {
		t.Errorf("%d levels refused: %v", MaxNesting, d)
	}
}

// A configuration file swapped for a FIFO after the directory was listed does not block the load.
func TestFIFONeverBlocks(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "main.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := readLimited(newDirFS(dir), "main.hcl")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("reading a FIFO: %v, want an error saying it is not a regular file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO blocked")
	}
}
