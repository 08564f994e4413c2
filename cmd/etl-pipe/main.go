// Command etl-pipe runs EtelGo stages in one process. See internal/pipe.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/pipe"
)

func main() { cli.Run(pipe.App) }
