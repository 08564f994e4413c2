package main

import "fmt"

// outputKind is the destination of a contender's output.
type outputKind int

const (
	// toFile: the command writes lines to $OUT.
	toFile outputKind = iota
	// toTopic: the command produces to the topic $TOPIC_OUT, which the
	// harness creates before the run, counts and reads back after it,
	// and deletes.
	toTopic
	// toScan: the command writes "lines N ..." to $OUT (gjsonscan).
	toScan
)

// expectation is the output that a contender's output must equal.
type expectation struct {
	mode      checkMode
	sameInput bool // compare with the input lines instead of the reference row's output
}

// contender is one row of a scenario table: a tool doing the scenario's
// job on the scenario's input.
type contender struct {
	name      string   // shown in the table
	etl       bool     // an EtelGo row
	reference bool     // the row that the other rows' ratios are computed against
	tools     []string // executables that must exist, paths relative to $BIN when they start with "bin/"
	command   string   // bash, with $BIN, $BENCH, $IN, $OUT, $BROKERS, $TOPIC_IN, $TOPIC_OUT, $FIELD, $LIMIT, $COMPRESSION
	output    outputKind
	expect    expectation
	// untilDone marks a command that does not stop at the end of its
	// input (etl-pipe): it is timed until the output topic holds one
	// record per input line, then stopped with SIGTERM.
	untilDone bool
}

// scenario is one benchmark table per input.
type scenario struct {
	id       string
	title    string
	kafka    bool // reads the input from the topic $TOPIC_IN, loaded once per run of the harness
	fidelity bool // count the peers' lines that are byte-identical to EtelGo's
	build    func(d *dataset) []contender
}

// dataset is one input file, with the numeric field that the math and
// script scenarios edit.
type dataset struct {
	name  string
	path  string
	bytes int64
	lines int64
	field string // numeric field present on every line
	limit string // threshold on field for the script scenario
}

// The peers' commands. jq and mlr come from Debian packages, gojq and
// Benthos are built into $BIN by bench/compare.sh.
const (
	jq      = "jq"
	gojq    = "bin/gojq"
	mlr     = "mlr"
	benthos = "bin/benthos"
	kcat    = "kcat"
)

