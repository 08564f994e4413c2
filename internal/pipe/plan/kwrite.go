package plan

import (
	"errors"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/kwrite"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/record"
)

// kafkaSink reads an etl-kwrite command line into the engine's producer
// settings.
//
// TODO: take the producer options and the topic and key routing from
// internal/kwrite once it exports them. Until then this mirrors
// etl-kwrite's flags and rejects --partition and --keep-partition.
func kafkaSink(p *Parsed) (*engine.KafkaSink, error) {
	c, ok := p.Command.(*kwrite.Command)
	if !ok {
		return nil, fmt.Errorf("%s is not a Kafka sink", p.Stage.Name)
	}
	if c.Partition >= 0 || c.KeepPartition {
		return nil, errors.New("--partition and --keep-partition are not supported inside etl-pipe yet: records are partitioned by key")
	}
	if c.Topic == "" && c.TopicFrom == "" {
		return nil, errors.New("missing topic: give a TOPIC argument, or --topic-from PATH to take it from each record")
	}
	var key, topicFrom *field.Path
	var err error
	if c.Key != "" {
		if key, err = field.Compile(c.Key); err != nil {
			return nil, fmt.Errorf("invalid --key %q: %w", c.Key, err)
		}
	}
	if c.TopicFrom != "" {
		if topicFrom, err = field.Compile(c.TopicFrom); err != nil {
			return nil, fmt.Errorf("invalid --topic-from %q: %w", c.TopicFrom, err)
		}
	}

	client, err := c.ClientOptions()
	if err != nil {
		return nil, err
	}
	client = append(client,
		kgo.ClientID("etl-pipe"),
		kgo.ProducerLinger(c.Linger),
		kgo.MaxBufferedRecords(c.MaxBufferedRecords),
		kgo.MaxBufferedBytes(int(max(c.BatchMaxBytes, c.MaxBufferedBytes))),
		kgo.ProducerBatchMaxBytes(int32(c.BatchMaxBytes)),
		kgo.ProducerBatchCompression(codec(c.Compression)),
		kgo.AllowAutoTopicCreation(),
		// The partitioner of etl-kwrite: murmur2 of the key, as the Java
		// client does, and sticky batches for records without a key.
		kgo.RecordPartitioner(kgo.UniformBytesPartitioner(64<<10, true, true, nil)),
	)
	if c.DeliveryTimeout > 0 {
		client = append(client, kgo.RecordDeliveryTimeout(c.DeliveryTimeout))
	}
	switch c.Acks {
	case "leader":
		client = append(client, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "none":
		client = append(client, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		client = append(client, kgo.RequiredAcks(kgo.AllISRAcks()))
		if c.NoIdempotence {
			client = append(client, kgo.DisableIdempotentWrite())
		}
	}

	name := "kafka:" + c.Topic
	if c.Topic == "" {
		name = "kafka:" + c.TopicFrom
	}
	return &engine.KafkaSink{Name: name, Client: client, Route: router(c.Topic, topicFrom, key)}, nil
}

// router routes a record as etl-kwrite does. The topic comes from
// topicFrom, or is the fixed topic when the record lacks the field. The
// key comes from the key path, or is the record's own key.
func router(topic string, topicFrom, key *field.Path) func(*kgo.Record, *record.Record) error {
	return func(dst *kgo.Record, rec *record.Record) error {
		dst.Topic = topic
		if topicFrom != nil {
			res := topicFrom.Get(rec)
			switch {
			case res.Type == gjson.String && res.Str != "":
				dst.Topic = res.Str
			case res.Type == gjson.Number:
				dst.Topic = res.Raw
			case res.Type == gjson.JSON || res.Type == gjson.True || res.Type == gjson.False:
				return fmt.Errorf("invalid topic %s in field %q: a topic name must be a string", res.Raw, topicFrom.String())
			case topic == "":
				return fmt.Errorf("the record has no field %q for --topic-from, or it is null or empty; give a TOPIC argument for such records", topicFrom.String())
			}
			// The topic name points into the record; it must outlive it.
			dst.Topic = string([]byte(dst.Topic))
		}
		if key != nil {
			res := key.Get(rec)
			switch {
			case !res.Exists():
				return fmt.Errorf("the record has no field %q for --key", key.String())
			case res.Type == gjson.Null:
				dst.Key = nil
			case res.Type == gjson.String:
				dst.Key = []byte(res.Str)
			default:
				dst.Key = []byte(res.Raw)
			}
		}
		return nil
	}
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}
