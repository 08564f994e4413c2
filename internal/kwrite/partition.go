package kwrite

import "github.com/twmb/franz-go/pkg/kgo"

// defaultPartitioner is the Java client's default since Kafka 3.3. A
// record with a key goes to murmur2(key) modulo the partition count, so
// the same key lands on the same partition as with Java producers and
// librdkafka's murmur2_random. Records with a null key stick to one
// partition for 64 KiB, then move to a less loaded one.
func defaultPartitioner() kgo.Partitioner {
	return kgo.UniformBytesPartitioner(64<<10, true, true, nil)
}

// fixedPartitioner sends a record whose Partition is set (0 or more) to
// that partition, and leaves the others to the default partitioner. It
// serves --partition and --keep-partition.
type fixedPartitioner struct {
	fallback kgo.Partitioner
}

func (f fixedPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return &fixedTopicPartitioner{fallback: f.fallback.ForTopic(topic).(kgo.TopicBackupPartitioner)}
}

type fixedTopicPartitioner struct {
	fallback kgo.TopicBackupPartitioner
}

func (p *fixedTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.fallback.RequiresConsistency(r)
}

// Partition is never called, because franz-go prefers PartitionByBackup.
func (p *fixedTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return p.fallback.Partition(r, n)
}

// PartitionByBackup returns the record's own partition, which franz-go
// rejects when it is not below the partition count n.
func (p *fixedTopicPartitioner) PartitionByBackup(r *kgo.Record, n int, backup kgo.TopicBackupIter) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return p.fallback.PartitionByBackup(r, n, backup)
}
