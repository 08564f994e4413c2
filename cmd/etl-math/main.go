// Command etl-math computes fields of records on stdin with exact decimal
// arithmetic and writes them to stdout. See internal/math.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/math"
)

func main() { cli.Run(math.App) }
