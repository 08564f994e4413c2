package cli

import (
	"github.com/etelgo/etelgo/internal/record"
	"github.com/etelgo/etelgo/internal/stage"
)

// DefaultMaxRecordSize is the default of --max-record-size: far above
// Kafka's default message.max.bytes of 1 MiB, so that only a runaway
// line (a file without newlines, say) hits it.
const DefaultMaxRecordSize = "64MiB"

// StreamFlags are the flags of every stage that reads records from stdin
// and writes them to stdout.
type StreamFlags struct {
	Format        string   `enum:"auto,plain,envelope" default:"auto" help:"Input line format: plain values, envelopes, or auto to detect from the first line that is not blank (${enum})."`
	OnError       string   `name:"on-error" enum:"fail,skip,pass" default:"fail" help:"What to do with a record that cannot be processed: fail stops with an error, skip drops and counts it, pass forwards it unchanged and logs (${enum})."`
	MaxRecordSize ByteSize `name:"max-record-size" default:"64MiB" help:"Longest line accepted, in bytes (suffixes KiB, MiB, GiB); a longer line is an error naming its line number."`
}

// ReadFormat returns the parsed --format value.
func (f *StreamFlags) ReadFormat() record.Format {
	format, _ := record.ParseFormat(f.Format) // kong's enum already checked it
	return format
}

// Policy returns the parsed --on-error value.
func (f *StreamFlags) Policy() stage.Policy {
	policy, _ := stage.ParsePolicy(f.OnError) // kong's enum already checked it
	return policy
}
