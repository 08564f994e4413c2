package pipe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Records whose timestamps are hours old, as replayed envelopes and
// backfills carry, are delivered and keep their timestamps: no delivery
// timeout counts from a record's own timestamp.
func TestOldTimestampsDelivered(t *testing.T) {
	c, addr := boundedCluster(t, 0)
	old := time.Now().Add(-6 * time.Hour).Truncate(time.Millisecond)

	t.Run("stdin to kafka", func(t *testing.T) {
		input := `{"etl_envelope":1,"timestamp":5,"value":{"a":1}}` + "\n" +
			fmt.Sprintf(`{"etl_envelope":1,"timestamp":%d,"value":{"a":2}}`, old.UnixMilli()) + "\n"
		_, stderr, code := runCmd(t, input, "run", "--admin", "off", "stdin | etl-kwrite q1 -b "+addr)
		if code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, stderr)
		}
		got := readTopic(t, c, "q1")
		if len(got) != 2 || got[0].Timestamp.UnixMilli() != 5 || !got[1].Timestamp.Equal(old) {
			t.Fatalf("q1 holds %d records, want 2 with timestamps 5 and %d: %v", len(got), old.UnixMilli(), got)
		}
	})

	t.Run("kafka to kafka", func(t *testing.T) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.AllowAutoTopicCreation())
		if err != nil {
			t.Fatal(err)
		}
		var rs []*kgo.Record
		for i := 0; i < 100; i++ {
			rs = append(rs, &kgo.Record{Topic: "old_in", Timestamp: old.Add(time.Duration(i) * time.Second), Value: []byte(fmt.Sprintf(`{"id":%d}`, i))})
		}
		err = cl.ProduceSync(context.Background(), rs...).FirstErr()
		cl.Close()
		if err != nil {
			t.Fatal(err)
		}

		_, stderr, code := runCmd(t, "", "run", "--admin", "off", "etl-kread old_in -g g-old -e -b "+addr+" | etl-set seen:=true | etl-kwrite old_out -b "+addr)
		if code != 0 {
			t.Fatalf("exit %d, want 0:\n%s", code, stderr)
		}
		got := readTopic(t, c, "old_out")
		if len(got) != 100 {
			t.Fatalf("old_out holds %d records, want 100:\n%s", len(got), stderr)
		}
		for _, r := range got {
			if r.Timestamp.Before(old) || r.Timestamp.After(old.Add(100*time.Second)) || !strings.Contains(string(r.Value), `"seen":true`) {
				t.Fatalf("record %s has timestamp %s, want its old one near %s", r.Value, r.Timestamp, old)
			}
		}
	})
}
