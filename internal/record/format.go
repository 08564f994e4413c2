package record

import (
	"fmt"
	"strconv"
)

// Format is the shape of the lines in a stream.
type Format int

const (
	// FormatAuto detects the format from the first line that is not blank.
	FormatAuto Format = iota
	// FormatPlain means each line is a record value and nothing else.
	FormatPlain
	// FormatEnvelope means each line is an envelope: a JSON object that
	// carries the value together with key, headers, topic, partition,
	// offset and timestamp.
	FormatEnvelope
)

// FormatNames lists the values that ParseFormat accepts, for help texts.
var FormatNames = []string{"auto", "plain", "envelope"}

// ParseFormat parses a --format value.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "auto", "":
		return FormatAuto, nil
	case "plain":
		return FormatPlain, nil
	case "envelope":
		return FormatEnvelope, nil
	}
	return FormatAuto, fmt.Errorf("invalid format %q: use auto, plain or envelope", s)
}

func (f Format) String() string {
	switch f {
	case FormatPlain:
		return "plain"
	case FormatEnvelope:
		return "envelope"
	}
	return "auto"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quote(s string) string { return strconv.Quote(s) }
