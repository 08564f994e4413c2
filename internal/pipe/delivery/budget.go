package delivery

import (
	"context"
	"sync"
)

// Budget bounds the records in flight in a pipeline: fetched but not yet
// behind a committable offset. Readers Acquire before they hand records
// on and wait while the budget is spent, which pauses fetching, so memory
// is bounded by the configuration and not by the consumer lag.
type Budget struct {
	mu      sync.Mutex
	max     int
	used    int
	waiting int           // Acquire calls waiting for changed, not yet woken
	need    int           // the smallest request among them, as far as known
	changed chan struct{} // closed and replaced when a waiting request may fit
	onWait  func()        // called when a request starts to wait
}

// NewBudget returns a budget of max records.
func NewBudget(max int) *Budget {
	return &Budget{max: max, changed: make(chan struct{})}
}

// SetOnWait sets a function that Acquire calls, without holding any
// lock, each time a request finds the budget spent and starts to wait.
// Outputs that hold records back to batch them can then send them at
// once: their acknowledgements are what frees the budget. Set it before
// the budget is used.
func (b *Budget) SetOnWait(f func()) { b.onWait = f }

// Acquire takes n records from the budget, waiting until they fit or ctx
// ends. A request larger than the whole budget waits for an empty budget
// and then goes through, so that one large fetch cannot block forever.
func (b *Budget) Acquire(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		if b.used+n <= b.max || b.used == 0 {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		changed := b.changed
		if b.waiting == 0 || n < b.need {
			b.need = n
		}
		b.waiting++
		b.mu.Unlock()

		if b.onWait != nil {
			b.onWait()
		}
		select {
		case <-changed:
			// Release counted this reader out when it woke it.
		case <-ctx.Done():
			b.mu.Lock()
			if b.changed == changed {
				b.waiting--
			}
			b.mu.Unlock()
			return ctx.Err()
		}
	}
}

// Release gives n records back.
func (b *Budget) Release(n int) {
	b.mu.Lock()
	b.used -= n
	if b.used < 0 {
		b.used = 0
	}
	// Release runs once per acknowledged record or so. Waking the
	// readers only when the smallest request they wait with fits keeps a
	// reader that waits for a whole poll from waking, and Release from
	// allocating a channel, on every record. need may be smaller than any
	// request still waiting, after a reader gave up; that only wakes the
	// others early, and they wait again. The woken readers leave the
	// count at once, so that the Releases that come before they run find
	// no one left to wake.
	if b.waiting > 0 && (b.used+b.need <= b.max || b.used == 0) {
		close(b.changed)
		b.changed = make(chan struct{})
		b.waiting, b.need = 0, 0
	}
	b.mu.Unlock()
}

// Waiting reports whether a request waits for the budget.
func (b *Budget) Waiting() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiting > 0
}

// Used returns the records in flight.
func (b *Budget) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Max returns the size of the budget.
func (b *Budget) Max() int { return b.max }
