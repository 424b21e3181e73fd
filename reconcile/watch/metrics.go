package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the daemon's Prometheus metrics and its health, in a registry of its own (never
// the process-global default, so that two daemons in one test binary do not collide). A nil
// *Metrics records nothing. It is safe for concurrent use.
//
// Metrics, all prefixed axiom_reconcile_:
//
//	passes_total{trigger}                  passes run, by trigger
//	pass_failures_total{trigger}           passes that returned an error (not counting cancelled ones)
//	pass_duration_seconds                  histogram of pass durations, time waiting for the global lock excluded
//	lock_wait_seconds                      histogram of the time passes waited for the global lock (passes that waited)
//	waiting_for_lock                       1 while a pass waits for the global lock
//	steps_applied_total{kind}              steps applied, by kind (import, lock, realize, ...)
//	last_success_timestamp_seconds         unix time the last successful pass ended
//	drift_steps                            steps the last pass planned (0: the host had converged)
//	refused_packages                       source packages the last pass left out as unreadable or refused
//	config_valid                           1 when the configuration files were valid at the last load
//	terminal_error                         1 when the last pass failed with a terminal error (see Terminal)
//	config_info{revision,dirty}            1, labelled with the configuration revision the last successful
//	                                       pass applied (see PassResult.Revision); absent before one
//	integrity_drift                        managed packages and generations the last pass's fast verify found changed since committed
//
// plus the standard go_* and process_* collectors.
type Metrics struct {
	reg         *prometheus.Registry
	passes      *prometheus.CounterVec
	failures    *prometheus.CounterVec
	terminal    prometheus.Gauge
	duration    prometheus.Histogram
	lockWait    prometheus.Histogram
	waiting     prometheus.Gauge
	steps       *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	drift       prometheus.Gauge
	refused     prometheus.Gauge
	configValid prometheus.Gauge
	configInfo  *prometheus.GaugeVec
	integrity   prometheus.Gauge

	mu            sync.Mutex
	lastErr       string // error of the most recent pass; "" when it succeeded or none has run
	succeeded     bool   // a pass has succeeded since start
	configInvalid bool   // the configuration was invalid at the last load
	waitingFor    string // the holder of the lock a pass waits for; "" when none does
}

// NewMetrics returns metrics registered in a new private registry.
func NewMetrics() *Metrics {
	const ns = "axiom_reconcile"
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "passes_total", Help: "Reconcile passes run, by trigger.",
		}, []string{"trigger"}),
		integrity: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "integrity_drift", Help: "Managed packages and generations the last pass found changed since they were committed (fast verify; repair with axiom-reconcile verify --repair).",
		}),
		terminal: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "terminal_error", Help: "1 when the last pass failed with an error no retry can fix (configuration or store content), else 0.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "pass_failures_total", Help: "Reconcile passes that failed, by trigger.",
		}, []string{"trigger"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Name: "pass_duration_seconds", Help: "Duration of reconcile passes.",
			// 0.1s (nothing to do, warm) to about 6m (large imports).
			Buckets: prometheus.ExponentialBuckets(0.1, 2.5, 10),
		}),
		lockWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Name: "lock_wait_seconds", Help: "Time passes waited for the global lock held by another process (passes that waited).",
			// 0.1s to about 30m (behind a long apply or an upstream axiom gc).
			Buckets: prometheus.ExponentialBuckets(0.1, 3, 10),
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "waiting_for_lock", Help: "1 while a pass waits for the global lock held by another process, else 0.",
		}),
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "steps_applied_total", Help: "Steps applied, by kind.",
		}, []string{"kind"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "last_success_timestamp_seconds", Help: "Unix time the last successful pass ended.",
		}),
		drift: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "drift_steps", Help: "Steps the last pass planned; 0 when the host had converged.",
		}),
		refused: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "refused_packages", Help: "Source packages the last planned pass left out because they could not be read or were refused (see the log).",
		}),
		configValid: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Name: "config_valid", Help: "1 if the configuration was valid when last loaded, else 0.",
		}),
		configInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Name: "config_info", Help: "1, labelled with the configuration revision (Git commit, \"none\" outside Git) the last successful pass applied and whether its tree was dirty.",
		}, []string{"revision", "dirty"}),
	}
	m.reg.MustRegister(m.passes, m.failures, m.terminal, m.duration, m.lockWait, m.waiting, m.steps, m.lastSuccess, m.drift, m.refused, m.configValid, m.configInfo, m.integrity,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Export every trigger from the start, so that rate() sees the first increment.
	for _, t := range []Trigger{TriggerStartup, TriggerFile, TriggerInterval, TriggerSignal, TriggerRetry} {
		m.passes.WithLabelValues(string(t))
		m.failures.WithLabelValues(string(t))
	}
	return m
}

