// Command etl-kwrite reads records from stdin and produces them to a
// Kafka topic.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/kwrite"
)

func main() { cli.Run(kwrite.App) }
