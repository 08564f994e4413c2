package pipe

import (
	"bytes"
	"context"
	"fmt"
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

// A record that a Kafka output cannot route (no --key field, no
// --topic-from field, an invalid topic in the field) goes to on_error
// like a record a stage failed on, instead of stopping the pipeline.
func TestOutputRoutingErrorsGoToOnError(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "oin", "oout"), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(),
		&kgo.Record{Topic: "oin", Value: []byte(`{"name":"no id","to":"bad/topic"}`)},
		&kgo.Record{Topic: "oin", Value: []byte(`{"id":7,"to":"oout"}`)},
	).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	tests := []struct {
		name     string
		output   string
		onError  string
		wantErr  string // in the etl.error header of the dead letter
		wantDead int
	}{
		{"missing key to dlq", "etl-kwrite oout --key id", "dlq:dlqO", `the record has no field "id" for --key`, 1},
		{"missing key skipped", "etl-kwrite oout --key id", "skip", "", 0},
		{"missing topic field to dlq", "etl-kwrite --topic-from id", "dlq:dlqT", `no field "id" for --topic-from`, 1},
		{"invalid topic from a field to dlq", "etl-kwrite --topic-from to", "dlq:dlqV", `invalid topic "bad/topic"`, 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := t.TempDir() + "/route.yaml"
			writeFile(t, cfg, fmt.Sprintf(`brokers: [%s]
input: etl-kread oin -g gO%d -o beginning -e
outputs: [%s]
on_error: "%s"
shutdown_timeout: 10s
admin: "off"
`, addr, i, tc.output, tc.onError))
			_, stderr, code := runCmd(t, "", "run", "-c", cfg)
			if code != 0 {
				t.Fatalf("etl-pipe exited %d, want 0:\n%s", code, stderr)
			}
			if !strings.HasPrefix(tc.onError, "dlq:") {
				return
			}
			dead := readTopic(t, c, strings.TrimPrefix(tc.onError, "dlq:"))
			if len(dead) != tc.wantDead {
				t.Fatalf("dead-letter topic holds %d records, want %d", len(dead), tc.wantDead)
			}
			headers := map[string]string{}
			for _, h := range dead[0].Headers {
				headers[h.Key] = string(h.Value)
			}
			if headers["etl.stage"] != "output" {
				t.Errorf("etl.stage = %q, want output", headers["etl.stage"])
			}
			if !strings.Contains(headers["etl.error"], tc.wantErr) {
				t.Errorf("etl.error = %q, want it to contain %q", headers["etl.error"], tc.wantErr)
			}
			if headers["etl.source.topic"] != "oin" || headers["etl.source.offset"] != "0" {
				t.Errorf("source headers = %v, want topic oin offset 0", headers)
			}
		})
	}

	// The good record was produced once by each run that routes by id or
	// by the to field: three of the four runs write to oout.
	var ids []string
	for _, r := range readTopic(t, c, "oout") {
		ids = append(ids, string(r.Value))
	}
	if len(ids) != 3 {
		t.Errorf("oout holds %d records, want the good record from 3 runs: %q", len(ids), ids)
	}
}
