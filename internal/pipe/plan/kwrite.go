package plan

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/etelgo/etelgo/internal/kwrite"
	"github.com/etelgo/etelgo/internal/pipe/engine"
	"github.com/etelgo/etelgo/internal/record"
)

// kafkaSink reads an etl-kwrite command line into the engine's producer
// settings. The producer options and the routing come from internal/kwrite,
// so a Kafka output partitions and routes exactly as etl-kwrite does.
func kafkaSink(p *Parsed) (*engine.KafkaSink, error) {
	c, ok := p.Command.(*kwrite.Command)
	if !ok {
		return nil, fmt.Errorf("%s is not a Kafka sink", p.Stage.Name)
	}
	client, err := c.ProducerOptions()
	if err != nil {
		return nil, err
	}
	router, err := c.Router()
	if err != nil {
		return nil, err
	}

	name := "kafka:" + c.Topic
	if c.Topic == "" {
		name = "kafka:" + c.TopicFrom
	}
	return &engine.KafkaSink{Name: name, Client: append(client, kgo.ClientID("etl-pipe")), Route: route(router)}, nil
}

// route adapts an etl-kwrite Router to an output's router.
func route(r *kwrite.Router) func(*kgo.Record, *record.Record) error {
	copyTopic := r.TopicFromRecord()
	return func(dst *kgo.Record, rec *record.Record) error {
		to, err := r.Route(rec)
		if err != nil {
			return err
		}
		dst.Topic, dst.Key, dst.Partition = to.Topic, to.Key, to.Partition
		if copyTopic {
			// The topic name points into the record; it must outlive it.
			dst.Topic = string([]byte(dst.Topic))
		}
		return nil
	}
}
