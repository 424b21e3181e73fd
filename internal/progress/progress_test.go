package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {3 << 20, "3.0 MiB"}, {-1536, "-1.5 KiB"}, {5 << 40, "5.0 TiB"}} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	for _, tc := range []struct {
		name        string
		done, total Counts
		elapsed     time.Duration
		want        time.Duration
		ok          bool
	}{
		{"by bytes", Counts{1, 25}, Counts{4, 100}, time.Second, 3 * time.Second, true},
		{"by items", Counts{Items: 1}, Counts{Items: 3}, 2 * time.Second, 4 * time.Second, true},
		{"nothing done", Counts{}, Counts{4, 100}, time.Second, 0, false},
		{"unknown total", Counts{3, 3}, Counts{}, time.Second, 0, false},
		{"over", Counts{5, 200}, Counts{4, 100}, time.Second, 0, true},
	} {
		got, ok := Remaining(tc.done, tc.total, tc.elapsed)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Remaining = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDescribe(t *testing.T) {
	j := Job{Name: "import big", Unit: "files", Total: Counts{Items: 4, Bytes: 4 << 20}}
	got := Describe(j, Counts{Items: 1, Bytes: 1 << 20}, time.Second)
	want := "import big: 1/4 files, 1.0 MiB/4.0 MiB, 1.0 MiB/s, about 3s left"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

// syncBuffer is a log destination the reporting goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestLog: a job still running after After is logged at every Every with its counts; one that
// ends sooner is not logged at all.
func TestLog(t *testing.T) {
	var out syncBuffer
	r := Log{Log: zerolog.New(&out), After: 20 * time.Millisecond, Every: 20 * time.Millisecond}
	quick := r.Start(Job{Name: "quick", Unit: "files"})
	quick.Add(Counts{Items: 1})
	quick.Finish()
	slow := r.Start(Job{Name: "realize dev gen-2", Unit: "files", Total: Counts{Items: 10, Bytes: 1000}})
	slow.Add(Counts{Items: 5, Bytes: 500})
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(out.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	slow.Finish()
	slow.Finish()
	n := strings.Count(out.String(), "\n")
	time.Sleep(60 * time.Millisecond)
	got := out.String()
	if strings.Count(got, "\n") != n {
		t.Errorf("logged after Finish:\n%s", got)
	}
	if n < 2 {
		t.Fatalf("want at least two progress lines at a steady interval, got:\n%s", got)
	}
	if strings.Contains(got, `"job":"quick"`) {
		t.Errorf("a job that ended before After was logged:\n%s", got)
	}
	for _, w := range []string{`"job":"realize dev gen-2"`, `"files_done":5`, `"files_total":10`, `"bytes_done":500`, `"bytes_total":1000`, `"left_seconds"`, `still running: realize dev gen-2: 5/10 files`} {
		if !strings.Contains(got, w) {
			t.Errorf("log lacks %s:\n%s", w, got)
		}
	}
}

func TestOr(t *testing.T) {
	if _, ok := Or(nil).(Nop); !ok {
		t.Error("Or(nil) is not Nop")
	}
	l := Log{}
	if _, ok := Or(l).(Log); !ok {
		t.Error("Or(r) is not r")
	}
	Nop{}.Start(Job{}).Add(Counts{Items: 1})
}
