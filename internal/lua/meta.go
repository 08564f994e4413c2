package lua

import (
	"sort"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/etelgo/etelgo/internal/record"
)

// recordState is one record in a script: the value being edited and the
// metadata with the script's changes. The input record's state is reused
// from call to call, with gen counting the calls. Records made by
// record.new own their state for as long as the script keeps them.
type recordState struct {
	doc  document
	meta metadata
	gen  uint64
}

// metadata is a record's key, headers, topic, partition, offset,
// timestamp and line. For the input record, slices point into the input
// until the script changes them: a change replaces a slice and never
// writes into the input's bytes.
type metadata struct {
	key       []byte
	headers   []record.Header
	topic     string
	partition int32
	offset    int64
	timestamp time.Time
	line      int64
	hasMeta   bool

	// ownHeaders is set once headers was copied into memory of our own,
	// after which header edits change it in place.
	ownHeaders bool
}

// load points m at rec's metadata without copying.
func (m *metadata) load(rec *record.Record) {
	*m = metadata{
		key:       rec.Key,
		headers:   rec.Headers,
		topic:     rec.Topic,
		partition: rec.Partition,
		offset:    rec.Offset,
		timestamp: rec.Timestamp,
		line:      rec.Line,
		hasMeta:   rec.HasMeta,
	}
}

// clone returns a deep copy, for a record that outlives the input's call.
func (m *metadata) clone() metadata {
	c := *m
	c.key = cloneBytes(m.key)
	c.headers = make([]record.Header, len(m.headers))
	for i, h := range m.headers {
		c.headers[i] = record.Header{Key: h.Key, Value: cloneBytes(h.Value)}
	}
	c.ownHeaders = true
	return c
}

// store copies m into the metadata fields of out.
func (m *metadata) store(out *record.Record) {
	out.Key = m.key
	out.Headers = m.headers
	out.Topic = m.topic
	out.Partition = m.partition
	out.Offset = m.offset
	out.Timestamp = m.timestamp
	out.Line = m.line
	out.HasMeta = m.hasMeta
}

// ownedHeaders returns the header slice for editing, copying it first if
// it still belongs to the input.
func (m *metadata) ownedHeaders() []record.Header {
	if !m.ownHeaders {
		m.headers = append([]record.Header(nil), m.headers...)
		m.ownHeaders = true
	}
	return m.headers
}

// metaProxy is the userdata that meta(rec) returns.
type metaProxy struct {
	node *node // the record's whole value, for its state and liveness
}

// headersProxy is the userdata of meta(rec).headers.
type headersProxy struct {
	node *node
}

// metaFields lists the fields of meta(rec) for messages.
const metaFields = "key, headers, topic, partition, offset, timestamp or line"

// openMeta sets the metatables of metadata and headers proxies.
func (e *env) openMeta(L *glua.LState) {
	mt := L.NewTable()
	L.SetFuncs(mt, map[string]glua.LGFunction{
		"__index":    e.metaIndex,
		"__newindex": e.metaNewIndex,
	})
	mt.RawSetString("__metatable", glua.LString("metadata"))
	e.metaMeta = mt

	hmt := L.NewTable()
	L.SetFuncs(hmt, map[string]glua.LGFunction{
		"__index":    e.headersIndex,
		"__newindex": e.headersNewIndex,
		"__len": func(L *glua.LState) int {
			L.Push(glua.LNumber(len(e.checkHeaders(L).headers)))
			return 1
		},
		"__pairs": e.headersPairs,
	})
	hmt.RawSetString("__metatable", glua.LString("headers"))
	e.headersMeta = hmt
}

// metaOf returns the metadata proxy of the record whose whole value is n.
func (e *env) metaOf(L *glua.LState, n *node) *glua.LUserData {
	if n.parent != nil {
		L.RaiseError("meta takes a record, but %s is a value inside one", n.path())
	}
	ud := L.NewUserData()
	ud.Value = &metaProxy{node: n}
	ud.Metatable = e.metaMeta
	return ud
}

