package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// syncBuffer is a bytes.Buffer for a writer and a reader on different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logLines returns the JSON log lines whose message is msg.
func logLines(log, msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["message"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// logLine returns the first JSON log line whose message is msg, or nil.
func logLine(log, msg string) map[string]any {
	if l := logLines(log, msg); len(l) > 0 {
		return l[0]
	}
	return nil
}

// The daemon, run in-process with the global lock held by someone else, logs one line naming the
// holder, reports the wait on /healthz, and stops cleanly on cancel (exit 0, no goroutine left).
// The lock is taken before any ZFS access, so this needs no ZFS.
func TestWatchLogsLockWait(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	lock, gcLock, _ := holdLocks(t)

	var stdout, stderr syncBuffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"watch", "-c", "../../examples/workstation", "--metrics-addr", "127.0.0.1:0",
			"--lock-file", lock, "--gc-lock-file", gcLock, "--log-format", "json"}, e)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for logLine(stderr.String(), "waiting for the lock") == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no lock wait logged; log:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	l := logLine(stderr.String(), "waiting for the lock")
	if l["lock"] != lock || l["holder_pid"] != float64(os.Getpid()) || l["holder_command"] != "apply -c /etc/axiom" ||
		l["pass"] != 1.0 || !strings.Contains(l["holder"].(string), "`axiom-reconcile apply -c /etc/axiom`") {
		t.Errorf("lock wait logged as %v", l)
	}

	addr, _ := logLine(stderr.String(), "serving /metrics and /healthz")["addr"].(string)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf("no pass has succeeded yet: waiting for the global lock, held by pid %d", os.Getpid())
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(string(body), want) {
		t.Errorf("/healthz while waiting: %d %q, want 503 %q", resp.StatusCode, body, want)
	}

	time.Sleep(time.Second)
	cancel()
	select {
	case code := <-exited:
		if code != exitOK {
			t.Errorf("watch exited %d after cancel, want 0; log:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop after cancel")
	}
	s := logLine(stderr.String(), "pass")
	// The wait is a second; the rest of the pass is far less, even on a loaded machine.
	if s == nil || s["result"] != "cancelled" || s["lock_wait_seconds"].(float64) < 1 || s["duration_seconds"].(float64) > 0.9 {
		t.Errorf("summary %v: want a cancelled pass whose time went to the lock wait", s)
	}
	if n := strings.Count(stderr.String(), `"message":"waiting for the lock"`); n != 1 {
		t.Errorf("the wait was logged %d times, want once", n)
	}
}
