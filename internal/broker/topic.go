package broker

import (
	"fmt"
	"strconv"
	"strings"
)

// maxTopicNameLength is Kafka's limit on a topic name. Kafka reserves the
// rest of the 255 bytes of a file name for the partition suffix of the
// directory that holds the partition's log.
const maxTopicNameLength = 249

// TopicSpec is a topic to create at start, from --topic NAME[:PARTITIONS].
type TopicSpec struct {
	Name string
	// Partitions is the partition count, or 0 for the --partitions default.
	Partitions int32
}

// ParseTopicSpec parses NAME or NAME:PARTITIONS. The name follows Kafka's
// rules: 1 to 249 characters from [a-zA-Z0-9._-], and neither "." nor "..".
// The partition count, when given, is a positive 32-bit integer.
func ParseTopicSpec(s string) (TopicSpec, error) {
	name, count, hasCount := strings.Cut(s, ":")
	if err := checkTopicName(name); err != nil {
		return TopicSpec{}, err
	}
	spec := TopicSpec{Name: name}
	if !hasCount {
		return spec, nil
	}

	n, err := strconv.ParseInt(count, 10, 32)
	if err != nil || n < 1 {
		return TopicSpec{}, fmt.Errorf("invalid partition count %q: use a positive integer, as in %s:3", count, name)
	}
	spec.Partitions = int32(n)
	return spec, nil
}

// checkTopicName applies Kafka's rules for topic names.
func checkTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("missing topic name: use NAME or NAME:PARTITIONS")
	case name == "." || name == "..":
		return fmt.Errorf("invalid topic name %q: Kafka reserves . and ..", name)
	case len(name) > maxTopicNameLength:
		return fmt.Errorf("invalid topic name %q: longer than %d characters", name, maxTopicNameLength)
	}
	for i := 0; i < len(name); i++ {
		if !isTopicNameByte(name[i]) {
			return fmt.Errorf("invalid topic name %q: character %q at column %d is not one of a-z A-Z 0-9 . _ -", name, name[i], i+1)
		}
	}
	return nil
}

func isTopicNameByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	case b == '.', b == '_', b == '-':
		return true
	}
	return false
}