func (e *env) checkMeta(L *glua.LState) *metadata {
	ud, ok := L.Get(1).(*glua.LUserData)
	if ok {
		if p, ok := ud.Value.(*metaProxy); ok {
			e.checkLive(L, p.node)
			return &p.node.rec.meta
		}
	}
	L.ArgError(1, "metadata expected, got "+typeName(L.Get(1)))
	return nil
}

func (e *env) checkHeaders(L *glua.LState) *metadata {
	ud, ok := L.Get(1).(*glua.LUserData)
	if ok {
		if p, ok := ud.Value.(*headersProxy); ok {
			e.checkLive(L, p.node)
			return &p.node.rec.meta
		}
	}
	L.ArgError(1, "headers expected, got "+typeName(L.Get(1)))
	return nil
}

// metaIndex reads meta(rec).field. Fields that a plain line does not have
// (all but line) are nil there.
func (e *env) metaIndex(L *glua.LState) int {
	m := e.checkMeta(L)
	field := L.CheckString(2)
	v := glua.LNil
	switch field {
	case "key":
		if m.key != nil {
			v = glua.LString(m.key)
		}
	case "headers":
		ud := L.NewUserData()
		ud.Value = &headersProxy{node: L.Get(1).(*glua.LUserData).Value.(*metaProxy).node}
		ud.Metatable = e.headersMeta
		v = ud
	case "topic":
		if m.hasMeta && m.topic != "" {
			v = glua.LString(m.topic)
		}
	case "partition":
		if m.hasMeta && m.partition >= 0 {
			v = glua.LNumber(m.partition)
		}
	case "offset":
		if m.hasMeta && m.offset >= 0 {
			v = glua.LNumber(m.offset)
		}
	case "timestamp":
		if !m.timestamp.IsZero() {
			v = glua.LNumber(m.timestamp.UnixMilli())
		}
	case "line":
		if m.line > 0 {
			v = glua.LNumber(m.line)
		}
	default:
		L.RaiseError("unknown metadata field %q: use %s", field, metaFields)
	}
	L.Push(v)
	return 1
}

// metaNewIndex writes meta(rec).field. Key, headers, topic and timestamp
// are writable; partition, offset and line describe where the record came
// from and are not.
func (e *env) metaNewIndex(L *glua.LState) int {
	m := e.checkMeta(L)
	field := L.CheckString(2)
	v := L.Get(3)
	switch field {
	case "key":
		if v == glua.LNil {
			m.key = nil
		} else {
			m.key = []byte(e.text(L, v, "meta.key"))
		}
	case "headers":
		m.headers = e.headerList(L, v)
		m.ownHeaders = true
	case "topic":
		m.topic = e.text(L, v, "meta.topic")
	case "timestamp":
		switch v := v.(type) {
		case *glua.LNilType:
			m.timestamp = time.Time{}
		case glua.LNumber:
			m.timestamp = time.UnixMilli(int64(v))
		default:
			L.RaiseError("cannot set meta.timestamp to a %s value: use milliseconds since the epoch (time.parse returns them)", typeName(v))
		}
	case "partition", "offset", "line":
		L.RaiseError("meta.%s is read-only because it records where the record came from", field)
	default:
		L.RaiseError("unknown metadata field %q: use %s", field, metaFields)
	}
	m.hasMeta = true
	return 0
}

// text returns a string or number as metadata text.
func (e *env) text(L *glua.LState, v glua.LValue, target string) string {
	switch v := v.(type) {
	case glua.LString:
		return string(v)
	case glua.LNumber:
		return formatNumber(float64(v))
	}
	if n, ok := isBig(v); ok {
		return n.String()
	}
	L.RaiseError("cannot set %s to a %s value: use a string", target, typeName(v))
	return ""
}

