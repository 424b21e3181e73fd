package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "usage: debian-to-axiom DEBDIR OUTDIR"},
		{[]string{"a", "b", "c"}, 2, "usage:"},
		{[]string{t.TempDir(), filepath.Join(t.TempDir(), "out")}, 1, "debian-to-axiom: "},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("run(%q) = %d, %q; want %d, %q", tc.args, code, stderr.String(), tc.code, tc.stderr)
		}
	}
}
