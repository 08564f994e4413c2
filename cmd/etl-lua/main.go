// Command etl-lua runs a Lua script on each record read on stdin and
// writes what it keeps or emits to stdout. See internal/lua.
package main

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/lua"
)

func main() { cli.Run(lua.App) }