// headerList converts the value assigned to meta(rec).headers: nil (no
// headers), a table of name = value (written in name order), or a list of
// {name, value} or {key = name, value = v} pairs, which keeps order and
// repeated names.
func (e *env) headerList(L *glua.LState, v glua.LValue) []record.Header {
	if v == glua.LNil {
		return []record.Header{}
	}
	t, ok := v.(*glua.LTable)
	if !ok {
		L.RaiseError("cannot set meta.headers to a %s value: use a table", typeName(v))
	}

	var headers []record.Header
	if t.Len() > 0 {
		for i := 1; i <= t.Len(); i++ {
			pair, ok := t.RawGetInt(i).(*glua.LTable)
			if !ok {
				L.RaiseError("meta.headers[%d] is a %s: use {name, value} or {key = name, value = v}", i, typeName(t.RawGetInt(i)))
			}
			name, value := pair.RawGetInt(1), pair.RawGetInt(2)
			if name == glua.LNil {
				name, value = pair.RawGetString("key"), pair.RawGetString("value")
			}
			headers = append(headers, record.Header{
				Key:   e.text(L, name, "a header name"),
				Value: e.headerValue(L, value),
			})
		}
		return headers
	}

	t.ForEach(func(k, value glua.LValue) {
		headers = append(headers, record.Header{
			Key:   e.text(L, k, "a header name"),
			Value: e.headerValue(L, value),
		})
	})
	sort.SliceStable(headers, func(i, j int) bool { return headers[i].Key < headers[j].Key })
	return headers
}

// headerValue converts a header value: nil and json.null are a null value.
func (e *env) headerValue(L *glua.LState, v glua.LValue) []byte {
	if v == glua.LNil || v == e.null {
		return nil
	}
	return []byte(e.text(L, v, "a header value"))
}

// headersIndex reads meta(rec).headers[name]: the last value with that
// name, as @headers.NAME paths do, or nil when missing or null.
func (e *env) headersIndex(L *glua.LState) int {
	m := e.checkHeaders(L)
	name := e.checkText(L, 2)
	for i := len(m.headers) - 1; i >= 0; i-- {
		if m.headers[i].Key == name {
			if m.headers[i].Value != nil {
				L.Push(glua.LString(m.headers[i].Value))
				return 1
			}
			break
		}
	}
	L.Push(glua.LNil)
	return 1
}

// headersNewIndex writes meta(rec).headers[name]: a value replaces every
// header of that name with one, at the place of the first; nil removes
// them all.
func (e *env) headersNewIndex(L *glua.LState) int {
	m := e.checkHeaders(L)
	name := e.checkText(L, 2)
	v := L.Get(3)
	remove := v == glua.LNil

	var value []byte
	if !remove {
		value = e.headerValue(L, v)
	}
	headers := m.ownedHeaders()
	out := headers[:0]
	placed := remove
	for _, h := range headers {
		if h.Key != name {
			out = append(out, h)
			continue
		}
		if !placed {
			out = append(out, record.Header{Key: name, Value: value})
			placed = true
		}
	}
	if !placed {
		out = append(out, record.Header{Key: name, Value: value})
	}
	m.headers = out
	m.hasMeta = true
	return 0
}

// headersPairs iterates over the headers in order, repeated names
// included; a null value comes as json.null.
func (e *env) headersPairs(L *glua.LState) int {
	m := e.checkHeaders(L)
	headers := append([]record.Header(nil), m.headers...)
	next := 0
	L.Push(L.NewFunction(func(L *glua.LState) int {
		if next >= len(headers) {
			L.Push(glua.LNil)
			return 1
		}
		h := headers[next]
		next++
		L.Push(glua.LString(h.Key))
		if h.Value == nil {
			L.Push(e.null)
		} else {
			L.Push(glua.LString(h.Value))
		}
		return 2
	}))
	L.Push(L.Get(1))
	L.Push(glua.LNil)
	return 3
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
