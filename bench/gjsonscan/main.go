// Command gjsonscan is the baseline of the set-one-field benchmark: it
// reads JSON lines from stdin and calls gjson.GetBytes(line, PATH) once
// per line, with the gjson version that EtelGo itself uses. By default it
// writes nothing per line, only the counts at the end, so it measures one
// read pass over the bytes and nothing else. With -write it also writes
// every line to stdout unchanged, which adds the cost of the output that
// every edit pays.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tidwall/gjson"
)

func main() {
	path := flag.String("path", "status", "gjson path to look up in every line")
	write := flag.Bool("write", false, "write every line to stdout, and the counts to stderr")
	flag.Parse()

	var out *bufio.Writer
	counts := os.Stdout
	if *write {
		out = bufio.NewWriterSize(os.Stdout, 256<<10)
		counts = os.Stderr
	}
	lines, found, err := scan(os.Stdin, *path, out)
	if err == nil && out != nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gjsonscan: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(counts, "lines %d found %d\n", lines, found)
}

// scan counts the lines of r and the lines in which path exists, and
// writes every line to out unless out is nil.
func scan(r io.Reader, path string, out *bufio.Writer) (lines, found int64, err error) {
	in := bufio.NewReaderSize(r, 1<<20)
	var long []byte
	for {
		line, err := in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = long[:0:0]
		}
		if len(line) > 0 {
			lines++
			if gjson.GetBytes(line, path).Exists() {
				found++
			}
			if out != nil {
				if _, err := out.Write(line); err != nil {
					return lines, found, fmt.Errorf("write stdout: %w", err)
				}
			}
		}
		if err == io.EOF {
			return lines, found, nil
		}
		if err != nil {
			return lines, found, fmt.Errorf("read stdin: %w", err)
		}
	}
}
