package lua

import (
	"fmt"
	"math"
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"
)

// defaultTimeLayout is the layout of time.format without one: RFC 3339 in
// UTC with milliseconds, the precision of Kafka timestamps.
const defaultTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// openTime installs the time library. Times are milliseconds since the
// Unix epoch, like Kafka timestamps and meta(rec).timestamp.
//
//	time.now()                       the current time
//	time.parse(text [, layout [, zone]])  RFC 3339 text, or text in layout
//	time.format(ms [, layout [, zone]])   RFC 3339 in UTC with milliseconds, or layout
//
// A layout is strftime-style when it contains % (%Y-%m-%d %H:%M:%S), and
// a Go reference layout otherwise (2006-01-02 15:04:05). zone is an IANA
// name (Europe/Paris), UTC, Local, or an offset (+02:00). It is the zone
// of text that carries none, and the zone that format writes in. The
// default is UTC.
func (e *env) openTime(L *glua.LState) {
	zones := map[string]*time.Location{}
	zoneArg := func(L *glua.LState, i int) *time.Location {
		name := e.optText(L, i, "UTC")
		if loc, ok := zones[name]; ok {
			return loc
		}
		loc, err := parseZone(name)
		if err != nil {
			L.ArgError(i, err.Error())
		}
		zones[name] = loc
		return loc
	}
	layoutArg := func(L *glua.LState, i int, fallback string) string {
		if L.Get(i) == glua.LNil {
			return fallback
		}
		layout, err := goLayout(e.checkText(L, i))
		if err != nil {
			L.ArgError(i, err.Error())
		}
		return layout
	}

	lib := L.NewTable()
	L.SetFuncs(lib, map[string]glua.LGFunction{
		"now": func(L *glua.LState) int {
			L.Push(glua.LNumber(time.Now().UnixMilli()))
			return 1
		},
		"parse": func(L *glua.LState) int {
			text := e.checkText(L, 1)
			layout := layoutArg(L, 2, time.RFC3339Nano)
			t, err := time.ParseInLocation(layout, text, zoneArg(L, 3))
			if err != nil {
				if L.Get(2) == glua.LNil {
					L.RaiseError("time.parse: %q is not RFC 3339 time text such as 2024-05-01T12:30:00Z; pass a layout for other forms", text)
				}
				L.RaiseError("time.parse: %q does not match the layout %q", text, e.checkText(L, 2))
			}
			L.Push(glua.LNumber(t.UnixMilli()))
			return 1
		},
		"format": func(L *glua.LState) int {
			ms := float64(L.CheckNumber(1))
			if math.IsNaN(ms) || math.IsInf(ms, 0) {
				L.ArgError(1, "milliseconds expected, got "+formatNumber(ms))
			}
			layout := layoutArg(L, 2, defaultTimeLayout)
			t := time.UnixMilli(int64(math.Floor(ms))).In(zoneArg(L, 3))
			L.Push(glua.LString(t.Format(layout)))
			return 1
		},
	})
	L.SetGlobal("time", lib)
}

// parseZone reads a zone argument: an IANA name, UTC, Local, or a fixed
// offset such as +02:00, -0430 or Z.
func parseZone(name string) (*time.Location, error) {
	if name == "Z" {
		return time.UTC, nil
	}
	if strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		for _, layout := range []string{"-07:00", "-0700", "-07"} {
			if t, err := time.Parse(layout, name); err == nil {
				_, offset := t.Zone()
				return time.FixedZone(name, offset), nil
			}
		}
		return nil, fmt.Errorf("invalid zone offset %q: use +hh:mm", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Paris, UTC, or an offset such as +02:00", name)
	}
	return loc, nil
}

// strftime maps the strftime conversions that have a Go layout element.
var strftime = map[byte]string{
	'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'e': "_2", 'j': "002",
	'H': "15", 'I': "03", 'M': "04", 'S': "05", 'p': "PM",
	'b': "Jan", 'h': "Jan", 'B': "January", 'a': "Mon", 'A': "Monday",
	'z': "-0700", 'Z': "MST",
	'L': "000", 'f': "000000", 'N': "000000000",
	'F': "2006-01-02", 'T': "15:04:05", 'R': "15:04", 'D': "01/02/06",
	'%': "%",
}

// goLayout converts a strftime-style layout to a Go layout, and returns
// a Go layout unchanged. %L, %f and %N are milliseconds, microseconds and
// nanoseconds; they follow a literal dot (%S.%L).
//
// NOTE: literal text in a strftime layout goes into the Go layout as it
// is, so literal digits or English day and month names in it would be
// read as layout elements.
func goLayout(layout string) (string, error) {
	if !strings.Contains(layout, "%") {
		return layout, nil
	}
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(layout) {
			return "", fmt.Errorf("invalid layout %q: it ends with a lone %%", layout)
		}
		i++
		elem, ok := strftime[layout[i]]
		if !ok {
			return "", fmt.Errorf("invalid layout %q: %%%c is not supported (use %%Y %%m %%d %%H %%M %%S %%L %%z and the like)", layout, layout[i])
		}
		b.WriteString(elem)
	}
	return b.String(), nil
}
