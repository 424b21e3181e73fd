// Command benchchart reads `go test -bench` output (files, or standard input) and writes the
// SVG chart of internal/benchchart: `go run ./scripts/benchchart -o docs/bench.svg bench.txt`.
// make bench runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/internal/benchchart"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchchart:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchchart", flag.ContinueOnError)
	out := fs.String("o", "", "write the SVG to `FILE` (default: standard output)")
	title := fs.String("title", "axiom-reconcile benchmarks: ours beside the baselines", "the chart's `TITLE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var points []benchchart.Point
	read := func(name string, r io.Reader) error {
		p, err := benchchart.Parse(r)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		points = append(points, p...)
		return nil
	}
	if fs.NArg() == 0 {
		if err := read("standard input", stdin); err != nil {
			return err
		}
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = read(name, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	panels := benchchart.Collect(points)
	if *out == "" {
		return benchchart.WriteSVG(stdout, *title, panels)
	}
	var b bytes.Buffer
	if err := benchchart.WriteSVG(&b, *title, panels); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchchart: %d panels from %d measurements -> %s\n", len(panels), len(points), *out)
	return nil
}
