package kread

import (
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestReadExitAtEnd(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, `{"a":1}`, `{"a":2}`)...)
	produce(t, c, values("t", 2, `{"a":3}`)...) // partition 1 stays empty

	got := positions(decode(t, mustRun(t, c, "-e", "t")))
	sort.Strings(got)
	want := []string{`t/0/0={"a":1}`, `t/0/1={"a":2}`, `t/2/0={"a":3}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestReadEmptyTopic(t *testing.T) {
	c := newCluster(t, kfake.SeedTopics(4, "empty"))
	if out := mustRun(t, c, "-e", "empty"); out != "" {
		t.Errorf("read %q from an empty topic", out)
	}
	if out := mustRun(t, c, "-e", "-g", "g", "empty"); out != "" {
		t.Errorf("read %q from an empty topic with a group", out)
	}
}

func TestReadValues(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, `{"a":1}`, "plain text", "")...)
	got := mustRun(t, c, "-e", "--values", "t")
	if want := "{\"a\":1}\nplain text\n\n"; got != want {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestReadOffsets(t *testing.T) {
	c := newCluster(t)
	base := time.UnixMilli(1442018818000)
	var recs []*kgo.Record
	for i := range 5 {
		recs = append(recs, &kgo.Record{Topic: "t", Partition: 1, Value: []byte{'0' + byte(i)}, Timestamp: base.Add(time.Duration(i) * time.Second)})
	}
	produce(t, c, recs...)

	tests := []struct {
		offset string
		want   string // values read from partition 1
	}{
		{"beginning", "01234"},
		{"end", ""},
		{"3", "34"},
		{"99", ""},
		{"-2", "34"},
		{"-9", "01234"},
		{"@1442018820000", "234"},
		{"@2015-09-12T00:46:59Z", "1234"},
		{"@1999999999999", ""},
	}
	for _, tt := range tests {
		for _, group := range []string{"", "g-" + tt.offset} {
			args := []string{"-e", "--values", "--offset=" + tt.offset, "t"}
			if group != "" {
				args = append(args, "-g", group)
			}
			got := strings.ReplaceAll(mustRun(t, c, args...), "\n", "")
			if got != tt.want {
				t.Errorf("-o %s (group %q): read %q, want %q", tt.offset, group, got, tt.want)
			}
		}
	}
}

func TestReadCount(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, "a", "b", "c", "d")...)
	if got := mustRun(t, c, "-n", "3", "--values", "t"); got != "a\nb\nc\n" {
		t.Errorf("read %q, want a b c", got)
	}
}

func TestReadGroupResumes(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, "a", "b", "c")...)

	if got := mustRun(t, c, "-e", "-g", "g", "--values", "t"); got != "a\nb\nc\n" {
		t.Fatalf("first run read %q", got)
	}
	if got := mustRun(t, c, "-e", "-g", "g", "--values", "t"); got != "" {
		t.Errorf("second run of the group read %q, want nothing", got)
	}

	produce(t, c, values("t", 1, "d")...)
	if got := mustRun(t, c, "-e", "-g", "g", "--values", "t"); got != "d\n" {
		t.Errorf("third run read %q, want only the new record", got)
	}
}

func TestReadGroupCommitsOnlyWritten(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, "a", "b", "c", "d")...)

	if got := mustRun(t, c, "-g", "g", "-n", "1", "--values", "t"); got != "a\n" {
		t.Fatalf("first run read %q", got)
	}
	if got := mustRun(t, c, "-e", "-g", "g", "--values", "t"); got != "b\nc\nd\n" {
		t.Errorf("next run read %q, want it to start at the second record", got)
	}
}

// pipeWriter hides that it is an *os.File, so that etl-kread does not
// watch it and meets the closed pipe when it writes.
type pipeWriter struct{ f *os.File }

func (w pipeWriter) Write(b []byte) (int, error) { return w.f.Write(b) }

func TestReadClosedStdout(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, "a", "b", "c")...)

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()

	for _, stdout := range []io.Writer{w, pipeWriter{w}} {
		res := runTo(t, c, stdout, "-e", "-g", "g", "--values", "t")
		if res.code != 0 || res.stderr != "" {
			t.Fatalf("with stdout %T closed: exit %d, stderr %q; want 0 and nothing", stdout, res.code, res.stderr)
		}
	}

	// Nothing reached a reader, so nothing was committed.
	if got := mustRun(t, c, "-e", "-g", "g", "--values", "t"); got != "a\nb\nc\n" {
		t.Errorf("after the closed stdout, the group read %q, want every record", got)
	}
}

func TestReadNewlineInValue(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("t", 0, "a", "two\nlines", "c")...)

	res := run(t, c, "-e", "-g", "g", "--values", "t")
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	if !strings.Contains(res.stderr, `topic "t" partition 0 offset 1`) || !strings.Contains(res.stderr, "line break") {
		t.Errorf("stderr %q does not name the record and the problem", res.stderr)
	}
	if res.stdout != "a\n" {
		t.Errorf("stdout %q, want the record before the bad one", res.stdout)
	}

	// The record before the failure was committed, the failed one not.
	res = run(t, c, "-e", "-g", "g", "--values", "--on-error", "skip", "t")
	if res.code != 0 || res.stdout != "c\n" {
		t.Errorf("skip: exit %d, stdout %q; want 0 and the last record", res.code, res.stdout)
	}
	if !strings.Contains(res.stderr, "1 records dropped") {
		t.Errorf("skip: stderr %q does not count the dropped record", res.stderr)
	}

	// Envelopes carry any value.
	if got := decode(t, mustRun(t, c, "-e", "t")); len(got) != 3 || string(got[1].Value) != "two\nlines" {
		t.Errorf("envelopes: %q", positions(got))
	}
}

func TestReadRegex(t *testing.T) {
	c := newCluster(t)
	produce(t, c, values("orders-eu", 0, "eu")...)
	produce(t, c, values("orders-us", 0, "us")...)
	produce(t, c, values("my-orders-us", 0, "other")...)

	got := strings.Fields(mustRun(t, c, "-e", "--values", "--regex", "orders-.*"))
	sort.Strings(got)
	if want := []string{"eu", "us"}; !reflect.DeepEqual(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestReadMissingTopic(t *testing.T) {
	c := newCluster(t)
	res := run(t, c, "-e", "absent")
	if res.code != 1 || !strings.Contains(res.stderr, `topic "absent" not found`) {
		t.Errorf("exit %d, stderr %q; want 1 and the topic named", res.code, res.stderr)
	}
}

func TestReadUsageErrors(t *testing.T) {
	c := newCluster(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-o", "yesterday", "t"}, `invalid --offset "yesterday"`},
		{[]string{"--count=-1", "t"}, "invalid --count -1"},
		{[]string{"--regex", "(", "t"}, `invalid topic pattern "("`},
		{[]string{"--isolation", "serializable", "t"}, "--isolation"},
		{[]string{}, "expected"},
	}
	for _, tt := range tests {
		res := run(t, c, tt.args...)
		if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, res.code, res.stderr, tt.want)
		}
	}
}

func TestReadCommitted(t *testing.T) {
	c := newCluster(t)
	ctx := testContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("tx"), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, txn := range []struct {
		value  string
		commit bool
	}{{"committed", true}, {"aborted", false}} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, values("t", 0, txn.value)...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(txn.commit)); err != nil {
			t.Fatal(err)
		}
	}

	// The partition ends with an abort marker: --exit-at-end must see it.
	if got := mustRun(t, c, "-e", "--values", "--isolation", "read_committed", "t"); got != "committed\n" {
		t.Errorf("read_committed read %q", got)
	}
	if got := mustRun(t, c, "-e", "--values", "t"); got != "committed\naborted\n" {
		t.Errorf("read_uncommitted read %q", got)
	}
}
