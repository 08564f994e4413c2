// Command kafkatool is the Kafka helper of the side-by-side benchmarks in
// bench/. It manages the benchmark topics on etl-broker and holds the bare
// franz-go loops that etl-kread and etl-kwrite are measured against:
//
//	kafkatool -b ADDR create TOPIC...   create topics with -partitions partitions
//	kafkatool -b ADDR delete TOPIC...   delete topics
//	kafkatool -b ADDR count TOPIC       print the number of records in a topic
//	kafkatool -b ADDR consume TOPIC     write every value up to the end offsets to stdout, one a line
//	kafkatool -b ADDR produce TOPIC     produce every line of stdin as a value, then wait for the acknowledgements
//
// The loops use franz-go's default client options, like the EtelGo
// binaries, except for -compression, which the benchmark sets to what
// etl-kwrite uses.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("b", "127.0.0.1:9092", "seed brokers, comma separated")
	partitions := flag.Int("partitions", 3, "partitions of topics made by create")
	compression := flag.String("compression", "none", "batch compression of produce: none, gzip, snappy, lz4 or zstd")
	flag.Parse()

	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "kafkatool: usage: kafkatool [-b ADDR] create|delete|count|consume|produce TOPIC...")
		os.Exit(2)
	}
	command, topics := flag.Arg(0), flag.Args()[1:]

	codec, err := parseCompression(*compression)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafkatool: %v\n", err)
		os.Exit(2)
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...), kgo.ProducerBatchCompression(codec))
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafkatool: connect to %q: %v\n", *brokers, err)
		os.Exit(1)
	}
	defer client.Close()

	ctx := context.Background()
	admin := kadm.NewClient(client)
	switch command {
	case "create":
		_, err = admin.CreateTopics(ctx, int32(*partitions), 1, nil, topics...)
	case "delete":
		err = deleteTopics(ctx, admin, topics)
	case "count":
		err = count(ctx, admin, topics[0])
	case "consume":
		err = consume(ctx, client, admin, topics[0], os.Stdout)
	case "produce":
		err = produce(ctx, client, topics[0], os.Stdin)
	default:
		err = fmt.Errorf("unknown command %q: want create, delete, count, consume or produce", command)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafkatool: %s: %v\n", command, err)
		os.Exit(1)
	}
}

func parseCompression(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("invalid -compression %q: want none, gzip, snappy, lz4 or zstd", name)
}

// deleteTopics deletes topics, ignoring the ones that do not exist.
func deleteTopics(ctx context.Context, admin *kadm.Client, topics []string) error {
	responses, err := admin.DeleteTopics(ctx, topics...)
	if err != nil {
		return err
	}
	for _, r := range responses.Sorted() {
		if r.Err != nil && !strings.Contains(r.Err.Error(), "UNKNOWN_TOPIC") {
			return fmt.Errorf("delete topic %q: %w", r.Topic, r.Err)
		}
	}
	return nil
}

// endOffsets lists the start and end offset of every partition of topic.
func endOffsets(ctx context.Context, admin *kadm.Client, topic string) (starts, ends map[int32]int64, err error) {
	startList, err := admin.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, nil, fmt.Errorf("list start offsets of %q: %w", topic, err)
	}
	endList, err := admin.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, nil, fmt.Errorf("list end offsets of %q: %w", topic, err)
	}
	if err := endList.Error(); err != nil {
		return nil, nil, fmt.Errorf("list end offsets of %q: %w", topic, err)
	}
	starts, ends = make(map[int32]int64), make(map[int32]int64)
	startList.Each(func(o kadm.ListedOffset) { starts[o.Partition] = o.Offset })
	endList.Each(func(o kadm.ListedOffset) { ends[o.Partition] = o.Offset })
	return starts, ends, nil
}

func count(ctx context.Context, admin *kadm.Client, topic string) error {
	starts, ends, err := endOffsets(ctx, admin, topic)
	if err != nil {
		return err
	}
	var total int64
	for p, end := range ends {
		total += end - starts[p]
	}
	fmt.Println(total)
	return nil
}

// consume writes every value of topic, up to the end offsets listed at
// start, to w. It is the bare loop: poll, write, nothing else.
func consume(ctx context.Context, client *kgo.Client, admin *kadm.Client, topic string, w io.Writer) error {
	starts, ends, err := endOffsets(ctx, admin, topic)
	if err != nil {
		return err
	}
	offsets := make(map[int32]kgo.Offset)
	pending := 0
	for p, end := range ends {
		if end > starts[p] {
			offsets[p] = kgo.NewOffset().At(starts[p])
			pending++
		}
	}
	client.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets})

	out := bufio.NewWriterSize(w, 1<<20)
	for pending > 0 {
		fetches := client.PollFetches(ctx)
		if err := fetches.Err0(); err != nil {
			return err
		}
		var writeErr error
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			for _, r := range p.Records {
				if writeErr == nil {
					out.Write(r.Value)
					writeErr = out.WriteByte('\n')
				}
			}
			if n := len(p.Records); n > 0 && p.Records[n-1].Offset+1 >= ends[p.Partition] {
				pending--
			}
		})
		if writeErr != nil {
			return fmt.Errorf("write stdout: %w", writeErr)
		}
	}
	return out.Flush()
}

// produce sends every line of r, without its newline, as a record value
// to topic and waits for all acknowledgements.
func produce(ctx context.Context, client *kgo.Client, topic string, r io.Reader) error {
	var (
		mu       sync.Mutex
		firstErr error
	)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	}

	in := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			value := bytes.TrimSuffix(line, []byte{'\n'})
			client.Produce(ctx, &kgo.Record{Topic: topic, Value: value}, done)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}

	if err := client.Flush(ctx); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return firstErr
}
