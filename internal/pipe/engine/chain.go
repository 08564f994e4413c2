package engine

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// StageError is a record that a stage failed on under its fail policy.
// It stops the record's way through the chain and goes to the pipeline's
// error policy.
type StageError struct {
	Stage string // the stage's name, such as etl-set
	Index int    // the stage's 1-based position in the chain
	Err   error
}

func (e *StageError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// OutputError is a record that an output rejected when it was written.
type OutputError struct {
	Output string
	Err    error
}

func (e *OutputError) Error() string { return e.Output + ": " + e.Err.Error() }
func (e *OutputError) Unwrap() error { return e.Err }

// chain runs the stages' Processors of one worker on one record at a
// time. Each stage's Emit calls the next stage synchronously, so a record
// goes through the whole chain without its bytes being copied. Every
// stage gets a shallow copy of the record struct, whose byte slices point
// into the fetch buffer or into the previous stage's scratch memory.
type chain struct {
	links []*link
	// sink receives each record that leaves the last stage.
	sink func(rec *record.Record) error
	// sampleEvery is how often, in records, stage latencies are measured.
	sampleEvery int
	sampleLeft  int
}

// link is one stage in a worker's chain.
type link struct {
	name    string
	index   int
	proc    stage.Processor
	policy  stage.Policy
	emit    stage.Emit
	scratch record.Record

	counts   StageCounts
	sampling bool
	inner    time.Duration // time spent downstream while sampling
	samples  []time.Duration
}

// StageCounts are the record counts of one stage.
type StageCounts struct {
	In      int64 `json:"in"`
	Out     int64 `json:"out"`
	Dropped int64 `json:"dropped"` // records that produced no output, without an error
	Errored int64 `json:"errored"` // records the stage failed on, whatever its policy did
}

// newChain creates one Processor per stage.
func newChain(stages []Stage, sink func(*record.Record) error) (*chain, error) {
	c := &chain{sink: sink, sampleEvery: 128}
	for _, s := range stages {
		proc, err := s.Factory()
		if err != nil {
			return nil, fmt.Errorf("start stage %d (%s): %w", s.Index, s.Name, err)
		}
		c.links = append(c.links, &link{name: s.Name, index: s.Index, proc: proc, policy: s.Policy})
	}
	for i, l := range c.links {
		l.emit = c.emitter(i)
	}
	return c, nil
}

// emitter returns the Emit of stage i: it passes a record to stage i+1,
// or to the sink after the last stage.
func (c *chain) emitter(i int) stage.Emit {
	l := c.links[i]
	if i == len(c.links)-1 {
		return func(rec *record.Record) error {
			l.counts.Out++
			if !l.sampling {
				return c.sink(rec)
			}
			start := time.Now()
			err := c.sink(rec)
			l.inner += time.Since(start)
			return err
		}
	}
	next := c.links[i+1]
	return func(rec *record.Record) error {
		l.counts.Out++
		copyShallow(&next.scratch, rec)
		if !l.sampling {
			return c.run(i+1, &next.scratch)
		}
		start := time.Now()
		err := c.run(i+1, &next.scratch)
		l.inner += time.Since(start)
		return err
	}
}

// copyShallow copies src's fields into dst without copying bytes. The
// header slice is copied, so that a stage that edits headers in place
// does not change what the previous stage holds.
func copyShallow(dst, src *record.Record) {
	headers := append(dst.Headers[:0], src.Headers...)
	*dst = *src
	dst.Headers = headers
}

// Process runs rec through the chain. An error is a *StageError, an
// *OutputError or stage.ErrStop.
func (c *chain) Process(rec *record.Record) error {
	if len(c.links) == 0 {
		return c.sink(rec)
	}
	sample := false
	if c.sampleLeft--; c.sampleLeft <= 0 {
		c.sampleLeft = c.sampleEvery
		sample = true
	}
	for _, l := range c.links {
		l.sampling = sample
	}
	copyShallow(&c.links[0].scratch, rec)
	return c.run(0, &c.links[0].scratch)
}

// run runs stage i on rec and applies the stage's own error policy.
func (c *chain) run(i int, rec *record.Record) error {
	l := c.links[i]
	l.counts.In++
	out := l.counts.Out

	var start time.Time
	if l.sampling {
		l.inner = 0
		start = time.Now()
	}
	err := l.proc.Process(rec, l.emit)
	if l.sampling {
		l.samples = append(l.samples, time.Since(start)-l.inner)
	}

	if err == nil {
		if l.counts.Out == out {
			l.counts.Dropped++
		}
		return nil
	}

	// An error that comes back from downstream through Emit was handled
	// where it happened.
	var stageErr *StageError
	var outErr *OutputError
	if errors.Is(err, stage.ErrStop) || errors.As(err, &stageErr) || errors.As(err, &outErr) {
		return err
	}

	l.counts.Errored++
	switch l.policy {
	case stage.PolicySkip:
		return nil
	case stage.PolicyPass:
		return l.emit(rec)
	}
	return &StageError{Stage: l.name, Index: l.index, Err: stage.NewRecordError(l.name, rec, err)}
}

// passLine applies the stages' policies, in order, to a line that could
// not be read as a record. It returns whether the line is passed on to
// the outputs, or the *StageError of the first stage that fails on it.
func (c *chain) passLine(lineErr error) (bool, error) {
	for _, l := range c.links {
		l.counts.In++
		l.counts.Errored++
		switch l.policy {
		case stage.PolicySkip:
			return false, nil
		case stage.PolicyFail:
			return false, &StageError{Stage: l.name, Index: l.index, Err: lineErr}
		}
		l.counts.Out++
	}
	return true, nil
}

// finish calls Finish on the stages that have one, in order, so that what
// a stage emits at the end still goes through the stages after it.
func (c *chain) finish() error {
	for i, l := range c.links {
		fin, ok := l.proc.(stage.Finisher)
		if !ok {
			continue
		}
		for _, m := range c.links[i:] {
			m.sampling = false
		}
		if err := fin.Finish(l.emit); err != nil {
			var stageErr *StageError
			var outErr *OutputError
			if errors.Is(err, stage.ErrStop) || errors.As(err, &stageErr) || errors.As(err, &outErr) {
				return err
			}
			return &StageError{Stage: l.name, Index: l.index, Err: fmt.Errorf("finish: %w", err)}
		}
	}
	return nil
}

// close releases the processors that hold resources, such as Lua
// states.
func (c *chain) close() {
	for _, l := range c.links {
		if closer, ok := l.proc.(io.Closer); ok {
			closer.Close()
		}
	}
}

// takeCounts returns the counts and latency samples gathered since the
// last call, and resets them.
func (c *chain) takeCounts(fn func(index int, counts StageCounts, samples []time.Duration)) {
	for _, l := range c.links {
		fn(l.index, l.counts, l.samples)
		l.counts = StageCounts{}
		l.samples = l.samples[:0]
	}
}
