package kread

import "testing"

func TestEndTracker(t *testing.T) {
	tr := newEndTracker(map[string]map[int32]int64{
		"a": {0: 10, 1: 0, 2: 5},
	})
	if tr.done() {
		t.Fatal("done before any partition was assigned")
	}

	// Partition 1 is empty, and partition 2 starts at its end.
	tr.start(map[string]map[int32]int64{"a": {0: 0, 1: 0, 2: 5}})
	if tr.done() {
		t.Fatal("done while partition 0 has records left")
	}
	if tr.reach("a", 0, 8) {
		t.Error("partition 0 done at offset 8 of end 10")
	}
	if !tr.reach("a", 0, 9) {
		t.Error("partition 0 not done at offset 9 of end 10")
	}
	if !tr.done() {
		t.Error("not done after every partition reached its end")
	}
	select {
	case <-tr.reached:
	default:
		t.Error("reached is still open when done")
	}
}

func TestEndTrackerRevoke(t *testing.T) {
	tr := newEndTracker(map[string]map[int32]int64{"a": {0: 10, 1: 10}})
	tr.start(map[string]map[int32]int64{"a": {0: 0, 1: 4}})
	tr.stop(map[string][]int32{"a": {1}})
	if tr.done() {
		t.Fatal("done while partition 0 has records left")
	}
	tr.reach("a", 0, 9)
	if !tr.done() {
		t.Error("a revoked partition still counts")
	}

	// A partition assigned again counts again.
	tr.start(map[string]map[int32]int64{"a": {1: 9}})
	if tr.done() {
		t.Error("done although the reassigned partition has a record left")
	}
	tr.stop(map[string][]int32{"a": {0, 1, 7}, "b": {0}})
	if !tr.done() {
		t.Error("not done with every partition revoked")
	}
}

func TestEndTrackerUnknownPartition(t *testing.T) {
	tr := newEndTracker(map[string]map[int32]int64{"a": {0: 3}})
	// Topic "new" was created after the end offsets were listed.
	tr.start(map[string]map[int32]int64{"new": {0: 0}, "a": {0: 3}})
	if !tr.done() {
		t.Error("a partition created after start keeps etl-kread running")
	}
}
