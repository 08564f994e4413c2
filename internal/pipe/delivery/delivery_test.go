package delivery

import (
	"context"
	"math/rand"
	"testing"
	"time"
)

func TestPartitionWatermark(t *testing.T) {
	released := 0
	p := NewPartition("t", 0, func(n int) { released += n })

	// Offsets with a gap, as compaction or transaction markers leave.
	first, ok := p.Register([]int64{10, 11, 13, 14}, []int32{1, 1, 1, 2})
	if !ok || first != 0 {
		t.Fatalf("Register = %d, %v", first, ok)
	}
	steps := []struct {
		ack        int64
		commit     int64
		epoch      int32
		inFlight   int
		releasedTo int
	}{
		{1, -1, 0, 4, 0}, // 11 done, 10 still in flight: nothing to commit
		{3, -1, 0, 4, 0}, // 14 done
		{0, 12, 1, 2, 2}, // 10 done: 10 and 11 are behind the watermark
		{2, 15, 2, 0, 4}, // 13 done: everything
		{2, 15, 2, 0, 4}, // a repeated ack changes nothing
	}
	for i, s := range steps {
		p.Ack(s.ack)
		commit, epoch := p.Committable()
		if commit != s.commit || (s.commit >= 0 && epoch != s.epoch) || p.InFlight() != s.inFlight || released != s.releasedTo {
			t.Errorf("step %d: commit %d epoch %d in flight %d released %d; want %d %d %d %d",
				i, commit, epoch, p.InFlight(), released, s.commit, s.epoch, s.inFlight, s.releasedTo)
		}
	}
}

func TestPartitionRandomOrder(t *testing.T) {
	p := NewPartition("t", 0, nil)
	const n = 5000
	rng := rand.New(rand.NewSource(1))
	offsets := make([]int64, n)
	for i := range offsets {
		offsets[i] = int64(i) * 2
	}
	// Register in batches, ack in random order, and check after each ack
	// that the commit never passes a record in flight.
	for i := 0; i < n; i += 100 {
		p.Register(offsets[i:i+100], nil)
	}
	done := make([]bool, n)
	for _, i := range rng.Perm(n) {
		p.Ack(int64(i))
		done[i] = true
		commit, _ := p.Committable()
		prefix := 0
		for prefix < n && done[prefix] {
			prefix++
		}
		want := int64(-1)
		if prefix > 0 {
			want = offsets[prefix-1] + 1
		}
		if commit != want {
			t.Fatalf("after %d acks: commit %d, want %d", prefix, commit, want)
		}
	}
}

func TestPartitionRevoke(t *testing.T) {
	released := 0
	p := NewPartition("t", 0, func(n int) { released += n })
	p.Register([]int64{1, 2, 3}, nil)
	drained := p.Drained()
	if n := p.Revoke(); n != 3 || released != 3 {
		t.Errorf("Revoke = %d, released %d; want 3, 3", n, released)
	}
	select {
	case <-drained:
	default:
		t.Error("Drained not closed by Revoke")
	}
	if _, ok := p.Register([]int64{4}, nil); ok {
		t.Error("Register after Revoke succeeded")
	}
	p.Ack(0) // ignored
	if c, _ := p.Committable(); c != -1 {
		t.Errorf("commit after revoke = %d", c)
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(10)
	ctx := context.Background()
	if err := b.Acquire(ctx, 8); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.Acquire(ctx, 5) }()
	select {
	case <-got:
		t.Fatal("Acquire beyond the budget did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	b.Release(4)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if b.Used() != 9 {
		t.Errorf("Used = %d, want 9", b.Used())
	}

	// A request larger than the budget goes through an empty budget.
	b.Release(9)
	if err := b.Acquire(ctx, 50); err != nil || b.Used() != 50 {
		t.Errorf("large Acquire = %v, used %d", err, b.Used())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Acquire(cancelled, 1); err == nil {
		t.Error("Acquire on a full budget with a cancelled context succeeded")
	}
}

// A Release that leaves a waiting request too large to fit does not wake
// its reader. The Release that makes it fit does, and so does the one
// that empties the budget.
func TestBudgetWakesWhenTheRequestFits(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		held     int
		request  int
		releases []int
		wakeAt   int // index in releases of the Release that must wake the reader
	}{
		{name: "fits after the third", max: 10, held: 10, request: 3, releases: []int{1, 1, 1}, wakeAt: 2},
		{name: "fits after the first", max: 10, held: 10, request: 3, releases: []int{5, 1}, wakeAt: 0},
		{name: "larger than the budget waits for empty", max: 10, held: 10, request: 20, releases: []int{4, 5, 1}, wakeAt: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(tc.max)
			if err := b.Acquire(context.Background(), tc.held); err != nil {
				t.Fatal(err)
			}
			got := make(chan error, 1)
			go func() { got <- b.Acquire(context.Background(), tc.request) }()
			waitFor(t, func() bool {
				b.mu.Lock()
				defer b.mu.Unlock()
				return b.waiting == 1
			})
			for i, n := range tc.releases {
				b.mu.Lock()
				before := b.changed
				b.mu.Unlock()
				b.Release(n)
				b.mu.Lock()
				woken := b.changed != before
				b.mu.Unlock()
				if woken != (i == tc.wakeAt) {
					t.Errorf("Release %d of %v: woke the reader = %v", i+1, tc.releases, woken)
				}
				if woken {
					break
				}
			}
			if err := <-got; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
	}
}

func TestPartitionWithdraw(t *testing.T) {
	released := 0
	p := NewPartition("t", 0, func(n int) { released += n })
	p.Register([]int64{0, 1}, nil)
	first, _ := p.Register([]int64{2, 3, 4}, nil)

	// Records that were never handed to a worker leave the tracker, and
	// a drain waits only for the others.
	drained := p.Drained()
	p.Withdraw(first, 3)
	if p.InFlight() != 2 || released != 3 {
		t.Fatalf("after withdraw: in flight %d, released %d; want 2, 3", p.InFlight(), released)
	}
	p.Ack(0)
	p.Ack(1)
	select {
	case <-drained:
	default:
		t.Fatal("the drain still waits for withdrawn records")
	}
	if commit, _ := p.Committable(); commit != 2 {
		t.Errorf("commit = %d, want 2: withdrawn records are read again", commit)
	}

	// The next registration reuses the withdrawn sequence numbers.
	if again, _ := p.Register([]int64{2}, nil); again != first {
		t.Errorf("next sequence = %d, want %d", again, first)
	}
	p.Ack(first)
	if commit, _ := p.Committable(); commit != 3 {
		t.Errorf("commit = %d, want 3", commit)
	}

	// Only the newest records can be withdrawn.
	p.Register([]int64{3, 4}, nil)
	p.Withdraw(first, 1)
	if p.InFlight() != 2 {
		t.Errorf("withdrawing records that are not the newest changed the tracker: in flight %d", p.InFlight())
	}
}

func TestBudgetOnWait(t *testing.T) {
	b := NewBudget(10)
	waits := make(chan bool, 4)
	b.SetOnWait(func() { waits <- b.Waiting() })
	if err := b.Acquire(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waits:
		t.Fatal("OnWait called for a request that fit")
	default:
	}

	done := make(chan error)
	go func() { done <- b.Acquire(context.Background(), 5) }()
	if waiting := <-waits; !waiting {
		t.Error("Waiting() = false while a request waits")
	}
	b.Release(5)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b.Waiting() {
		t.Error("Waiting() = true after the request went through")
	}
}
