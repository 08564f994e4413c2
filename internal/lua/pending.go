package lua

import (
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// pending holds the records that one call emits until the call has
// succeeded, so that a script error emits nothing.
//
// Records emitted by emit() while the script runs are copied into arena
// at that moment, because the script may change them afterwards. Records
// returned by the call are taken as they are, since no script code runs
// between the return and the flush.
type pending struct {
	items   []pendingItem
	arena   []byte
	headers []record.Header
	out     record.Record
}

// pendingItem is one emitted record. When copied, its value and headers
// live in the arena at the given offsets.
type pendingItem struct {
	rec       record.Record
	copied    bool
	tombstone bool
	value     span
	hstart    int
	hend      int
}

func (p *pending) reset() {
	p.items = p.items[:0]
	p.arena = p.arena[:0]
	clear(p.headers) // drop references to earlier records' bytes
	p.headers = p.headers[:0]
}

// add queues a record with value and the metadata m. With copyNow, the
// value and the header list are copied so that later edits do not reach
// the queued record.
func (p *pending) add(value []byte, m *metadata, copyNow bool) {
	item := pendingItem{copied: copyNow}
	m.store(&item.rec)
	if !copyNow {
		item.rec.Value = value
		p.items = append(p.items, item)
		return
	}

	item.tombstone = value == nil
	item.value.start = len(p.arena)
	p.arena = append(p.arena, value...)
	item.value.end = len(p.arena)

	item.hstart = len(p.headers)
	p.headers = append(p.headers, m.headers...)
	item.hend = len(p.headers)
	item.rec.Headers = nil
	p.items = append(p.items, item)
}

// flush emits the queued records in order and empties the queue.
func (p *pending) flush(emit stage.Emit) error {
	defer p.reset()
	for i := range p.items {
		item := &p.items[i]
		p.out = item.rec
		if item.copied {
			p.out.Value = nil
			if !item.tombstone {
				p.out.Value = p.arena[item.value.start:item.value.end:item.value.end]
				if p.out.Value == nil {
					p.out.Value = []byte{} // an empty value, which is not a tombstone
				}
			}
			if item.hend > item.hstart {
				p.out.Headers = p.headers[item.hstart:item.hend:item.hend]
			}
		}
		if err := emit(&p.out); err != nil {
			return err
		}
	}
	return nil
}
