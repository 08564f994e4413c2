package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitPipeline(t *testing.T) {
	cases := []struct {
		line string
		want [][]string
		cols []int
	}{
		{"etl-set a=1", [][]string{{"etl-set", "a=1"}}, []int{1}},
		{"etl-kread t | etl-set a=1 | etl-kwrite out", [][]string{{"etl-kread", "t"}, {"etl-set", "a=1"}, {"etl-kwrite", "out"}}, []int{1, 15, 29}},
		{`etl-set 'note=a | b' "x=y z"`, [][]string{{"etl-set", "note=a | b", "x=y z"}}, []int{1}},
		{`etl-set a\ b=1 c="q\"d" 'it'\''s'`, [][]string{{"etl-set", "a b=1", `c=q"d`, "it's"}}, []int{1}},
		{"etl-set a=1|etl-set b=2", [][]string{{"etl-set", "a=1"}, {"etl-set", "b=2"}}, []int{1, 13}},
		{"etl-math 'amount *= 1.2'", [][]string{{"etl-math", "amount *= 1.2"}}, []int{1}},
		{"etl-set x=''", [][]string{{"etl-set", "x="}}, []int{1}},
		{"etl-set \\\n a=1", [][]string{{"etl-set", "a=1"}}, []int{1}},
		{`etl-set "a=\$HOME" 'b=$x'`, [][]string{{"etl-set", "a=$HOME", "b=$x"}}, []int{1}},
		{"etl-set a=1$", [][]string{{"etl-set", "a=1$"}}, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			cmds, err := SplitPipeline(tc.line)
			if err != nil {
				t.Fatalf("SplitPipeline: %v", err)
			}
			var got [][]string
			var cols []int
			for _, c := range cmds {
				got = append(got, c.Args)
				cols = append(cols, c.Col)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("words = %q, want %q", got, tc.want)
			}
			if !reflect.DeepEqual(cols, tc.cols) {
				t.Errorf("columns = %v, want %v", cols, tc.cols)
			}
		})
	}
}

func TestSplitPipelineErrors(t *testing.T) {
	cases := []struct {
		line string
		col  int
		msg  string
	}{
		{"", 1, "empty"},
		{"etl-set a=1 |", 14, "ends with |"},
		{"| etl-set", 1, "without a command before it"},
		{"etl-set a=1 || etl-set", 13, "||"},
		{"etl-set 'a=1", 9, "unterminated single quote"},
		{`etl-set "a=1`, 9, "unterminated double quote"},
		{"etl-set a=1; rm x", 12, "shell operator"},
		{"etl-set a=1 > out", 13, "shell operator"},
		{"etl-set a=$HOME", 11, "does not expand"},
		{`etl-set "a=$(id)"`, 12, "does not expand"},
		{"etl-set #x", 9, "comment"},
		{"etl-set a=1 \\", 13, "backslash at the end"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			_, err := SplitPipeline(tc.line)
			syn, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("error = %v, want a *SyntaxError", err)
			}
			if syn.Col != tc.col {
				t.Errorf("column = %d, want %d (%s)", syn.Col, tc.col, syn.Msg)
			}
			if !strings.Contains(syn.Msg, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", syn.Msg, tc.msg)
			}
		})
	}
}

func TestQuoteArgsRoundTrip(t *testing.T) {
	words := []string{"etl-set", "a=1", "note=a | b", "it's", "", `x="y"`, "$HOME", "#c", "tab\there"}
	cmds, err := SplitPipeline(QuoteArgs(words))
	if err != nil {
		t.Fatalf("split %q: %v", QuoteArgs(words), err)
	}
	if len(cmds) != 1 || !reflect.DeepEqual(cmds[0].Args, words) {
		t.Errorf("round trip of %q gave %v", words, cmds)
	}
}

func FuzzSplitPipeline(f *testing.F) {
	for _, seed := range []string{
		"etl-kread t | etl-set a=1 | etl-kwrite out",
		`etl-set 'a | b' "c \" d" e\ f`,
		"etl-set a=1 || x",
		`"unterminated`,
		"etl-set \\\n a",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmds, err := SplitPipeline(line)
		if err != nil {
			syn, ok := err.(*SyntaxError)
			if !ok || syn.Col < 1 || syn.Col > len(line)+1 {
				t.Fatalf("error %v for %q has no column inside the line", err, line)
			}
			return
		}
		// Quoting the words of each command gives them back.
		for _, c := range cmds {
			if len(c.Args) == 0 {
				t.Fatalf("empty command from %q", line)
			}
			back, err := SplitPipeline(QuoteArgs(c.Args))
			if err != nil || len(back) != 1 || !reflect.DeepEqual(back[0].Args, c.Args) {
				t.Fatalf("words %q of %q do not survive QuoteArgs: %v, %v", c.Args, line, back, err)
			}
		}
	})
}
