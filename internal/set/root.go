package set

import "github.com/etelgo/etelgo/internal/record"

// rootState records what the edits of one record learned about the root
// object of its current value. With a nil *rootState, every walk checks
// the root's members.
//
// When the value was checked in full on arrival (an envelope value, or a
// Kafka record in etl-pipe), the check also indexed the root's members,
// so an edit finds a top-level key by comparing keys instead of walking
// the object. Each edit that rewrites the value moves the index to the
// new bytes, or drops it when the change is not one it can follow.
type rootState struct {
	// checked is set once the root's member list is known to be sound:
	// after the first walk checked it (see locate), or from the start
	// when the value was checked in full.
	checked bool

	index   record.ObjectIndex
	indexed bool // index describes the current value
}

// lookup finds key among the indexed root members, as objectMember
// would: the first member of that name, and what a delete cuts.
func (r *rootState) lookup(doc []byte, key string) member {
	ms := r.index.Members
	for j := range ms {
		m := &ms[j]
		if m.Escaped {
			if !keyEquals(doc[m.KeyFrom+1:m.KeyTo-1], true, key) {
				continue
			}
		} else if m.KeyTo-m.KeyFrom-2 != len(key) || string(doc[m.KeyFrom+1:m.KeyTo-1]) != key {
			continue
		}
		found := member{from: m.ValueFrom, to: m.ValueTo}
		switch {
		case j > 0:
			found.cutFrom, found.cutTo = ms[j-1].ValueTo, m.ValueTo
		case len(ms) > 1:
			found.cutFrom, found.cutTo = m.KeyFrom, ms[1].KeyFrom
		default:
			found.cutFrom, found.cutTo = m.KeyFrom, m.ValueTo
		}
		return found
	}
	return member{missing: true, close: r.index.Close, empty: len(ms) == 0}
}

// replaced moves the index after doc[from:to] was replaced by n bytes.
// When the replaced bytes lie inside one member's value, that value
// grows or shrinks and the members after it shift. Any other change
// drops the index.
func (r *rootState) replaced(from, to, n int) {
	if r == nil || !r.indexed {
		return
	}
	ms := r.index.Members
	for j := range ms {
		if from < ms[j].ValueFrom || to > ms[j].ValueTo {
			continue
		}
		delta := n - (to - from)
		ms[j].ValueTo += delta
		for k := j + 1; k < len(ms); k++ {
			ms[k].KeyFrom += delta
			ms[k].KeyTo += delta
			ms[k].ValueFrom += delta
			ms[k].ValueTo += delta
		}
		r.index.Close += delta
		return
	}
	r.indexed = false
}

// appended moves the index after insert added a member to the root:
// name (the quoted key and its colon) and a value of n bytes, before the
// closing brace, after a comma when comma is set.
func (r *rootState) appended(comma bool, name []byte, escaped bool, n int) {
	if r == nil || !r.indexed {
		return
	}
	at := r.index.Close
	if comma {
		at++
	}
	m := record.Member{KeyFrom: at, KeyTo: at + len(name) - 1, Escaped: escaped}
	m.ValueFrom = at + len(name)
	m.ValueTo = m.ValueFrom + n
	r.index.Members = append(r.index.Members, m)
	r.index.Close = m.ValueTo
}

// forget drops the index, after a change it does not follow.
func (r *rootState) forget() {
	if r != nil {
		r.indexed = false
	}
}
