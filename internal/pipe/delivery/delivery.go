// Package delivery keeps etl-pipe's at-least-once promise: it tracks
// every record read from a partition until each output acknowledged what
// the record became, and computes, per partition, the offset that is safe
// to commit.
//
// Records of one partition are registered in the order they were fetched
// and may be acknowledged in any order, because outputs acknowledge
// asynchronously and retries reorder them. The committable offset of a
// partition is one past the last record of the longest acknowledged prefix
// of what was registered. A commit therefore never skips a record that is
// still in flight, so a crash at any point loses nothing. What is read
// again after a restart is bounded by what was in flight.
package delivery

import (
	"sync"
)

// Partition tracks the records in flight of one assigned partition.
//
// NOTE: entries live in a ring indexed by sequence number, and the ring
// only shrinks from its head. A record that is never acknowledged
// therefore holds back the partition's commits and, through the Budget,
// eventually fetching.
type Partition struct {
	Topic     string
	Partition int32

	mu       sync.Mutex
	ring     []entry
	head     int   // index in ring of the oldest unacknowledged entry
	count    int   // entries in the ring
	base     int64 // sequence number of the entry at head
	next     int64 // sequence number of the next registered entry
	commit   int64 // offset to commit: one past the acknowledged prefix, or -1
	epoch    int32 // leader epoch of the record before commit
	hwm      int64 // high watermark seen in the last fetch, or -1
	first    int64 // offset of the first record registered, or -1
	revoked  bool
	drained  chan struct{} // closed when count drops to zero, if someone waits
	released func(n int)   // called with the number of entries that left the ring
}

type entry struct {
	offset int64
	epoch  int32
	done   bool
}

// NewPartition returns the tracker of one partition. released is called
// with the number of records that left the tracker each time its
// committable prefix grows, so that a Budget can let more records in.
func NewPartition(topic string, partition int32, released func(n int)) *Partition {
	return &Partition{Topic: topic, Partition: partition, commit: -1, hwm: -1, first: -1, released: released}
}

// Register adds records with the given offsets, in fetch order, and
// returns the sequence number of the first. It returns false, and adds
// nothing, once the partition was revoked: its records then belong to
// another consumer.
func (p *Partition) Register(offsets []int64, epochs []int32) (first int64, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.revoked {
		return 0, false
	}
	if p.first < 0 && len(offsets) > 0 {
		p.first = offsets[0]
	}
	p.grow(len(offsets))
	for i, off := range offsets {
		idx := (p.head + p.count) % len(p.ring)
		var epoch int32 = -1
		if epochs != nil {
			epoch = epochs[i]
		}
		p.ring[idx] = entry{offset: off, epoch: epoch}
		p.count++
	}
	first = p.next
	p.next += int64(len(offsets))
	return first, true
}

// Withdraw removes the last n records registered, starting at sequence
// number first, when they were never handed on and so will never be
// acknowledged: waiting for them would only hold back a drain. Their
// offsets were never committable, so they are read again. It does
// nothing unless those records are still the newest in the tracker.
func (p *Partition) Withdraw(first int64, n int) {
	p.mu.Lock()
	if n <= 0 || first+int64(n) != p.next || first < p.base {
		p.mu.Unlock()
		return
	}
	p.count -= n
	p.next = first
	p.unlockAfterRemoving(n)
}

// unlockAfterRemoving unlocks p after n entries left the ring: it wakes
// a drain that waits for an empty ring and gives the n records back to
// the budget, outside the lock.
func (p *Partition) unlockAfterRemoving(n int) {
	var drained chan struct{}
	if p.count == 0 && p.drained != nil {
		drained, p.drained = p.drained, nil
	}
	released := p.released
	p.mu.Unlock()

	if drained != nil {
		close(drained)
	}
	if n > 0 && released != nil {
		released(n)
	}
}

// grow makes room for n more entries.
func (p *Partition) grow(n int) {
	if p.count+n <= len(p.ring) {
		return
	}
	size := max(64, len(p.ring)*2)
	for size < p.count+n {
		size *= 2
	}
	ring := make([]entry, size)
	for i := 0; i < p.count; i++ {
		ring[i] = p.ring[(p.head+i)%len(p.ring)]
	}
	p.ring, p.head = ring, 0
}

// Ack marks the record with sequence number seq as delivered everywhere.
// Acknowledging a record that is no longer tracked (after a revoke) does
// nothing.
func (p *Partition) Ack(seq int64) {
	p.mu.Lock()
	idx := seq - p.base
	if idx < 0 || idx >= int64(p.count) {
		p.mu.Unlock()
		return
	}
	p.ring[(p.head+int(idx))%len(p.ring)].done = true

	popped := 0
	for p.count > 0 && p.ring[p.head].done {
		e := p.ring[p.head]
		p.commit, p.epoch = e.offset+1, e.epoch
		p.head = (p.head + 1) % len(p.ring)
		p.count--
		p.base++
		popped++
	}
	p.unlockAfterRemoving(popped)
}

// Committable returns the offset to commit (one past the acknowledged
// prefix) and the leader epoch of the record before it, or -1 when no
// record of this assignment was acknowledged yet.
func (p *Partition) Committable() (offset int64, epoch int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.commit, p.epoch
}

// InFlight returns the number of registered records not yet behind the
// committable offset.
func (p *Partition) InFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

// SetHighWatermark stores the partition's high watermark from a fetch.
func (p *Partition) SetHighWatermark(hwm int64) {
	p.mu.Lock()
	p.hwm = hwm
	p.mu.Unlock()
}

// Lag returns the records between the committable offset and the high
// watermark. Before the first acknowledgement it counts from the first
// record registered, which no commit has passed yet. It is -1 before the
// partition's first fetch with records.
func (p *Partition) Lag() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.hwm < 0:
		return -1
	case p.commit >= 0:
		return max(0, p.hwm-p.commit)
	case p.first >= 0:
		return max(0, p.hwm-p.first)
	}
	return -1
}

// Drained returns a channel that is closed once every registered record
// was acknowledged, at once if none is in flight.
func (p *Partition) Drained() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if p.drained == nil {
		p.drained = make(chan struct{})
	}
	return p.drained
}

// Revoke stops the partition from taking more records and drops those in
// flight, returning how many there were. Their acknowledgements are
// ignored from now on.
func (p *Partition) Revoke() int {
	p.mu.Lock()
	p.revoked = true
	n := p.count
	p.base += int64(p.count)
	p.count = 0
	p.unlockAfterRemoving(n)
	return n
}
