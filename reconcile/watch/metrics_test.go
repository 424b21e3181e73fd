package watch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func TestMetricsAndHealthOverHTTP(t *testing.T) {
	h := newHarness(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	h.cfg.MetricsListener = ln
	h.cfg.Metrics = NewMetrics()
	h.cfg.Backoff = Backoff{Initial: time.Hour} // no retry during the test
	h.hook = func(ctx context.Context, n int, state string) (PassResult, error) {
		switch n {
		case 1:
			return PassResult{Steps: map[string]int{"import": 2, "realize": 1}, Planned: 3, Refused: []string{"a: why", "b: why"}}, nil
		case 2:
			return PassResult{}, errors.New("zfs: dataset is busy") // failed before planning
		default:
			return PassResult{Steps: map[string]int{"activate": 1}, Planned: 1}, nil
		}
	}
	h.write("main.hcl", "v1")
	h.start()
	h.expect(TriggerStartup, ResultOK)
	h.hangup()
	h.expect(TriggerSignal, ResultError)

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitLimit}
	defer client.CloseIdleConnections()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}

	code, body := get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	m := parseExposition(t, body)
	for series, want := range map[string]float64{
		`axiom_reconcile_passes_total{trigger="startup"}`:        1,
		`axiom_reconcile_passes_total{trigger="signal"}`:         1,
		`axiom_reconcile_passes_total{trigger="file"}`:           0,
		`axiom_reconcile_pass_failures_total{trigger="startup"}`: 0,
		`axiom_reconcile_pass_failures_total{trigger="signal"}`:  1,
		`axiom_reconcile_steps_applied_total{kind="import"}`:     2,
		`axiom_reconcile_steps_applied_total{kind="realize"}`:    1,
		`axiom_reconcile_pass_duration_seconds_count`:            2,
		`axiom_reconcile_drift_steps`:                            3, // the failed pass did not plan
		`axiom_reconcile_refused_packages`:                       2, // nor did it read the sources
		`axiom_reconcile_config_valid`:                           1,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if ts := m["axiom_reconcile_last_success_timestamp_seconds"]; ts < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success timestamp %v, want about now", ts)
	}
	if _, ok := m["go_goroutines"]; !ok {
		t.Error("no go_* metrics")
	}

	code, body = get("/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "zfs: dataset is busy") {
		t.Errorf("/healthz after a failed pass: %d %q, want 503 with the error", code, body)
	}

	h.hangup()
	h.expect(TriggerSignal, ResultOK)
	code, body = get("/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz after a successful pass: %d %q, want 200 ok", code, body)
	}
	_, body = get("/metrics")
	m = parseExposition(t, body)
	if m[`axiom_reconcile_passes_total{trigger="signal"}`] != 2 || m["axiom_reconcile_drift_steps"] != 1 ||
		m["axiom_reconcile_refused_packages"] != 0 ||
		m[`axiom_reconcile_steps_applied_total{kind="activate"}`] != 1 {
		t.Errorf("after a third pass: %v", m)
	}

	h.stop()
	// The server is gone with Run: the listener is closed.
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("metrics listener still accepts connections after Run returned")
	}
}

