package lua

import (
	"strings"
	"testing"
)

// evalCase is one expression and the text that tostring gives for it, or
// a substring of the error it raises.
type evalCase struct {
	expr    string
	want    string
	wantErr string
}

// runEval evaluates each expression in a script with rec bound to in.
func runEval(t *testing.T, in string, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		res := runScript(t, inline(`return tostring(`+c.expr+`)`), in)
		if c.wantErr != "" {
			if !strings.Contains(errText(res.err), c.wantErr) {
				t.Errorf("%s: error %q, want one containing %q", c.expr, errText(res.err), c.wantErr)
			}
			continue
		}
		if res.err != nil || len(res.values) != 1 || res.values[0] != c.want {
			t.Errorf("%s = %q, %v; want %q", c.expr, res.values, res.err, c.want)
		}
	}
}

func TestJSONLibrary(t *testing.T) {
	runEval(t, `{"o":{"b":1.0,"a":[]}}`, []evalCase{
		{`json.encode({b = 1, a = "x"})`, `{"a":"x","b":1}`, ""},
		{`json.encode({1, 2, {3}})`, `[1,2,[3]]`, ""},
		{`json.encode({})`, `{}`, ""},
		{`json.encode(json.array())`, `[]`, ""},
		{`json.encode(json.object({}))`, `{}`, ""},
		{`json.encode(nil)`, `null`, ""},
		{`json.encode("a\n")`, `"a\n"`, ""},
		{`json.encode(rec.o)`, `{"b":1.0,"a":[]}`, ""},
		{`json.encode({o = rec.o, n = json.null})`, `{"n":null,"o":{"b":1.0,"a":[]}}`, ""},
		{`json.encode(json.decode('{"z":1,"a":[1,null,{"k":[]}],"m":{}}'))`, `{"z":1,"a":[1,null,{"k":[]}],"m":{}}`, ""},
		{`json.encode(json.decode('{"big":12345678901234567891,"neg":-9223372036854775808}'))`, `{"big":12345678901234567891,"neg":-9223372036854775808}`, ""},
		{`(function() local t = json.decode('{"b":1,"a":2}') t.c = 3 t.b = nil return json.encode(t) end)()`, `{"a":2,"c":3}`, ""},
		{`(function() local t = json.decode('[1,2,3]') t[2] = nil return json.encode(t) end)()`, `[1,null,3]`, ""},
		{`json.decode('[1,2]')[2]`, `2`, ""},
		{`json.decode('{"a":null}').a == json.null`, `true`, ""},
		{`json.decode('null') == json.null`, `true`, ""},
		{`json.decode('"s"')`, `s`, ""},
		{`json.decode('1.5e3')`, `1500`, ""},
		{`bigint.is(json.decode('9007199254740993'))`, `true`, ""},
		{`json.null`, `null`, ""},
		{`json.decode('{"a":')`, "", "json.decode: invalid JSON at byte 5"},
		{`json.decode('1 2')`, "", "json.decode: invalid JSON"},
		{`json.encode(print)`, "", "json.encode: cannot write a function value as JSON"},
		{`json.array(setmetatable({}, {}))`, "", "the table has a metatable of its own"},
	})
}

func TestStringsLibrary(t *testing.T) {
	runEval(t, `{"tags":["a","b",3],"csv":"x, y ,z"}`, []evalCase{
		{`json.encode(strings.split("a,b,,c", ","))`, `["a","b","","c"]`, ""},
		{`json.encode(strings.split("a.b.c", ".", 2))`, `["a","b.c"]`, ""},
		{`json.encode(strings.split("", ","))`, `[""]`, ""},
		{`json.encode(strings.split("a%b", "%"))`, `["a","b"]`, ""},
		{`strings.join({"a", 1, true}, "-")`, `a-1-true`, ""},
		{`strings.join(rec.tags, "|")`, `a|b|3`, ""},
		{`strings.join(strings.split(rec.csv, ","), ";")`, `x; y ;z`, ""},
		{`"[" .. strings.trim("  a b \t\n") .. "]"`, `[a b]`, ""},
		{`strings.trim("--a--", "-")`, `a`, ""},
		{`strings.trim_left("  a  ") .. "|"`, `a  |`, ""},
		{`"|" .. strings.trim_right("  a  ")`, `|  a`, ""},
		{`strings.trim_right("a.,", ".,")`, `a`, ""},
		{`strings.has_prefix("abc", "ab")`, `true`, ""},
		{`strings.has_suffix("abc", "bc")`, `true`, ""},
		{`strings.contains("a.c", ".")`, `true`, ""},
		{`strings.contains("abc", ".")`, `false`, ""},
		{`strings.replace("a.a.a", ".", "-")`, `a-a-a`, ""},
		{`strings.replace("a.a.a", ".", "-", 1)`, `a-a.a`, ""},
		{`strings.join({{}}, ",")`, "", "element 1 is a table, not text"},
		{`strings.join(rec.csv, ",")`, "", "table or array expected"},
	})
}

