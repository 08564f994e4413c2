// Command etl-broker runs a single-process Kafka-protocol broker for
// trying EtelGo and for tests. See internal/broker.
package main

import (
	"github.com/etelgo/etelgo/internal/broker"
	"github.com/etelgo/etelgo/internal/cli"
)

func main() { cli.Run(broker.App) }
