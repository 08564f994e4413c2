// Command etl-filter keeps the records on stdin for which a condition
// holds and writes them to stdout. See internal/filter.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/filter"
)

func main() { cli.Run(filter.App) }
