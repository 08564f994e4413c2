package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/etelgo/etelgo/internal/pipe/output"
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// countEvery is how many records a worker handles between two updates
// of the shared counts.
const countEvery = 1024

// runStdin runs a pipeline that reads lines from a stream. Lines have no
// partitions and keep their order, so one worker runs the chain in the
// reading goroutine, without copying the record out of the reader.
func (e *Engine) runStdin(ctx context.Context) error {
	src := e.spec.Stdin
	if err := e.openOutputs(record.FormatAuto); err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.statsMu.Lock()
	e.stop = cancel
	e.statsMu.Unlock()

	flushCtx, stopFlush := context.WithCancel(context.Background())
	defer stopFlush()
	go e.flushLines(flushCtx)

	done := &streamDone{e: e}
	sink := func(rec *record.Record) error {
		for _, o := range e.outputs {
			err := o.Write(runCtx, rec, done)
			if errors.Is(err, output.ErrClosed) {
				e.outputClosed(o.Name())
				return stage.ErrStop
			}
			if err != nil {
				return &OutputError{Output: o.Name(), Err: err}
			}
		}
		return nil
	}
	c, err := newChain(e.spec.Stages, sink)
	if err != nil {
		return err
	}

	runErr := e.readLines(runCtx, src, c)
	if runErr == nil && runCtx.Err() == nil && !e.closed.Load() {
		runErr = c.finish()
		if errors.Is(runErr, stage.ErrStop) {
			runErr = nil
		}
	}
	e.addCounts(c)
	c.close()
	stopFlush()

	closeCtx, cancelClose := context.WithTimeout(context.Background(), e.spec.ShutdownTimeout)
	defer cancelClose()
	closeErr := e.closeOutputs(closeCtx, e.outputs)
	if runErr != nil {
		return runErr
	}
	return closeErr
}

// readLines reads records until the end of the stream or ctx ends, and
// runs each through the chain.
func (e *Engine) readLines(ctx context.Context, src *StdinSource, c *chain) error {
	reader := record.NewReader(src.In, src.Format, src.MaxRecordSize)
	formatSet := false
	n := 0
	for ctx.Err() == nil {
		rec, err := reader.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var lineErr *record.LineError
		if errors.As(err, &lineErr) {
			err := e.badLine(ctx, c, lineErr)
			if errors.Is(err, output.ErrClosed) {
				e.outputClosed("stdout")
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}

		if !formatSet && reader.Format() != record.FormatAuto {
			for _, l := range e.lines {
				l.SetFormat(reader.Format())
			}
			formatSet = true
		}
		if n++; n%countEvery == 0 {
			e.addCounts(c)
			e.addSource(countEvery)
		}

		err = c.Process(rec)
		if err == nil {
			continue
		}
		if errors.Is(err, stage.ErrStop) {
			return nil
		}
		f, ok := failureOf(err, rec, rec)
		if !ok {
			return err
		}
		if err := e.handleFailure(ctx, f, nil); err != nil {
			return err
		}
	}
	e.addSource(n % countEvery)
	return nil
}

// badLine handles a line that is not a record: the stages' policies
// decide, as each stage of a shell pipeline would in turn.
func (e *Engine) badLine(ctx context.Context, c *chain, lineErr *record.LineError) error {
	pass, err := c.passLine(lineErr)
	if err != nil {
		raw := &record.Record{Value: lineErr.Raw, Line: lineErr.Line}
		var stageErr *StageError
		errors.As(err, &stageErr)
		return e.handleFailure(ctx, failure{err: err, stage: stageErr.Stage, rec: raw, source: raw}, nil)
	}
	if !pass || lineErr.Raw == nil {
		return nil
	}
	for _, o := range e.outputs {
		if l, ok := o.(*output.Lines); ok {
			if err := l.WriteRaw(lineErr.Raw); err != nil {
				return &OutputError{Output: l.Name(), Err: err}
			}
			continue
		}
		raw := &record.Record{Value: lineErr.Raw, Line: lineErr.Line}
		if err := o.Write(ctx, raw, &streamDone{e: e}); err != nil {
			return &OutputError{Output: o.Name(), Err: err}
		}
	}
	return nil
}

// streamDone is the Done of records read from a stream, which have no
// offsets to commit: a failure goes to the error policy.
type streamDone struct{ e *Engine }

func (d *streamDone) Delivered(err error, failed *record.Record) {
	if err == nil {
		return
	}
	if failed == nil {
		d.e.fail(err)
		return
	}
	if ferr := d.e.handleFailure(context.Background(), failure{err: err, stage: stageOutput, rec: failed, source: failed}, nil); ferr != nil {
		d.e.fail(ferr)
	}
}
