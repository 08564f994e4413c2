package lua

import (
	"context"
	"sync"
	"time"

	glua "github.com/yuin/gopher-lua"
)

// watchdog ends a script call that runs longer than its time budget.
//
// gopher-lua checks the state's context between instructions, so the
// watchdog cancels that context when the budget is spent. One timer and
// one context serve every call: a per-call context.WithTimeout would cost
// allocations on every record. A context is replaced only after it fired.
//
// NOTE: a call blocked inside one Go function (a huge string.rep, say) is
// only stopped when that function returns to the interpreter.
type watchdog struct {
	L      *glua.LState
	budget time.Duration

	mu       sync.Mutex
	timer    *time.Timer
	cancel   context.CancelFunc
	deadline time.Time // zero when no call runs
	fired    bool
}

// newWatchdog returns a watchdog for L, or nil when budget is zero (no limit).
func newWatchdog(L *glua.LState, budget time.Duration) *watchdog {
	if budget <= 0 {
		return nil
	}
	w := &watchdog{L: L, budget: budget}
	w.renew()
	w.timer = time.AfterFunc(time.Hour, w.expire)
	w.timer.Stop()
	return w
}

// renew gives L a fresh context.
func (w *watchdog) renew() {
	ctx, cancel := context.WithCancel(context.Background())
	w.L.SetContext(ctx)
	w.cancel = cancel
}

// start arms the budget for one call.
func (w *watchdog) start() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.deadline = time.Now().Add(w.budget)
	w.timer.Reset(w.budget)
	w.mu.Unlock()
}

// stop disarms the budget and reports whether it ran out during the call.
func (w *watchdog) stop() (expired bool) {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	w.deadline = time.Time{}
	if !w.fired {
		return false
	}
	w.fired = false
	w.renew()
	return true
}

// expire runs on the timer's goroutine. A timer that was stopped too late
// to prevent the run finds no deadline, or one that is not due yet (the
// next call's), and does nothing.
func (w *watchdog) expire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deadline.IsZero() || time.Now().Before(w.deadline) {
		return
	}
	w.fired = true
	w.cancel()
}

// close releases the timer and the context.
func (w *watchdog) close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	w.deadline = time.Time{}
	w.cancel()
}
