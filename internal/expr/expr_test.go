package expr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/etelgo/etelgo/internal/record"
)

const sample = `{"price":19.99,"qty":3,"amount":"12.50","name":"Zoë","big":12345678901234567891,"neg":-9223372036854775808,` +
	`"one":1.0,"flag":true,"off":false,"none":null,"user":{"id":7,"tags":["a","b"]},"id.orig_h":"10.0.0.1",` +
	`"@timestamp":"2020-09-22T08:37:48.541Z","esc":"a\"b","zero":0,"list":[1,2]}`

func sampleRecord() *record.Record {
	return &record.Record{
		Value:     []byte(sample),
		Key:       []byte("order-7"),
		Headers:   []record.Header{{Key: "trace-id", Value: []byte("abc")}, {Key: "empty", Value: nil}},
		Topic:     "orders",
		Partition: 2,
		Offset:    42,
		Timestamp: time.UnixMilli(1442018818771),
		Line:      3,
		HasMeta:   true,
	}
}

func TestPredicate(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`price > 10`, true},
		{`price == 19.99`, true},
		{`price == 19.990`, true},
		{`one == 1`, true},
		{`one != 1`, false},
		{`qty * price == 59.97`, true},
		{`0.1 + 0.2 == 0.3`, true},
		{`big == 12345678901234567891`, true},
		{`big > 12345678901234567890`, true},
		{`big < 12345678901234567892`, true},
		{`neg == -9223372036854775808`, true},
		{`name == "Zoë"`, true},
		{`name < "Zz"`, true},
		{`esc == "a\"b"`, true},
		{`flag`, true},
		{`off`, false},
		{`not off`, true},
		{`!flag`, false},
		{`flag == true`, true},
		{`flag and qty == 3`, true},
		{`off or qty == 3`, true},
		{`off && qty == 3`, false},
		{`flag || nosuch`, true},
		{`none == null`, true},
		{`nosuch == null`, true},
		{`nosuch != null`, false},
		{`exists(none)`, true},
		{`exists(nosuch)`, false},
		{`exists(user.id)`, true},
		{`user.id == 7`, true},
		{`user.tags.1 == "b"`, true},
		{`id\.orig_h == "10.0.0.1"`, true},
		{`\@timestamp =~ "^2020-09-22"`, true},
		{`name =~ "^Z"`, true},
		{`name !~ "^Z"`, false},
		{`qty in [1, 2, 3]`, true},
		{`qty in [1, 2, "3"]`, false},
		{`qty not in [1, 2]`, true},
		{`name in ["Zoë", 1, null]`, true},
		{`nosuch in [null]`, true},
		{`amount == "12.50"`, true},
		{`num(amount) == 12.5`, true},
		{`str(qty) == "3"`, true},
		{`str(one) == "1.0"`, true},
		{`round(price) == 20`, true},
		{`round(price, 1) == 20.0`, true},
		{`abs(-3) == 3`, true},
		{`min(qty, price, 2) == 2`, true},
		{`max(qty, price) == price`, true},
		{`pow(2, 10) == 1024`, true},
		{`sqrt(16) == 4`, true},
		{`floor(-1.5) == -2 and ceil(-1.5) == -1`, true},
		{`-qty == -3`, true},
		{`- -3 == 3`, true},
		{`qty % 2 == 1`, true},
		{`(qty + 1) * 2 == 8`, true},
		{`qty + 1 * 2 == 5`, true},
		{`10 / 4 == 2.5`, true},
		{`user == user`, true},
		{`list == list`, true},

		// Missing fields, mixed types and failed computations.
		{`nosuch > 1`, false},
		{`nosuch == 1`, false},
		{`nosuch != 1`, true},
		{`nosuch`, false},
		{`not nosuch`, true},
		{`amount > 1`, false},
		{`amount == 12.5`, false},
		{`amount != 12.5`, true},
		{`amount * 2 > 1`, false},
		{`amount * 2 != 1`, true},
		{`qty / zero == 1`, false},
		{`qty / zero != 1`, true},
		{`none < 1`, false},
		{`flag > false`, false},
		{`nosuch =~ "x"`, false},
		{`qty =~ "3"`, false},
		{`nosuch in [1]`, false},
		{`name`, false},

		// Metadata.
		{`@key == "order-7"`, true},
		{`@key =~ "^order-"`, true},
		{`@topic == "orders"`, true},
		{`@partition == 2`, true},
		{`@offset >= 42`, true},
		{`@timestamp == 1442018818771`, true},
		{`@headers.trace-id == "abc"`, true},
		{`@headers.empty == null`, true},
		{`exists(@headers.empty)`, true},
		{`exists(@headers.nosuch)`, false},
		{`@offset-1 == 41`, true},
	}
	env := NewEnv(Options{Scale: DefaultScale})
	for _, tc := range tests {
		p, err := CompilePredicate(tc.src)
		if err != nil {
			t.Errorf("CompilePredicate(%q): %v", tc.src, err)
			continue
		}
		got, err := p.Test(env, sampleRecord())
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %t, want %t", tc.src, got, tc.want)
		}
	}
}

