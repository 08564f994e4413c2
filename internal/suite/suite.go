// Package suite lists the cli.App of every EtelGo binary, in the order
// the README presents them. The man pages and shell completions are
// generated from this list, and a test checks that every cmd/etl-*
// directory appears in it.
package suite

import (
	"github.com/etelgo/etelgo/internal/broker"
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/filter"
	"github.com/etelgo/etelgo/internal/kread"
	"github.com/etelgo/etelgo/internal/kwrite"
	"github.com/etelgo/etelgo/internal/lua"
	"github.com/etelgo/etelgo/internal/math"
	"github.com/etelgo/etelgo/internal/pipe"
	"github.com/etelgo/etelgo/internal/set"
)

// Apps holds one entry per binary. A new binary adds its App here, then
// `make man completions` writes its man page and completion scripts.
var Apps = []cli.App{
	kread.App,
	kwrite.App,
	set.App,
	math.App,
	filter.App,
	lua.App,
	pipe.App,
	broker.App,
}