func TestHealthBeforeFirstSuccess(t *testing.T) {
	m := NewMetrics()
	health := func() (int, string) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	steps := []struct {
		name string
		do   func()
		code int
		says string
	}{
		{"no pass yet", func() {}, http.StatusServiceUnavailable, "no pass has succeeded yet\n"},
		{"invalid configuration", func() { m.setConfigValid(false) }, http.StatusServiceUnavailable,
			"no pass has succeeded yet: the configuration is invalid"},
		{"valid, waiting for the lock", func() { m.setConfigValid(true); m.setWaiting("pid 42 on h (`axiom-reconcile apply`)") },
			http.StatusServiceUnavailable, "no pass has succeeded yet: waiting for the global lock, held by pid 42 on h (`axiom-reconcile apply`)"},
		{"a cancelled pass is no success", func() {
			m.setWaiting("")
			m.observePass(TriggerSignal, PassResult{}, context.Canceled, true, time.Second, 0, time.Now())
		}, http.StatusServiceUnavailable, "no pass has succeeded yet\n"},
		{"a failed pass", func() {
			m.observePass(TriggerRetry, PassResult{}, errors.New("zfs: busy"), false, time.Second, 0, time.Now())
		}, http.StatusServiceUnavailable, "last pass failed: zfs: busy\n"},
		{"a success", func() { m.observePass(TriggerRetry, PassResult{}, nil, false, time.Second, 0, time.Now()) }, http.StatusOK, "ok\n"},
		// After a success, invalid files and waits do not fail the health check: the daemon
		// enforces the last valid configuration, and waiting is not failing.
		{"invalid after a success", func() { m.setConfigValid(false); m.setWaiting("pid 42") }, http.StatusOK, "ok\n"},
	}
	for _, st := range steps {
		st.do()
		code, body := health()
		if code != st.code || !strings.HasPrefix(body, st.says) {
			t.Errorf("%s: /healthz %d %q, want %d %q", st.name, code, body, st.code, st.says)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	got := parseExposition(t, rec.Body.String())
	if got[`axiom_reconcile_pass_failures_total{trigger="signal"}`] != 0 || got[`axiom_reconcile_pass_failures_total{trigger="retry"}`] != 1 ||
		got["axiom_reconcile_config_valid"] != 0 || got["axiom_reconcile_waiting_for_lock"] != 1 {
		t.Errorf("metrics: %v", got)
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.observePass(TriggerFile, PassResult{Steps: map[string]int{"import": 1}}, nil, false, time.Second, time.Second, time.Now())
	m.setConfigValid(true) // must not panic
	m.setWaiting("pid 1")
}

func TestServeStopsWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, http.NotFoundHandler()) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v, want nil after cancel", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return after cancel")
	}
	if err := ln.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second)); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Serve returned: %v, want net.ErrClosed", err)
	}
}

// parseExposition reads Prometheus text exposition into series → value, the series written as
// in the text (name{labels}).
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad exposition line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad exposition line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// jsonUnmarshalStrict decodes data into v, rejecting fields v does not have.
func jsonUnmarshalStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// The revision info metric names the revision of the last successful pass only: a failed pass
// does not move it, and a new revision replaces the old series.
func TestConfigInfoMetric(t *testing.T) {
	m := NewMetrics()
	scrape := func() map[string]float64 {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return parseExposition(t, rec.Body.String())
	}
	if s := infoSeries(scrape()); len(s) != 0 {
		t.Fatalf("before any pass: %v, want no config_info", s)
	}
	now := time.Now()
	m.observePass(TriggerStartup, PassResult{Revision: "aaa"}, nil, false, 0, 0, now)
	m.observePass(TriggerFile, PassResult{Revision: "bbb-dirty", Dirty: true}, errors.New("busy"), false, 0, 0, now)
	if s := infoSeries(scrape()); len(s) != 1 || s[0] != `axiom_reconcile_config_info{dirty="false",revision="aaa"}` {
		t.Fatalf("after a success and a failure: %v, want the successful pass's revision only", s)
	}
	m.observePass(TriggerFile, PassResult{Revision: "bbb-dirty", Dirty: true}, nil, false, 0, 0, now)
	if s := infoSeries(scrape()); len(s) != 1 || s[0] != `axiom_reconcile_config_info{dirty="true",revision="bbb-dirty"}` {
		t.Fatalf("after a second success: %v, want its revision alone", s)
	}
}

func infoSeries(m map[string]float64) []string {
	var out []string
	for k, v := range m {
		if strings.HasPrefix(k, "axiom_reconcile_config_info{") && v == 1 {
			out = append(out, k)
		}
	}
	return out
}

// integrity_drift follows the passes that checked integrity and keeps its value through those
// that did not.
func TestIntegrityDriftGauge(t *testing.T) {
	m := NewMetrics()
	now := time.Now()
	for _, tc := range []struct {
		res  PassResult
		want float64
	}{
		{PassResult{IntegrityChecked: true, IntegrityDrift: []string{"vim 9.0.2-1 x", "dev/gen-1"}}, 2},
		{PassResult{}, 2}, // not checked: unchanged
		{PassResult{IntegrityChecked: true}, 0},
	} {
		m.observePass(TriggerInterval, tc.res, nil, false, time.Millisecond, 0, now)
		var g dto.Metric
		if err := m.integrity.Write(&g); err != nil {
			t.Fatal(err)
		}
		if got := g.GetGauge().GetValue(); got != tc.want {
			t.Fatalf("after %+v: integrity_drift %v, want %v", tc.res, got, tc.want)
		}
	}
}
