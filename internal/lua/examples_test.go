package lua

import (
	"os"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// The scripts under examples/lua, run the way their headers show.

func TestExampleWindowsEvents(t *testing.T) {
	data, err := os.ReadFile("testdata/windows-security-events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	exit, stdout, stderr := runCommand(t, string(data), "--var", "zone=-04:00", "../../examples/lua/windows_events.lua")
	if exit != 0 {
		t.Fatalf("exit %d, stderr %q", exit, stderr)
	}

	inLines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	outLines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	kept := 0
	for _, line := range inLines {
		if gjson.Get(line, "EventID").Int() != 10 {
			kept++
		}
	}
	if len(outLines) != kept || kept == len(inLines) || kept == 0 {
		t.Fatalf("%d lines out of %d, want %d (EventID 10 dropped)", len(outLines), len(inLines), kept)
	}

	first := outLines[0]
	for path, want := range map[string]string{
		"Keywords":     "-9214364837600034816",
		"Channel":      `"security"`,
		"ProcessId":    "3596",
		"SourcePort":   "58777",
		"EventTimeUTC": `"2020-09-22T08:37:45.000Z"`,
		"audit":        `"success"`,
		"Summary":      `"The Windows Filtering Platform has permitted a bind to a local port."`,
		"Message":      "",
		"FilterRTID":   `"0"`,
	} {
		if got := gjson.Get(first, path).Raw; got != want {
			t.Errorf("first record %s = %s, want %s", path, got, want)
		}
	}
	for i, line := range outLines {
		if !gjson.Valid(line) {
			t.Fatalf("line %d is not JSON: %s", i+1, line)
		}
		if k := gjson.Get(line, "Keywords").Raw; !strings.HasPrefix(k, "-92") && k != "1152921504606846976" {
			t.Errorf("line %d: Keywords %s changed", i+1, k)
		}
	}
}

func TestExampleSplitItems(t *testing.T) {
	in := `{"id":"o1","customer":"c9","items":[{"sku":"a","qty":2},{"sku":"b","qty":1.50}]}` + "\n" + `{"id":"o2"}` + "\n"
	exit, stdout, stderr := runCommand(t, in, "../../examples/lua/split_items.lua")
	want := `{"sku":"a","qty":2,"order":"o1","customer":"c9","line":1}` + "\n" + `{"sku":"b","qty":1.50,"order":"o1","customer":"c9","line":2}` + "\n"
	if exit != 0 || stdout != want {
		t.Errorf("exit %d, stderr %q, stdout %q; want %q", exit, stderr, stdout, want)
	}
}

func TestExampleCountBy(t *testing.T) {
	in := "{\"status\":\"ok\"}\n{\"status\":\"err\"}\n{\"status\":\"ok\"}\n{}\n"
	exit, stdout, stderr := runCommand(t, in, "--var", "field=status", "../../examples/lua/count_by.lua")
	want := "{\"status\":\"ok\",\"count\":2}\n{\"status\":\"err\",\"count\":1}\n{\"status\":null,\"count\":1}\n"
	if exit != 0 || stdout != want || stderr != "" {
		t.Errorf("exit %d, stderr %q, stdout %q; want %q", exit, stderr, stdout, want)
	}
}

func TestExampleMaskPII(t *testing.T) {
	in := `{"email":"alice@example.com","card":"4111 1111 1111 1234","ssn":"123-45-6789","id":7}` + "\n"
	exit, stdout, stderr := runCommand(t, in, "--lua-path", "../../examples/lua/lib", "../../examples/lua/mask_pii.lua")
	want := `{"email":"a***@example.com","card":"************1234","id":7}` + "\n"
	if exit != 0 || stdout != want {
		t.Errorf("exit %d, stderr %q, stdout %q; want %q", exit, stderr, stdout, want)
	}

	exit, _, stderr = runCommand(t, in, "../../examples/lua/mask_pii.lua")
	if exit != 1 || !strings.Contains(stderr, `require("mask"): modules are off`) {
		t.Errorf("without --lua-path: exit %d, stderr %q", exit, stderr)
	}
}