// Handler serves /metrics (Prometheus text exposition) and /healthz: 200 "ok" when the most
// recent pass succeeded, or failed no pass since the last success; 503 with a reason when the
// most recent pass failed (its error) or no pass has succeeded since start (invalid
// configuration, waiting for the global lock, or simply not done yet). A cancelled pass, and
// invalid configuration after a success, leave the health as it was.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("GET /healthz", m.serveHealth)
	return mux
}

func (m *Metrics) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if reason := m.unhealthy(); reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, reason)
		return
	}
	fmt.Fprintln(w, "ok")
}

// unhealthy returns why /healthz fails, or "" when it does not.
func (m *Metrics) unhealthy() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.lastErr != "":
		return "last pass failed: " + m.lastErr
	case m.succeeded:
		return ""
	case m.waitingFor != "":
		return "no pass has succeeded yet: waiting for the global lock, held by " + m.waitingFor
	case m.configInvalid:
		return "no pass has succeeded yet: the configuration is invalid (see the log or the status file)"
	default:
		return "no pass has succeeded yet"
	}
}

// observePass records one pass that ran: d is its duration without wait, the time it waited
// for the global lock. err is nil for success; cancelled passes are not failures and do not
// change the health.
func (m *Metrics) observePass(t Trigger, res PassResult, err error, cancelled bool, d, wait time.Duration, end time.Time) {
	if m == nil {
		return
	}
	m.passes.WithLabelValues(string(t)).Inc()
	m.duration.Observe(d.Seconds())
	if wait > 0 {
		m.lockWait.Observe(wait.Seconds())
	}
	for kind, n := range res.Steps {
		m.steps.WithLabelValues(kind).Add(float64(n))
	}
	if err == nil || res.Planned > 0 {
		// A pass that failed before planning knows nothing about drift: keep the last value.
		m.drift.Set(float64(res.Planned))
		m.refused.Set(float64(len(res.Refused)))
	}
	if res.IntegrityChecked {
		m.integrity.Set(float64(len(res.IntegrityDrift)))
	}
	if cancelled {
		return
	}
	if Terminal(err) {
		m.terminal.Set(1)
	} else {
		m.terminal.Set(0)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.failures.WithLabelValues(string(t)).Inc()
		m.lastErr = err.Error()
		return
	}
	m.lastErr = ""
	m.succeeded = true
	if res.Revision != "" {
		m.configInfo.Reset() // one series: the revision applied last
		m.configInfo.WithLabelValues(res.Revision, fmt.Sprint(res.Dirty)).Set(1)
	}
	m.lastSuccess.Set(float64(end.UnixNano()) / 1e9)
}

func (m *Metrics) setConfigValid(ok bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.configInvalid = !ok
	m.mu.Unlock()
	if ok {
		m.configValid.Set(1)
	} else {
		m.configValid.Set(0)
	}
}

// setWaiting records that a pass waits for the global lock held by holder, or ("") that none
// does.
func (m *Metrics) setWaiting(holder string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.waitingFor = holder
	m.mu.Unlock()
	if holder != "" {
		m.waiting.Set(1)
	} else {
		m.waiting.Set(0)
	}
}

// shutdownGrace bounds how long Serve waits for requests in flight when it stops.
const shutdownGrace = 5 * time.Second

// Serve serves h on ln until ctx is cancelled, then shuts the server down (waiting up to 5s for
// requests in flight) and returns nil. It closes ln. It returns an error only if serving failed;
// when it returns, no goroutine it started is left.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics server on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // requests still running after the grace period are cut off
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics server on %s: %w", ln.Addr(), err)
	}
	return nil
}