func TestTimeLibrary(t *testing.T) {
	runEval(t, `{"ts":"2020-09-22T08:37:48.541Z","local":"2020-09-22 04:37:45"}`, []evalCase{
		{`time.parse(rec.ts)`, `1600763868541`, ""},
		{`time.parse("2020-09-22T10:37:48+02:00")`, `1600763868000`, ""},
		{`time.parse(rec["local"], "%Y-%m-%d %H:%M:%S")`, `1600749465000`, ""},
		{`time.parse(rec["local"], "%Y-%m-%d %H:%M:%S", "-04:00")`, `1600763865000`, ""},
		{`time.parse(rec["local"], "2006-01-02 15:04:05", "America/New_York")`, `1600763865000`, ""},
		{`time.parse("22/09/2020 08:37:48.500", "%d/%m/%Y %H:%M:%S.%L")`, `1600763868500`, ""},
		{`time.parse("22/09/2020 08:37:48.5", "%d/%m/%Y %H:%M:%S")`, `1600763868500`, ""},
		{`time.format(1600763868541)`, `2020-09-22T08:37:48.541Z`, ""},
		{`time.format(1600763868541, "%Y-%m-%d %H:%M")`, `2020-09-22 08:37`, ""},
		{`time.format(1600763868541, "%d %b %Y %H:%M:%S %z", "+02:00")`, `22 Sep 2020 10:37:48 +0200`, ""},
		{`time.format(1600763868541, "2006-01-02T15:04:05Z07:00", "Europe/Paris")`, `2020-09-22T10:37:48+02:00`, ""},
		{`time.format(time.parse(rec.ts)) == rec.ts`, `true`, ""},
		{`time.now() > 1600000000000`, `true`, ""},
		{`time.now() % 1 == 0`, `true`, ""},
		{`time.parse("yesterday")`, "", `time.parse: "yesterday" is not RFC 3339 time text`},
		{`time.parse("2020", "%Y-%m")`, "", `does not match the layout "%Y-%m"`},
		{`time.parse("2020", "%Q")`, "", `%Q is not supported`},
		{`time.parse("2020", "%Y", "Mars/Base")`, "", `unknown time zone "Mars/Base"`},
		{`time.format(0/0)`, "", `milliseconds expected`},
	})
}

func TestBigint(t *testing.T) {
	const doc = `{"k":-9223372036854775808,"b":12345678901234567891,"m":-9214364837600034816}`
	runEval(t, doc, []evalCase{
		{`rec.k`, `-9223372036854775808`, ""},
		{`rec.b + 1`, `12345678901234567892`, ""},
		{`rec.b - rec.b`, `0`, ""},
		{`type(rec.b - rec.b)`, `number`, ""},
		{`rec.b * 2`, `24691357802469135782`, ""},
		{`-rec.k`, `9223372036854775808`, ""},
		{`rec.k / 2`, `-4611686018427387904`, ""},
		{`rec.k % 1000`, `192`, ""},
		{`rec.k % -1000`, `-808`, ""},
		{`bigint.div(rec.b, 10)`, `1234567890123456789`, ""},
		{`bigint.div(rec.k, 1000)`, `-9223372036854776`, ""},
		{`rec.b == rec.b`, `true`, ""},
		{`rec.k < rec.m`, `true`, ""},
		{`rec.k <= rec.k`, `true`, ""},
		{`bigint.cmp(rec.k, 0)`, `-1`, ""},
		{`bigint.cmp(5, "5")`, `0`, ""},
		{`"k=" .. rec.k`, `k=-9223372036854775808`, ""},
		{`rec.k .. "!"`, `-9223372036854775808!`, ""},
		{`bigint.new("123456789012345678901234567890")`, `123456789012345678901234567890`, ""},
		{`type(bigint.new("12"))`, `number`, ""},
		{`bigint.tofloat(rec.k)`, `-9223372036854776000`, ""},
		{`bigint.is(rec.k) and not bigint.is(1)`, `true`, ""},
		{`tonumber(rec.k) == rec.k`, `true`, ""},
		{`json.encode({k = rec.k})`, `{"k":-9223372036854775808}`, ""},
		{`rec.b + 0.5`, "", "bigint addition with the fractional number 0.5"},
		{`rec.b / 7`, "", "is not exact: use bigint.div"},
		{`rec.b / 0`, "", "bigint division by zero"},
		{`rec.b ^ 2`, "", "bigint exponentiation is not supported"},
		{`rec.b + {}`, "", "bigint addition with a table value"},
		{`math.floor(rec.b)`, "", "number expected"},
		{`bigint.new("1.5")`, "", "not an integer"},
	})
}

func TestToNumberAndToString(t *testing.T) {
	runEval(t, `{}`, []evalCase{
		{`tonumber("2e2")`, `200`, ""},
		{`tonumber("5e-07")`, `5e-07`, ""},
		{`tonumber(" 42 ")`, `42`, ""},
		{`tonumber("0x1F")`, `31`, ""},
		{`tonumber("ff", 16)`, `255`, ""},
		{`tonumber("-101", 2)`, `-5`, ""},
		{`tonumber("12", 2)`, `nil`, ""},
		{`tonumber("1e")`, `nil`, ""},
		{`tonumber("inf")`, `nil`, ""},
		{`tonumber("")`, `nil`, ""},
		{`tonumber({})`, `nil`, ""},
		{`tonumber(7)`, `7`, ""},
		{`bigint.is(tonumber("9007199254740993"))`, `true`, ""},
		{`1e21`, `1000000000000000000000`, ""},
		{`0.1`, `0.1`, ""},
		{`1/3`, `0.3333333333333333`, ""},
		{`2^63`, `9223372036854776000`, ""},
		{`0/0`, `nan`, ""},
		{`-1/0`, `-inf`, ""},
		{`tonumber("1", 99)`, "", "base out of range"},
	})
}