var scenarios = []scenario{
	{
		id:       "set",
		title:    "Set one field on JSON lines",
		fidelity: true,
		build: func(d *dataset) []contender {
			return []contender{
				{name: "etl-set", etl: true, reference: true, tools: []string{"bin/etl-set"},
					command: `"$BIN/etl-set" status=seen < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkCount, sameInput: true}},
				{name: "gjson.GetBytes scan", tools: []string{"bin/gjsonscan"}, output: toScan,
					command: `"$BIN/gjsonscan" -path status < "$IN" > "$OUT"`},
				{name: "gjson.GetBytes scan, writing every line", tools: []string{"bin/gjsonscan"},
					command: `"$BIN/gjsonscan" -write -path status < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
				{name: "jq", tools: []string{jq},
					command: `jq -c '.status="seen"' < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
				{name: "gojq", tools: []string{gojq},
					command: `"$BIN/gojq" -c '.status="seen"' < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
				{name: "mlr", tools: []string{mlr},
					command: `mlr --ijsonl --ojsonl put '$status="seen"' < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
				{name: "Benthos mapping", tools: []string{benthos},
					command: `"$BIN/benthos" -c "$BENCH/benthos/set.yaml" < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
			}
		},
	},
	{
		id:       "math",
		title:    "Numeric compound assignment: FIELD *= 1.2",
		fidelity: true,
		build: func(d *dataset) []contender {
			return []contender{
				{name: "etl-math", etl: true, reference: true, tools: []string{"bin/etl-math"},
					command: fmt.Sprintf(`"$BIN/etl-math" '%s *= 1.2' < "$IN" > "$OUT"`, d.field),
					expect:  expectation{mode: checkCount, sameInput: true}},
				{name: "jq", tools: []string{jq},
					command: fmt.Sprintf(`jq -c '.%s *= 1.2' < "$IN" > "$OUT"`, d.field),
					expect:  expectation{mode: checkJSON}},
				{name: "gojq", tools: []string{gojq},
					command: fmt.Sprintf(`"$BIN/gojq" -c '.%s *= 1.2' < "$IN" > "$OUT"`, d.field),
					expect:  expectation{mode: checkJSON}},
				{name: "mlr", tools: []string{mlr},
					command: fmt.Sprintf(`mlr --ijsonl --ojsonl put '$%s *= 1.2' < "$IN" > "$OUT"`, d.field),
					expect:  expectation{mode: checkJSON}},
				{name: "Benthos mapping", tools: []string{benthos},
					command: `"$BIN/benthos" -c "$BENCH/benthos/math.yaml" < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
			}
		},
	},
	{
		id:    "script",
		title: `Per-record script: status = "seen", size = FIELD > LIMIT ? "big" : "small"`,
		build: func(d *dataset) []contender {
			return []contender{
				{name: "etl-lua", etl: true, reference: true, tools: []string{"bin/etl-lua"},
					command: fmt.Sprintf(`"$BIN/etl-lua" -e 'rec.status = "seen"; if rec.%s > %s then rec.size = "big" else rec.size = "small" end' < "$IN" > "$OUT"`, d.field, d.limit),
					expect:  expectation{mode: checkCount, sameInput: true}},
				{name: "jq", tools: []string{jq},
					command: fmt.Sprintf(`jq -c '.status = "seen" | .size = (if .%s > %s then "big" else "small" end)' < "$IN" > "$OUT"`, d.field, d.limit),
					expect:  expectation{mode: checkJSON}},
				{name: "gojq", tools: []string{gojq},
					command: fmt.Sprintf(`"$BIN/gojq" -c '.status = "seen" | .size = (if .%s > %s then "big" else "small" end)' < "$IN" > "$OUT"`, d.field, d.limit),
					expect:  expectation{mode: checkJSON}},
				{name: "mlr", tools: []string{mlr},
					command: fmt.Sprintf(`mlr --ijsonl --ojsonl put '$status = "seen"; $size = $%s > %s ? "big" : "small"' < "$IN" > "$OUT"`, d.field, d.limit),
					expect:  expectation{mode: checkJSON}},
				{name: "Benthos bloblang", tools: []string{benthos},
					command: `"$BIN/benthos" -c "$BENCH/benthos/script.yaml" < "$IN" > "$OUT"`,
					expect:  expectation{mode: checkJSON}},
			}
		},
	},
	{
		id:    "kread",
		title: "Consume a topic to stdout",
		kafka: true,
		build: func(d *dataset) []contender {
			return []contender{
				{name: "etl-kread --values", etl: true, reference: true, tools: []string{"bin/etl-kread"},
					command: `"$BIN/etl-kread" -b "$BROKERS" -e --values "$TOPIC_IN" > "$OUT"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
				{name: "etl-kread (envelopes)", etl: true, tools: []string{"bin/etl-kread"},
					command: `"$BIN/etl-kread" -b "$BROKERS" -e "$TOPIC_IN" > "$OUT"`,
					expect:  expectation{mode: checkCount, sameInput: true}},
				{name: "bare franz-go loop", tools: []string{"bin/kafkatool"},
					command: `"$BIN/kafkatool" -b "$BROKERS" consume "$TOPIC_IN" > "$OUT"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
				{name: "kcat -C -e", tools: []string{kcat},
					command: `kcat -C -b "$BROKERS" -t "$TOPIC_IN" -o beginning -e -q > "$OUT"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
			}
		},
	},
	{
		id:    "kwrite",
		title: "Produce lines to a topic",
		kafka: true,
		build: func(d *dataset) []contender {
			return []contender{
				{name: "etl-kwrite", etl: true, reference: true, tools: []string{"bin/etl-kwrite"}, output: toTopic,
					command: `"$BIN/etl-kwrite" -b "$BROKERS" --compression "$COMPRESSION" "$TOPIC_OUT" < "$IN"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
				{name: "bare franz-go loop", tools: []string{"bin/kafkatool"}, output: toTopic,
					command: `"$BIN/kafkatool" -b "$BROKERS" -compression "$COMPRESSION" produce "$TOPIC_OUT" < "$IN"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
				{name: "kcat -P", tools: []string{kcat}, output: toTopic,
					command: `kcat -P -b "$BROKERS" -t "$TOPIC_OUT" -z "$COMPRESSION" < "$IN"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
			}
		},
	},
	{
		id:    "pipe",
		title: "Kafka to Kafka with two edits: status=seen, FIELD *= 1.2",
		kafka: true,
		build: func(d *dataset) []contender {
			edits := fmt.Sprintf(`etl-set status=seen | etl-math '%s *= 1.2'`, d.field)
			return []contender{
				{name: "etl-pipe", etl: true, reference: true, tools: []string{"bin/etl-pipe"}, output: toTopic,
					untilDone: true,
					command:   fmt.Sprintf(`exec "$BIN/etl-pipe" run --admin off "etl-kread -b $BROKERS $TOPIC_IN | %s | etl-kwrite -b $BROKERS --compression $COMPRESSION $TOPIC_OUT"`, edits),
					expect:    expectation{mode: checkCount, sameInput: true}},
				{name: "etl-kread | etl-set | etl-math | etl-kwrite", etl: true, tools: []string{"bin/etl-kread", "bin/etl-set", "bin/etl-math", "bin/etl-kwrite"}, output: toTopic,
					command: fmt.Sprintf(`"$BIN/etl-kread" -b "$BROKERS" -e "$TOPIC_IN" | "$BIN/etl-set" status=seen | "$BIN/etl-math" '%s *= 1.2' | "$BIN/etl-kwrite" -b "$BROKERS" --compression "$COMPRESSION" "$TOPIC_OUT"`, d.field),
					expect:  expectation{mode: checkJSON}},
				{name: "kcat -C | jq | kcat -P", tools: []string{kcat, jq}, output: toTopic,
					command: fmt.Sprintf(`kcat -C -b "$BROKERS" -t "$TOPIC_IN" -o beginning -e -q | jq -c '.status="seen" | .%s *= 1.2' | kcat -P -b "$BROKERS" -t "$TOPIC_OUT" -z "$COMPRESSION"`, d.field),
					expect:  expectation{mode: checkJSON}},
				{name: "bare copy: etl-pipe, no stages", etl: true, tools: []string{"bin/etl-pipe"}, output: toTopic,
					untilDone: true,
					command:   `exec "$BIN/etl-pipe" run --admin off "etl-kread -b $BROKERS $TOPIC_IN | etl-kwrite -b $BROKERS --compression $COMPRESSION $TOPIC_OUT"`,
					expect:    expectation{mode: checkExact, sameInput: true}},
				{name: "bare copy: etl-kread | etl-kwrite", etl: true, tools: []string{"bin/etl-kread", "bin/etl-kwrite"}, output: toTopic,
					command: `"$BIN/etl-kread" -b "$BROKERS" -e "$TOPIC_IN" | "$BIN/etl-kwrite" -b "$BROKERS" --compression "$COMPRESSION" "$TOPIC_OUT"`,
					expect:  expectation{mode: checkExact, sameInput: true}},
			}
		},
	},
}
