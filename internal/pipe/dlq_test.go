package pipe

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/cli"
)

// A dead-letter topic that does not exist yet is created on first use,
// as the other Kafka outputs create theirs, and the record is logged as
// sent only once the broker acknowledged it.
func TestDeadLetterTopicCreatedOnFirstUse(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "dlq_in"), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "dlq_in", Value: []byte(`{"a":"x"}`)}, &kgo.Record{Topic: "dlq_in", Value: []byte(`{"a":1}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	dir := t.TempDir()
	cfg := dir + "/dlq.yaml"
	writeFile(t, cfg, `input: etl-kread dlq_in --group dg -e --brokers `+addr+`
stages: [etl-math 'z = a + 1']
on_error: dlq:dlq_dead
shutdown_timeout: 5s
admin: "off"
`)
	out, stderr, code := runCmd(t, "", "run", "-c", cfg)
	if code != 0 {
		t.Fatalf("etl-pipe exited %d, want 0:\n%s", code, stderr)
	}
	if !strings.Contains(out, `"z":2`) {
		t.Errorf("stdout lacks the good record: %s", out)
	}
	dead := readTopic(t, c, "dlq_dead")
	if len(dead) != 1 || string(dead[0].Value) != `{"a":"x"}` {
		t.Fatalf("dead-letter topic holds %d records, want the failed one: %v", len(dead), dead)
	}
	if n := strings.Count(stderr, "record sent to the dead-letter topic"); n != 1 {
		t.Errorf("logged the dead letter as sent %d times, want once:\n%s", n, stderr)
	}
}

// runCmd runs etl-pipe with args, in process, and returns its stdout,
// stderr and exit status.
func runCmd(t *testing.T, input string, args ...string) (string, string, int) {
	t.Helper()
	var out, stderr bytes.Buffer
	code := cli.Main(App, args, cli.Env{Stdin: strings.NewReader(input), Stdout: &out, Stderr: &stderr})
	return out.String(), stderr.String(), code
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A dead-letter topic that the broker does not create stops the pipeline
// with one line naming the topic, instead of holding it.
func TestDeadLetterTopicMissing(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "dlq_in"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "dlq_in", Value: []byte(`{"a":"x"}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	cfg := t.TempDir() + "/dlq.yaml"
	writeFile(t, cfg, `input: etl-kread dlq_in --group dg -e --brokers `+strings.Join(c.ListenAddrs(), ",")+`
stages: [etl-math 'z = a + 1']
on_error: dlq:dlq_dead
shutdown_timeout: 20s
admin: "off"
`)
	_, stderr, code := runCmd(t, "", "run", "-c", cfg)
	if code != 1 {
		t.Fatalf("etl-pipe exited %d, want 1:\n%s", code, stderr)
	}
	last := strings.TrimSpace(stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:])
	if !strings.HasPrefix(last, `etl-pipe: write to the dead-letter topic "dlq_dead"`) {
		t.Errorf("last line does not name the dead-letter topic: %q", last)
	}
	if strings.Contains(stderr, "record sent to the dead-letter topic") {
		t.Errorf("logged a record as sent that the broker refused:\n%s", stderr)
	}
}
