// Command etl-kread consumes Kafka topics and writes their records to
// stdout as lines.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/kread"
)

func main() { cli.Run(kread.App) }
