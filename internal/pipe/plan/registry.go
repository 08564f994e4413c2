// Package plan turns an etl-pipe configuration into a pipeline the engine
// runs. Every stage's words are parsed by that stage's own command-line
// definition into the same Command struct its binary uses. The middle
// stages' Processors come from the Command's Factory, so a stage behaves
// the same in a shell pipeline and inside etl-pipe. etl-kread and
// etl-kwrite are parsed the same way, and their fields configure the
// engine's consumer and producer.
package plan

import (
	"github.com/etelgo/etelgo/internal/cli"
	"github.com/etelgo/etelgo/internal/filter"
	"github.com/etelgo/etelgo/internal/kread"
	"github.com/etelgo/etelgo/internal/kwrite"
	"github.com/etelgo/etelgo/internal/lua"
	"github.com/etelgo/etelgo/internal/math"
	"github.com/etelgo/etelgo/internal/set"
)

// Registry maps stage names to their command-line definitions.
type Registry map[string]cli.App

// Stages is every stage etl-pipe can run.
var Stages = Registry{
	kread.App.Name:  kread.App,
	kwrite.App.Name: kwrite.App,
	set.App.Name:    set.App,
	math.App.Name:   math.App,
	filter.App.Name: filter.App,
	lua.App.Name:    lua.App,
}
