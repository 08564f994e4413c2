// Package stage defines the interface that every record-processing stage
// implements, the error policy they share, and the runner that drives a
// stage over a line stream (stdin to stdout) for the Unix binaries.
//
// etl-pipe drives the same Processor values through channels, so a stage
// is written once and behaves the same in a shell pipeline and in-process.
package stage

import "github.com/etelgo/etelgo/internal/record"

// Emit passes a record downstream. The callee consumes the record before
// returning (it writes it out or copies it), so the caller may reuse the
// record and its bytes afterwards.
type Emit func(rec *record.Record) error

// Processor transforms records, one at a time.
//
// Process either succeeds, emitting zero or more records (zero drops the
// record, several fan it out), or returns an error and leaves rec exactly
// as it was, having emitted nothing; the runner then applies the error
// policy to the untouched record. Process may point rec's slices at
// memory owned by the processor, valid until its next call.
//
// A Processor is used by one goroutine at a time. Parallel runners create
// one Processor per worker from a Factory.
type Processor interface {
	Process(rec *record.Record, emit Emit) error
}

// Finisher is implemented by processors that emit records at the end of a
// stream, after the last record was processed.
type Finisher interface {
	Finish(emit Emit) error
}

// Factory creates one Processor per worker. Everything a stage compiles
// from its arguments (paths, expressions, scripts) is compiled once, when
// the Factory is built, so creating a Processor is cheap and cannot fail
// on bad arguments.
type Factory func() (Processor, error)
