package kwrite

import (
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/etelgo/etelgo/internal/field"
	"github.com/etelgo/etelgo/internal/record"
)

// maxTopicLength is Kafka's limit on topic names.
const maxTopicLength = 249

// MissingFieldError is a record without the field of --key or
// --topic-from.
type MissingFieldError struct {
	Flag string // "--key" or "--topic-from"
	Path string
}

func (e *MissingFieldError) Error() string {
	if e.Flag == "--topic-from" {
		return fmt.Sprintf("the record has no field %q for --topic-from, or it is null or empty; give a TOPIC argument for such records", e.Path)
	}
	return fmt.Sprintf("the record has no field %q for --key", e.Path)
}

// keyFrom returns the key that path reads from rec, without copying. A
// string field gives its text, a number, boolean, object or array its
// JSON text, and JSON null or a null key gives a null key (nil). A
// missing field is a *MissingFieldError.
func keyFrom(path *field.Path, rec *record.Record) ([]byte, error) {
	res := path.Get(rec)
	switch {
	case !res.Exists():
		return nil, &MissingFieldError{Flag: "--key", Path: path.String()}
	case res.Type == gjson.Null:
		return nil, nil
	case res.Type == gjson.String:
		return stringBytes(res.Str), nil
	}
	return stringBytes(res.Raw), nil
}

// topicFrom returns the topic name that path reads from rec. The string
// may point into rec, so the caller interns it before keeping it.
func topicFrom(path *field.Path, rec *record.Record) (string, error) {
	res := path.Get(rec)
	switch res.Type {
	case gjson.String:
		if res.Str != "" {
			return res.Str, nil
		}
	case gjson.Number:
		return res.Raw, nil
	case gjson.JSON, gjson.True, gjson.False:
		return "", fmt.Errorf("invalid topic %s in field %q: a topic name must be a string", res.Raw, path.String())
	}
	return "", &MissingFieldError{Flag: "--topic-from", Path: path.String()}
}

// CheckTopic returns an error for a name that Kafka does not accept as a
// topic, as etl-kwrite checks its TOPIC argument. etl-pipe checks its
// dead-letter topic with it.
func CheckTopic(name string) error { return checkTopic(name) }

// checkTopic returns an error for a name that Kafka does not accept as a
// topic: empty, longer than 249 bytes, "." or "..", or with characters
// other than ASCII letters, digits, '.', '_' and '-'.
func checkTopic(name string) error {
	if name == "" {
		return fmt.Errorf("empty topic name")
	}
	if len(name) > maxTopicLength {
		return fmt.Errorf("invalid topic %q: longer than %d bytes", name, maxTopicLength)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("invalid topic %q: Kafka does not accept . or .. as a topic name", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("invalid topic %q: character %q at byte %d; Kafka topic names use ASCII letters, digits, '.', '_' and '-'", name, c, i+1)
		}
	}
	return nil
}

// Router decides where each record goes, following etl-kwrite's TOPIC
// argument, --topic-from, --key, --partition and --keep-partition. etl-kwrite
// and etl-pipe's Kafka outputs route with it. A Router does not change
// after it is made, so workers may share one.
type Router struct {
	topic         string
	topicFrom     *field.Path
	key           *field.Path
	partition     int32
	keepPartition bool
}

// Route is the destination of one record: topic, key and partition.
type Route struct {
	// Topic points into the record when it comes from --topic-from:
	// copy it before the record changes.
	Topic string
	// Key is the record's key, or the --key field's bytes; it may point
	// into the record.
	Key []byte
	// Partition is the partition to produce to, or -1 to leave it to the
	// partitioner of ProducerOptions.
	Partition int32
}

// TopicFromRecord reports whether Route takes topics from the records,
// so that the caller must copy them.
func (r *Router) TopicFromRecord() bool { return r.topicFrom != nil }

// Route returns the topic, key and partition of rec. A topic from
// --topic-from is checked as Kafka checks topic names; the records
// without the field go to the TOPIC argument. An error is about this
// record alone: a missing or invalid field is a *MissingFieldError or a
// message naming the field.
func (r *Router) Route(rec *record.Record) (Route, error) {
	route := Route{Topic: r.topic, Key: rec.Key, Partition: r.partition}

	if r.topicFrom != nil {
		name, err := topicFrom(r.topicFrom, rec)
		switch {
		case err == nil:
			if err := checkTopic(name); err != nil {
				return Route{}, err
			}
			route.Topic = name
		case r.topic == "":
			return Route{}, err
		}
	}

	if r.key != nil {
		key, err := keyFrom(r.key, rec)
		if err != nil {
			return Route{}, err
		}
		route.Key = key
	}

	if r.keepPartition && rec.HasMeta {
		route.Partition = rec.Partition
	}
	return route, nil
}
