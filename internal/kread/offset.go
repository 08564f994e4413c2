package kread

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// StartKind is the way a --offset value picks the first offset to read.
type StartKind int

const (
	// StartBeginning starts at the oldest record still in the partition.
	StartBeginning StartKind = iota
	// StartEnd starts after the newest record: only new records are read.
	StartEnd
	// StartAt starts at an absolute offset.
	StartAt
	// StartFromEnd starts N records before the end of each partition.
	StartFromEnd
	// StartTime starts at the first record stamped at or after a time.
	StartTime
)

// Start is a parsed --offset value.
type Start struct {
	Kind StartKind
	// N is the offset for StartAt, the count for StartFromEnd, and the
	// time in milliseconds since the Unix epoch for StartTime.
	N int64
}

// ParseStart parses a --offset value. It accepts beginning (or earliest),
// end (or latest), an absolute offset such as 42, and -N for N records
// before the end of each partition. @TIME starts at a time given in
// milliseconds since the Unix epoch or in RFC 3339.
func ParseStart(s string) (Start, error) {
	switch strings.ToLower(s) {
	case "beginning", "earliest":
		return Start{Kind: StartBeginning}, nil
	case "end", "latest":
		return Start{Kind: StartEnd}, nil
	}

	if ts, ok := strings.CutPrefix(s, "@"); ok {
		if ms, err := strconv.ParseInt(ts, 10, 64); err == nil {
			if ms < 0 {
				return Start{}, fmt.Errorf("invalid --offset %q: a time in milliseconds cannot be negative", s)
			}
			return Start{Kind: StartTime, N: ms}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return Start{}, fmt.Errorf("invalid --offset %q: after @ give milliseconds since the Unix epoch or an RFC 3339 time such as 2015-09-12T00:00:00Z", s)
		}
		if t.UnixMilli() < 0 {
			return Start{}, fmt.Errorf("invalid --offset %q: the time is before 1970", s)
		}
		return Start{Kind: StartTime, N: t.UnixMilli()}, nil
	}

	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Start{}, fmt.Errorf("invalid --offset %q: use beginning, end, an offset such as 42, -N for N records before the end, or @TIME", s)
	}
	if strings.HasPrefix(s, "-") {
		if n == -1<<63 {
			return Start{}, fmt.Errorf("invalid --offset %q: the count is too large", s)
		}
		return Start{Kind: StartFromEnd, N: -n}, nil
	}
	return Start{Kind: StartAt, N: n}, nil
}

// String returns the value in the form ParseStart reads.
func (s Start) String() string {
	switch s.Kind {
	case StartEnd:
		return "end"
	case StartAt:
		return strconv.FormatInt(s.N, 10)
	case StartFromEnd:
		return "-" + strconv.FormatInt(s.N, 10)
	case StartTime:
		return "@" + strconv.FormatInt(s.N, 10)
	}
	return "beginning"
}

// Offset returns the franz-go offset that starts where s points, for
// partitions that franz-go resolves itself.
func (s Start) Offset() kgo.Offset {
	o := kgo.NewOffset()
	switch s.Kind {
	case StartEnd:
		return o.AtEnd()
	case StartAt:
		return o.At(s.N)
	case StartFromEnd:
		return o.AtEnd().Relative(-s.N)
	case StartTime:
		return o.AfterMilli(s.N)
	}
	return o.AtStart()
}

// Resolve returns the exact first offset in a partition whose log starts
// at logStart and ends at end (the offset the next record will get).
// atTime is the first offset stamped at or after the StartTime, which the
// caller lists only for that kind. The result is within [logStart, end].
func (s Start) Resolve(logStart, end, atTime int64) int64 {
	var at int64
	switch s.Kind {
	case StartBeginning:
		at = logStart
	case StartEnd:
		at = end
	case StartAt:
		at = s.N
	case StartFromEnd:
		at = end - min(s.N, end)
	case StartTime:
		at = atTime
		if at < 0 {
			at = end
		}
	}
	return max(logStart, min(at, end))
}