func TestPredicatePlainLine(t *testing.T) {
	rec := &record.Record{Value: []byte(`{"a":1}`), Line: 1}
	env := NewEnv(Options{Scale: DefaultScale})
	for src, want := range map[string]bool{
		`a == 1`:             true,
		`@key == null`:       true,
		`exists(@key)`:       false,
		`exists(@topic)`:     false,
		`@partition == 0`:    false,
		`exists(@headers.a)`: false,
	} {
		p, err := CompilePredicate(src)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.Test(env, rec); err != nil || got != want {
			t.Errorf("%s on a plain line = %t, %v; want %t", src, got, err, want)
		}
	}
}

func TestPredicateNonJSONValue(t *testing.T) {
	env := NewEnv(Options{Scale: DefaultScale})
	p, err := CompilePredicate(`exists(hello) or @key == "k"`)
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range [][]byte{nil, {}, []byte("hello world"), []byte("42")} {
		rec := &record.Record{Value: value, Key: []byte("x"), HasMeta: true}
		if got, err := p.Test(env, rec); err != nil || got {
			t.Errorf("value %q: got %t, %v; want false", value, got, err)
		}
	}
}

func TestPredicateStrict(t *testing.T) {
	tests := []struct {
		src     string
		want    bool
		wantErr error
		msg     string
	}{
		{`price > 10`, true, nil, ""},
		{`nosuch == null`, true, nil, ""},
		{`none == 1`, false, nil, ""},
		{`nosuch > 1`, false, ErrMissing, "nosuch is missing"},
		{`nosuch == 1`, false, ErrMissing, "nosuch is missing"},
		{`amount > 1`, false, ErrType, `cannot compare amount (the string "12.50") with 1 (the number 1)`},
		{`amount * 2 > 1`, false, ErrType, `amount is the string "12.50", not a number; convert it with num(amount)`},
		{`qty / zero == 1`, false, ErrDivisionByZero, `division by zero in "qty / zero"`},
		{`qty =~ "3"`, false, ErrType, "qty is the number 3, not a string"},
		{`name`, false, ErrType, `name is the string "Zoë", not a boolean`},
		{`nosuch`, false, ErrMissing, "nosuch is missing"},
		{`off and nosuch`, false, nil, ""},
		{`exists(nosuch) and nosuch > 1`, false, nil, ""},
		{`none < 1`, false, ErrType, "cannot compare none (null) with 1 (the number 1)"},
		{`num(name) > 1`, false, ErrNotNumber, `num(name): the string "Zoë" is not a number`},
	}
	env := NewEnv(Options{Scale: DefaultScale, Strict: true})
	for _, tc := range tests {
		p, err := CompilePredicate(tc.src)
		if err != nil {
			t.Errorf("CompilePredicate(%q): %v", tc.src, err)
			continue
		}
		got, err := p.Test(env, sampleRecord())
		if tc.wantErr == nil {
			if err != nil || got != tc.want {
				t.Errorf("%s = %t, %v; want %t", tc.src, got, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s error = %v, want %v", tc.src, err, tc.wantErr)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("%s error message = %q, want %q", tc.src, err.Error(), tc.msg)
		}
	}
}

func TestAssignmentEval(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`price *= 1.2`, `23.988`},
		{`total = price * qty`, `59.97`},
		{`qty *= 2`, `6`},
		{`qty /= 2`, `1.5`},
		{`qty -= 3`, `0`},
		{`qty += 0.5`, `3.5`},
		{`x = 0.1 + 0.2`, `0.3`},
		{`x = 1819.86 * 1.2`, `2183.832`},
		{`x = 3 * 2`, `6`},
		{`x = big * 10`, `123456789012345678910`},
		{`x = neg - 1`, `-9223372036854775809`},
		{`x = 1 / 3`, `0.3333333333333333`},
		{`x = one`, `1.0`},
		{`x = one * 1`, `1.0`},
		{`x = big`, `12345678901234567891`},
		{`x = num(amount) * 2`, `25.00`},
		{`x = str(price)`, `"19.99"`},
		{`x = str(qty * 2)`, `"6"`},
		{`x = name`, `"Zoë"`},
		{`x = esc`, `"a\"b"`},
		{`x = user`, `{"id":7,"tags":["a","b"]}`},
		{`x = none`, `null`},
		{`x = qty > 2`, `true`},
		{`x = round(price, 1)`, `20.0`},
		{`x = round(1.5) + round(2.5)`, `4`},
		{`x = sqrt(2)`, `1.4142135623730951`},
		{`x = pow(2, 0.5)`, `1.4142135623730951`},
		{`x = pow(1.5, 2)`, `2.25`},
		{`x = pow(2, -1)`, `0.5`},
		{`x = min(price, qty)`, `3`},
		{`x = abs(-price)`, `19.99`},
		{`x = 1e3 * 2`, `2000`},
		{`x = 1.5e30 * 2`, `3.0e+30`},
		{`x = @partition + 1`, `3`},
		{`x = "tab\there"`, `"tab\there"`},
		{`x = -0.0 * 1`, `0.0`},
	}
	env := NewEnv(Options{Scale: DefaultScale})
	for _, tc := range tests {
		a, err := CompileAssignment(tc.src)
		if err != nil {
			t.Errorf("CompileAssignment(%q): %v", tc.src, err)
			continue
		}
		v, err := a.Eval(env, sampleRecord())
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := string(v.AppendJSON(nil)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestAssignmentEvalErrors(t *testing.T) {
	tests := []struct {
		src     string
		wantErr error
		msg     string
	}{
		{`nosuch *= 2`, ErrMissing, `nosuch is missing`},
		{`x = nosuch`, ErrMissing, `nosuch is missing`},
		{`x = nosuch.deeper + 1`, ErrMissing, `nosuch.deeper is missing`},
		{`none += 1`, ErrType, `none is null, not a number`},
		{`amount *= 2`, ErrType, `amount is the string "12.50", not a number; convert it with num(amount)`},
		{`flag *= 2`, ErrType, `flag is the boolean true, not a number`},
		{`user *= 2`, ErrType, `user is the object {"id":7,"tags":["a","b"]}, not a number`},
		{`qty /= 0`, ErrDivisionByZero, `division by zero in "qty /= 0"`},
		{`x = price / (qty - 3)`, ErrDivisionByZero, `division by zero in "price / (qty - 3)"`},
		{`x = qty % zero`, ErrDivisionByZero, `division by zero in "qty % zero"`},
		{`x = sqrt(-4)`, ErrDomain, `sqrt(-4) has no real result for the number -4`},
		{`x = pow(-8, 0.5)`, ErrDomain, `pow(-8, 0.5) has no real result for the number -8`},
		{`x = pow(0, -1)`, ErrDivisionByZero, `division by zero in pow(0, -1)`},
		{`x = pow(10, 1000000)`, ErrRange, `pow(10, 1000000): ` + ErrRange.Error()},
		{`x = num(name)`, ErrNotNumber, `num(name): the string "Zoë" is not a number`},
		{`x = round(price, 0.5)`, ErrType, `0.5 is the number 0.5, not an integer`},
		{`x = str(none)`, ErrType, `none is null, not a number, a string or a boolean`},
		{`x = amount > 1`, ErrType, `cannot compare amount (the string "12.50") with 1 (the number 1)`},
		{`@key = @headers.nosuch`, ErrMissing, `@headers.nosuch is missing`},
	}
	env := NewEnv(Options{Scale: DefaultScale, Strict: true})
	for _, tc := range tests {
		a, err := CompileAssignment(tc.src)
		if err != nil {
			t.Errorf("CompileAssignment(%q): %v", tc.src, err)
			continue
		}
		_, err = a.Eval(env, sampleRecord())
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s error = %v, want %v", tc.src, err, tc.wantErr)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("%s error message:\n got %s\nwant %s", tc.src, err.Error(), tc.msg)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src       string
		assign    bool
		column    int
		msgPrefix string
	}{
		{``, false, 1, "empty condition"},
		{`price >`, false, 8, "expected a number, a string, a field or (, found the end of the expression"},
		{`price > > 1`, false, 9, `expected a number, a string, a field or (, found ">"`},
		{`price = 1`, false, 7, "unexpected =: an assignment goes at the start"},
		{`1 < x < 3`, false, 7, "comparisons do not chain"},
		{`(price > 1`, false, 1, `this ( is not closed: add a ) after "(price > 1"`},
		{`(price > 1 2`, false, 12, `expected a ) to close the ( at column 1, found "2"`},
		{`price > 1)`, false, 10, "unexpected ): it closes no ("},
		{`price > 1 qty`, false, 11, `unexpected "qty" after a complete expression`},
		{`name == 'x'`, false, 9, "strings are written in double quotes"},
		{`name == "x`, false, 9, "string has no closing double quote"},
		{`qty == 007`, false, 8, "invalid number 007: leading zeros are not allowed"},
		{`qty == 1.`, false, 8, "invalid number 1."},
		{`qty == 12abc`, false, 8, "invalid number 12abc"},
		{`qty * "2" > 1`, false, 7, `"\"2\"" is a string, not a number`},
		{`qty + true > 1`, false, 7, `"true" is a condition, not a number`},
		{`price`, false, 1, ""},
		{`price + 1`, false, 1, `"price + 1" is a number, not a condition`},
		{`"abc"`, false, 1, `"\"abc\"" is a string, not a condition`},
		{`qty > 1 and 5`, false, 13, `"5" is a number, not a condition`},
		{`name =~ "("`, false, 9, "invalid regular expression: missing closing )"},
		{`qty =~ name`, false, 8, "expected a regular expression in double quotes"},
		{`1 =~ "1"`, false, 1, `"1" is a number: =~ matches strings`},
		{`qty in [1, qty]`, false, 12, "a list holds only numbers"},
		{`qty in 1`, false, 8, "expected a list such as"},
		{`[1] == qty`, false, 1, "a list in [...] is only allowed after in"},
		{`foo(1) > 1`, false, 1, "unknown function foo: the functions are exists, round"},
		{`round(1, 2, 3) > 1`, false, 1, "round is called with 3 arguments: write round(x[, digits])"},
		{`round("a") > 1`, false, 7, `"\"a\"" is a string, not a number`},
		{`exists(1)`, false, 8, "exists takes a field path"},
		{`exists(a, b)`, false, 1, "exists takes one field path"},
		{`@nosuch == 1`, false, 1, `unknown metadata path "@nosuch"`},
		{`a..b == 1`, false, 1, `invalid path "a..b"`},
		{`a* == 1`, false, 4, `expected a number, a string, a field or (, found "=="`},
		{`.a == 1`, false, 1, `unexpected character '.'`},
		{`price \`, false, 7, "a backslash at the end"},
		{`price *= 1.2`, true, 0, ""},
		{`price * 1.2`, true, 7, "expected an assignment"},
		{`1 = 2`, true, 1, "expected an assignment"},
		{`@topic = "x"`, true, 1, "cannot assign to @topic"},
		{`@offset += 1`, true, 1, "cannot assign to @offset"},
		{`price *= "2"`, true, 10, `"\"2\"" is a string, not a number`},
		{`price = `, true, 9, "expected a number, a string, a field or (, found the end of the expression"},
		{`price = 1 = 2`, true, 11, "unexpected =: an assignment goes at the start"},
		{`total = (price * qty`, true, 9, "this ( is not closed"},
		{`zoë = ü +`, true, 10, "expected a number"},
	}
	for _, tc := range tests {
		var err error
		if tc.assign {
			_, err = CompileAssignment(tc.src)
		} else {
			_, err = CompilePredicate(tc.src)
		}
		if tc.msgPrefix == "" {
			if err != nil {
				t.Errorf("compile %q: %v", tc.src, err)
			}
			continue
		}
		var syntaxErr *SyntaxError
		if !errors.As(err, &syntaxErr) {
			t.Errorf("compile %q error = %v, want a SyntaxError", tc.src, err)
			continue
		}
		if !strings.HasPrefix(syntaxErr.Msg, tc.msgPrefix) {
			t.Errorf("compile %q message = %q, want it to begin with %q", tc.src, syntaxErr.Msg, tc.msgPrefix)
		}
		if got := syntaxErr.Column(); got != tc.column {
			t.Errorf("compile %q column = %d, want %d", tc.src, got, tc.column)
		}
	}
}

func TestSyntaxErrorCaret(t *testing.T) {
	_, err := CompileAssignment("amount *= )")
	want := "expected a number, a string, a field or (, found \")\" at column 11\n    amount *= )\n              ^"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}

func TestEvalAllocations(t *testing.T) {
	rec := sampleRecord()
	env := NewEnv(Options{Scale: DefaultScale})
	assign, err := CompileAssignment(`price *= 1.2`)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := CompilePredicate(`qty > 2 and name =~ "^Z" and @key == "order-7" and big != 1`)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		v, _ := assign.Eval(env, rec)
		buf = v.AppendJSON(buf[:0])
	}); n != 0 {
		t.Errorf("assignment allocates %v times per record, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		_, _ = pred.Test(env, rec)
	}); n != 0 {
		t.Errorf("predicate allocates %v times per record, want 0", n)
	}
}

func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`price *= 1.2`,
		`total = round(price * qty, 2)`,
		`@key = str(user.id)`,
		`@headers.trace-id = "x"`,
		`delta == added - deleted`,
		`not (a in [1, "b", null]) or b =~ "^x" && exists(c.d)`,
		`id\.orig_h != "x" and -(-1) < pow(2, 0.5)`,
		`x == "\u00e9\ud83d\ude00"`,
		`1e400 == 1`,
		`((((`,
		`"\`,
		`a.b.\`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		env := NewEnv(Options{Scale: 4, Strict: len(src)%2 == 0})
		rec := sampleRecord()
		if p, err := CompilePredicate(src); err == nil {
			_, _ = p.Test(env, rec)
		} else {
			_ = err.Error()
		}
		if a, err := CompileAssignment(src); err == nil {
			if v, err := a.Eval(env, rec); err == nil {
				_ = v.AppendJSON(nil)
			}
		} else {
			_ = err.Error()
		}
	})
}

func TestCompiledSharedByGoroutines(t *testing.T) {
	pred, err := CompilePredicate(`big == 12345678901234567891 and -big < 123456789012345678901234567890 and name =~ "^Z"`)
	if err != nil {
		t.Fatal(err)
	}
	assign, err := CompileAssignment(`x = big * 123456789012345678901234567890 / 7`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 4 {
		go func() {
			env := NewEnv(Options{Scale: DefaultScale})
			rec := sampleRecord()
			for range 200 {
				ok, err := pred.Test(env, rec)
				if err == nil && !ok {
					err = errors.New("the predicate does not hold")
				}
				if err == nil {
					_, err = assign.Eval(env, rec)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
