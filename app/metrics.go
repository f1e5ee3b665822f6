package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"innsjekk/engine"
	"innsjekk/store"
)

// metrics are the bot's Prometheus metrics, in the exposition any
// monitoring system reads: counters of updates, steps and sends, the
// outbox's depth per class, scheduler lag, job runs, Redis errors, and the
// Go runtime's and the process's own. Labels carry codes (flow, reason,
// outcome, kind), never names, chat ids or message text.
type metrics struct {
	reg       *prometheus.Registry
	received  prometheus.Counter
	handled   *prometheus.CounterVec
	steps     *prometheus.CounterVec
	sends     *prometheus.CounterVec
	jobs      *prometheus.CounterVec
	lag       prometheus.Histogram
	redisErrs *prometheus.CounterVec
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.received = prometheus.NewCounter(prometheus.CounterOpts{Name: "innsjekk_updates_received_total",
		Help: "Updates stored by the poller or the webhook, duplicates included."})
	m.handled = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "innsjekk_updates_handled_total",
		Help: "Updates handled, by flow."}, []string{"flow"})
	m.steps = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "innsjekk_steps_total",
		Help: "Flow steps, from updates and jobs, by flow and the reason the step gave."}, []string{"flow", "reason"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "innsjekk_sends_total",
		Help: "Send attempts to Telegram, by send class and outcome (ok, retry_after, transient, blocked, rejected)."},
		[]string{"class", "outcome"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "innsjekk_jobs_total",
		Help: "Scheduled jobs run, by kind."}, []string{"kind"})
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "innsjekk_scheduler_lag_seconds",
		Help: "How long after it fell due a job ran.", Buckets: []float64{.01, .05, .1, .5, 1, 5, 30, 60, 300, 3600}})
	m.redisErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "innsjekk_redis_errors_total",
		Help: "Redis operations that failed, by what was being done."}, []string{"op"})
	m.reg.MustRegister(m.received, m.handled, m.steps, m.sends, m.jobs, m.lag, m.redisErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&outboxDepth{st: st,
			chats: prometheus.NewDesc("innsjekk_outbox_chats",
				"Chats with messages waiting in the outbox, by send class.", []string{"class"}, nil),
			total: prometheus.NewDesc("innsjekk_outbox_messages", "Messages waiting in the outbox.", nil, nil)})
	return m
}

// observe turns the engine's events into metrics.
func (m *metrics) observe(ev engine.Event) {
	switch ev.Kind {
	case "intake":
		m.received.Inc()
	case "step":
		m.handled.WithLabelValues(orNone(ev.Flow)).Inc()
		m.steps.WithLabelValues(orNone(ev.Flow), orNone(ev.Reason)).Inc()
	case "job":
		m.jobs.WithLabelValues(orNone(ev.Job)).Inc()
		if ev.Flow != "" {
			m.steps.WithLabelValues(ev.Flow, orNone(ev.Reason)).Inc()
		}
		if ev.Lag >= 0 {
			m.lag.Observe(ev.Lag.Seconds())
		}
	case "sent", "retry", "dropped":
		m.sends.WithLabelValues(orNone(ev.Class), orNone(ev.Outcome)).Inc()
	case "redis_error":
		m.redisErrs.WithLabelValues(orNone(ev.Detail)).Inc()
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// handler serves the exposition.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// outboxDepth reads the outbox's queues when scraped.
type outboxDepth struct {
	st           *store.Store
	chats, total *prometheus.Desc
}

func (o *outboxDepth) Describe(ch chan<- *prometheus.Desc) { ch <- o.chats; ch <- o.total }

func (o *outboxDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := o.st.OutboxDepth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.chats, err)
		return
	}
	for class, n := range depth {
		ch <- prometheus.MustNewConstMetric(o.chats, prometheus.GaugeValue, float64(n), class)
	}
	n, err := o.st.OutboxLen(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.total, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(o.total, prometheus.GaugeValue, float64(n))
}
