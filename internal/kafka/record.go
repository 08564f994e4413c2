package kafka

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/record"
)

// FromKgo fills dst with the record src, without copying: dst's value, key
// and header values point into src, and dst keeps the capacity of its
// header slice, so converting a fetch allocates nothing.
func FromKgo(dst *record.Record, src *kgo.Record) {
	dst.Value = src.Value
	dst.Key = src.Key
	dst.Headers = dst.Headers[:0]
	for _, h := range src.Headers {
		dst.Headers = append(dst.Headers, record.Header{Key: h.Key, Value: h.Value})
	}
	dst.Topic = src.Topic
	dst.Partition = src.Partition
	dst.Offset = src.Offset
	dst.Timestamp = src.Timestamp
	dst.Line = 0
	dst.HasMeta = true
	dst.ValueJSON = false
	dst.Index = nil
}

// ToKgo fills dst with the value, key, headers and timestamp of src,
// without copying: dst points into src. Topic and partition are left to
// the caller, which decides where the record goes. A zero timestamp in src
// stays zero, and franz-go then stamps the record when it is produced.
func ToKgo(dst *kgo.Record, src *record.Record) {
	dst.Value = src.Value
	dst.Key = src.Key
	dst.Headers = dst.Headers[:0]
	for _, h := range src.Headers {
		dst.Headers = append(dst.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	dst.Timestamp = src.Timestamp
}
