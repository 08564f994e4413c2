package engine

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names: namespace etl, subsystem pipe. The package doc of
// internal/pipe lists them for users; a golden test keeps both in step.
const (
	namespace = "etl"
	subsystem = "pipe"
)

// Metrics are the Prometheus metrics of the pipelines that one etl-pipe
// process runs. They outlive a reload: a stage keeps its series as long as
// its name and position stay the same.
type Metrics struct {
	RecordsIn      *prometheus.CounterVec
	RecordsOut     *prometheus.CounterVec
	RecordsDropped *prometheus.CounterVec
	RecordsErrored *prometheus.CounterVec
	StageLatency   *prometheus.HistogramVec

	SourceRecords  prometheus.Counter
	ConsumerLag    *prometheus.GaugeVec
	Assigned       prometheus.Gauge
	BufferUsed     prometheus.Gauge
	BufferCapacity prometheus.Gauge
	Commits        *prometheus.CounterVec

	OutputRecords *prometheus.CounterVec
	OutputRetries *prometheus.CounterVec
	RecordErrors  *prometheus.CounterVec

	Running prometheus.Gauge
	Paused  prometheus.Gauge
	Reloads *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	stageLabels := []string{"stage", "index"}
	m := &Metrics{
		RecordsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "stage_records_in_total",
			Help: "Records given to a stage.",
		}, stageLabels),
		RecordsOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "stage_records_out_total",
			Help: "Records a stage emitted.",
		}, stageLabels),
		RecordsDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "stage_records_dropped_total",
			Help: "Records for which a stage emitted nothing without an error, such as those a filter dropped.",
		}, stageLabels),
		RecordsErrored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "stage_records_errored_total",
			Help: "Records a stage failed on, whatever its error policy then did with them.",
		}, stageLabels),
		StageLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "stage_duration_seconds",
			Help:    "Time a stage spent on one record, without the stages after it; measured on one record in 128.",
			Buckets: prometheus.ExponentialBuckets(250e-9, 4, 10),
		}, stageLabels),

		SourceRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "source_records_total",
			Help: "Records read from the input.",
		}),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "consumer_lag_records",
			Help: "Records between the committable offset and the high watermark, per assigned partition.",
		}, []string{"topic", "partition"}),
		Assigned: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "assigned_partitions",
			Help: "Partitions assigned to this process.",
		}),
		BufferUsed: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "buffer_records",
			Help: "Records in flight: read and not yet acknowledged by every output.",
		}),
		BufferCapacity: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "buffer_capacity_records",
			Help: "Records that may be in flight before fetching pauses (the buffer setting).",
		}),
		Commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "commits_total",
			Help: "Offset commits, by result: ok or error.",
		}, []string{"result"}),

		OutputRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "output_records_total",
			Help: "Records an output finished with, by result: delivered or failed.",
		}, []string{"output", "result"}),
		OutputRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "output_retries_total",
			Help: "Retries of records that an output failed to deliver.",
		}, []string{"output"}),
		RecordErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "record_errors_total",
			Help: "Records handled by the pipeline's error policy, by action: skip or dlq.",
		}, []string{"action"}),

		Running: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "running",
			Help: "1 while a pipeline runs, 0 when it is stopped.",
		}),
		Paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "paused",
			Help: "1 while fetching is paused through the control API.",
		}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: subsystem, Name: "reloads_total",
			Help: "Configuration reloads, by result: ok or invalid.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.Collectors()...)

	// The counters with a fixed set of labels start at zero, so that a
	// rate() over them has data before their first event.
	for _, result := range []string{"ok", "error"} {
		m.Commits.WithLabelValues(result)
	}
	for _, action := range []string{ActionSkip, ActionDLQ} {
		m.RecordErrors.WithLabelValues(action)
	}
	for _, result := range []string{"ok", "invalid"} {
		m.Reloads.WithLabelValues(result)
	}
	return m
}

// Collectors returns every metric, in the order of the package doc.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.RecordsIn, m.RecordsOut, m.RecordsDropped, m.RecordsErrored, m.StageLatency,
		m.SourceRecords, m.ConsumerLag, m.Assigned, m.BufferUsed, m.BufferCapacity, m.Commits,
		m.OutputRecords, m.OutputRetries, m.RecordErrors, m.Running, m.Paused, m.Reloads}
}

// stageLabels returns the label values of a stage.
func stageLabels(name string, index int) prometheus.Labels {
	return prometheus.Labels{"stage": name, "index": strconv.Itoa(index)}
}

// nopRegisterer accepts registrations and keeps nothing, for engines
// created without metrics.
type nopRegisterer struct{}

func (nopRegisterer) Register(prometheus.Collector) error  { return nil }
func (nopRegisterer) MustRegister(...prometheus.Collector) {}
func (nopRegisterer) Unregister(prometheus.Collector) bool { return true }
