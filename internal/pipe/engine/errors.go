package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
)

// Headers that a record on the dead-letter topic carries besides its own.
const (
	HeaderError           = "etl.error"
	HeaderStage           = "etl.stage"
	HeaderSourceTopic     = "etl.source.topic"
	HeaderSourcePartition = "etl.source.partition"
	HeaderSourceOffset    = "etl.source.offset"
	HeaderSourceLine      = "etl.source.line"
)

// stageOutput is the stage named in the headers and logs of a record
// that an output rejected or failed to deliver.
const stageOutput = "output"

// maxRecordWarnings is the number of per-record errors logged in full;
// after it, one in every recordWarningEvery is.
const (
	maxRecordWarnings  = 10
	recordWarningEvery = 1000
)

// failure names where a record failed, for the error policy.
type failure struct {
	err   error
	stage string // the stage or output that failed
	// rec is the record to send to the dead-letter topic: the record as
	// read for a stage error, the output's copy for an output error.
	rec *record.Record
	// source is the record as read from the input, for the headers.
	source *record.Record
}

// handleFailure applies the pipeline's error policy to one failed
// record. It returns the error that stops the pipeline under the fail
// policy. hold, when not nil, is acquired while the record is on its way
// to the dead-letter topic, so that its offset is committed only after.
func (e *Engine) handleFailure(ctx context.Context, f failure, hold holder) error {
	switch e.spec.OnError.Action {
	case ActionSkip:
		e.metrics.RecordErrors.WithLabelValues(ActionSkip).Inc()
		e.warnRecord("record skipped after an error", f)
		return nil
	case ActionDLQ:
		if e.dlq == nil {
			return f.err
		}
		e.metrics.RecordErrors.WithLabelValues(ActionDLQ).Inc()
		dead := deadLetter(f)
		// The record is logged once the topic acknowledged it, with what
		// the log needs copied: f points into buffers reused meanwhile.
		var done output.Done = &dlqDone{e: e, hold: hold, f: failure{err: f.err, stage: f.stage, source: position(f.source)}}
		if hold != nil {
			hold.hold()
		}
		if err := e.dlq.Write(ctx, dead, done); err != nil {
			if hold != nil {
				hold.release()
			}
			return fmt.Errorf("write to the dead-letter topic %q: %w", e.spec.OnError.Topic, err)
		}
		return nil
	}
	return f.err
}

var recordWarnings atomic.Int64

func (e *Engine) warnRecord(msg string, f failure) {
	n := recordWarnings.Add(1)
	if n > maxRecordWarnings && n%recordWarningEvery != 0 {
		return
	}
	args := []any{"stage", f.stage, "err", f.err}
	if src := f.source; src != nil && src.HasMeta && src.Topic != "" {
		args = append(args, "topic", src.Topic, "partition", src.Partition, "offset", src.Offset)
	} else if src != nil && src.Line > 0 {
		args = append(args, "line", src.Line)
	}
	if n > maxRecordWarnings {
		args = append(args, "errors_so_far", n)
	}
	e.log.Warn(msg, args...)
}

// deadLetter returns the record for the dead-letter topic: the failed
// record's key, value, headers and timestamp, with headers naming the
// error, the stage, and where the record was read. The error headers of
// a record that was dead-lettered before are replaced, so that a record
// read back from a dead-letter topic and failing again carries one set.
func deadLetter(f failure) *record.Record {
	dead := &record.Record{Value: f.rec.Value, Key: f.rec.Key, Timestamp: f.rec.Timestamp, HasMeta: true}
	for _, h := range f.rec.Headers {
		if !isErrorHeader(h.Key) {
			dead.Headers = append(dead.Headers, h)
		}
	}
	dead.Headers = append(dead.Headers,
		record.Header{Key: HeaderError, Value: []byte(f.err.Error())},
		record.Header{Key: HeaderStage, Value: []byte(f.stage)},
	)
	if src := f.source; src != nil && src.HasMeta && src.Topic != "" {
		dead.Headers = append(dead.Headers,
			record.Header{Key: HeaderSourceTopic, Value: []byte(src.Topic)},
			record.Header{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(src.Partition), 10)},
			record.Header{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, src.Offset, 10)},
		)
	} else if src != nil && src.Line > 0 {
		dead.Headers = append(dead.Headers, record.Header{Key: HeaderSourceLine, Value: strconv.AppendInt(nil, src.Line, 10)})
	}
	return dead
}

// isErrorHeader reports whether key is one of the headers deadLetter
// adds.
func isErrorHeader(key string) bool {
	return key == HeaderError || key == HeaderStage || strings.HasPrefix(key, "etl.source.")
}

// holder is the waiter for a record's deliveries: a token in a Kafka
// pipeline.
type holder interface {
	hold()
	release()
}

// dlqDone is the Done of a write to the dead-letter topic. A failure
// there stops the pipeline: there is nowhere left to put the record.
type dlqDone struct {
	e    *Engine
	hold holder
	f    failure // for the log line, without the record
}

func (d *dlqDone) Delivered(err error, _ *record.Record) {
	if err != nil {
		d.e.fail(fmt.Errorf("write to the dead-letter topic %q: %w", d.e.spec.OnError.Topic, err))
		return
	}
	d.e.warnRecord("record sent to the dead-letter topic", d.f)
	if d.hold != nil {
		d.hold.release()
	}
}

// position returns where rec was read, without its bytes.
func position(rec *record.Record) *record.Record {
	if rec == nil {
		return nil
	}
	return &record.Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Line: rec.Line, HasMeta: rec.HasMeta}
}

// failureOf classifies an error from the chain.
func failureOf(err error, rec, source *record.Record) (failure, bool) {
	var stageErr *StageError
	if errors.As(err, &stageErr) {
		return failure{err: err, stage: stageErr.Stage, rec: rec, source: source}, true
	}
	var outErr *OutputError
	var recErr *output.RecordError
	if errors.As(err, &outErr) && (errors.Is(err, record.ErrNewlineInValue) || errors.As(err, &recErr)) {
		// The error names the output; the header names the kind of step,
		// as for a record that an output failed to deliver.
		return failure{err: err, stage: stageOutput, rec: rec, source: source}, true
	}
	return failure{}, false
}
