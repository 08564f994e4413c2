package kread

import "sync"

// endTracker decides when --exit-at-end is done: when every partition
// being read has reached the end offset it had when etl-kread started.
//
// The end offsets are listed once, before reading, so that records
// produced while etl-kread runs do not keep it running. A partition is
// done when its first offset to read is already at that end (an empty
// partition, or a start at the end), or once a record at or past end-1
// was fetched. Control records of transactions count as fetched records
// here, because a partition can end with one.
//
// With a consumer group the partitions come and go with rebalances:
// a partition counts from its assignment on and stops counting when it is
// revoked, since another member then reads it. Group callbacks run on
// franz-go's goroutines, so the tracker has a lock; the read loop takes
// it once per fetched partition, not per record.
type endTracker struct {
	reached chan struct{} // closed once done, to wake a waiting poll

	mu      sync.Mutex
	ends    map[string]map[int32]int64 // end offsets listed at start
	reading map[string]map[int32]bool  // partitions being read: done or not
	started bool                       // some partition was assigned
	pending int                        // partitions in reading that are not done
}

func newEndTracker(ends map[string]map[int32]int64) *endTracker {
	return &endTracker{ends: ends, reading: make(map[string]map[int32]bool), reached: make(chan struct{})}
}

// end returns the end offset listed at start for a partition. A partition
// that did not exist then has end 0: it had no records.
func (t *endTracker) end(topic string, partition int32) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ends[topic][partition]
}

// start records that partitions are read from the given first offsets
// on. It takes all partitions of an assignment at once, so that done does
// not turn true between two of them.
func (t *endTracker) start(firsts map[string]map[int32]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.started = true
	for topic, ps := range firsts {
		for p, first := range ps {
			t.set(topic, p, first >= t.ends[topic][p])
		}
	}
	t.notify()
}

// reach records that offset was the last one fetched from a partition.
// It reports whether the partition is done.
func (t *endTracker) reach(topic string, partition int32, offset int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if offset+1 < t.ends[topic][partition] {
		return false
	}
	t.set(topic, partition, true)
	t.notify()
	return true
}

// stop records that partitions are no longer read by this member.
func (t *endTracker) stop(partitions map[string][]int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for topic, ps := range partitions {
		for _, p := range ps {
			if done, ok := t.reading[topic][p]; ok {
				if !done {
					t.pending--
				}
				delete(t.reading[topic], p)
			}
		}
	}
	t.notify()
}

// done reports whether every partition being read reached its end.
//
// NOTE: a group member that is assigned no partition at all (more members
// than partitions) is never started, so it waits until stopped.
func (t *endTracker) done() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.started && t.pending == 0
}

// notify closes reached when done. The caller holds the lock.
func (t *endTracker) notify() {
	if !t.started || t.pending > 0 {
		return
	}
	select {
	case <-t.reached:
	default:
		close(t.reached)
	}
}

// set changes a partition's state and keeps pending in step. The caller
// holds the lock.
func (t *endTracker) set(topic string, partition int32, done bool) {
	ps := t.reading[topic]
	if ps == nil {
		ps = make(map[int32]bool)
		t.reading[topic] = ps
	}
	was, ok := ps[partition]
	switch {
	case ok && !was && done:
		t.pending--
	case (!ok || was) && !done:
		t.pending++
	}
	ps[partition] = done
}
