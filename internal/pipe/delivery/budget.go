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
	waiting int           // Acquire calls waiting for changed
	changed chan struct{} // closed and replaced when used goes down while someone waits
}

// NewBudget returns a budget of max records.
func NewBudget(max int) *Budget {
	return &Budget{max: max, changed: make(chan struct{})}
}

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
		b.waiting++
		b.mu.Unlock()

		var err error
		select {
		case <-changed:
		case <-ctx.Done():
			err = ctx.Err()
		}
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
		if err != nil {
			return err
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
	// Release runs once per acknowledged record or so: a new channel
	// only when a reader waits keeps it from allocating.
	if b.waiting > 0 {
		close(b.changed)
		b.changed = make(chan struct{})
	}
	b.mu.Unlock()
}

// Used returns the records in flight.
func (b *Budget) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Max returns the size of the budget.
func (b *Budget) Max() int { return b.max }
