package termbar

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
)

// TestBar: a job with a byte total draws its name, files done of the total, bytes of the total
// in IEC units, and ends its line when finished; one without bytes counts its items.
func TestBar(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  progress.Job
		adds []progress.Counts
		want []string
	}{
		{"bytes", progress.Job{Name: "import big 1.0.0-1", Unit: "files", Total: progress.Counts{Items: 4, Bytes: 4 << 20}},
			[]progress.Counts{{Items: 1, Bytes: 1 << 20}, {Items: 1, Bytes: 1 << 20}, {Items: 2, Bytes: 2 << 20}},
			[]string{"import big 1.0.0-1 4/4 files", "100%", "4.0 MiB"}},
		{"items", progress.Job{Name: "collect", Unit: "packages", Total: progress.Counts{Items: 3}},
			[]progress.Counts{{Items: 2}, {Items: 1}},
			[]string{"collect", "100%", "(3/3"}},
		{"failed short", progress.Job{Name: "realize dev gen-2", Unit: "files", Total: progress.Counts{Items: 10, Bytes: 1000}},
			[]progress.Counts{{Items: 1, Bytes: 100}},
			[]string{"realize dev gen-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			task := Reporter{W: &buf, Throttle: 1}.Start(tc.job)
			var wg sync.WaitGroup
			for _, c := range tc.adds {
				wg.Go(func() { task.Add(c) })
			}
			wg.Wait()
			task.Finish()
			task.Finish() // harmless
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q does not contain %q", out, w)
				}
			}
			if !strings.HasSuffix(out, "\n") {
				t.Errorf("output %q does not end its line", out)
			}
			if tc.name == "failed short" && strings.Contains(out, "100%") {
				t.Errorf("a job that stopped short is drawn complete: %q", out)
			}
		})
	}
}
