// Command etl-set edits fields of records on stdin and writes them to
// stdout. See internal/set.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/set"
)

func main() { cli.Run(set.App) }
