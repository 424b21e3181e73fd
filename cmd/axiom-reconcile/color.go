package main

import (
	"bytes"
	"io"
	"strings"

	"github.com/axiom-reconcile/axiom-reconcile/internal/progress"
	"github.com/axiom-reconcile/axiom-reconcile/internal/progress/termbar"
)

// Color, the Terraform way: on a terminal, plan and diff lines are colored by their action
// (+ create green, ~ change yellow, - destroy red), warnings and errors stand out, and the
// plan's summary is bold. --no-color and the NO_COLOR environment variable
// (https://no-color.org) turn it off; output that is not a terminal is never colored.
//
// Commands print plain text; a colorWriter in front of a terminal adds the escapes by line, so
// no command knows about color and the text (and every test of it) stays the same.

// colorOK says whether a stream that is (or is not) a terminal may be colored.
func (e *env) colorOK(terminal bool) bool {
	return terminal && !e.noColor && (e.getenv == nil || e.getenv("NO_COLOR") == "")
}

// setupTerminal puts colorWriters in front of the streams that may be colored and chooses how
// long work is shown: a bar on a terminal, when the log is for people too (console format),
// and nothing otherwise. The bars write to the terminal itself, past the colorWriter.
func (g *globals) setupTerminal() {
	e := g.env
	if e.stderrIsTerminal && (g.logFormat == "" || g.logFormat == "console") {
		g.progress = termbar.Reporter{W: e.stderr}
	}
	if e.colorOK(e.stdoutIsTerminal) {
		e.stdout = &colorWriter{w: e.stdout, atStart: true}
	}
	if e.colorOK(e.stderrIsTerminal) {
		e.stderr = &colorWriter{w: e.stderr, atStart: true}
	}
}

// reporter is the progress shown for long work: a terminal bar, or nothing.
func (g *globals) reporter() progress.Reporter { return progress.Or(g.progress) }

// SGR escapes.
const (
	sgrReset  = "\x1b[0m"
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrBoldRd = "\x1b[1;31m"
	sgrBoldYl = "\x1b[1;33m"
)

// lineColor picks the color of a line from its start (what the first write of it holds).
// "" leaves it plain.
func lineColor(start []byte) string {
	s := string(start)
	if strings.HasPrefix(s, "\x1b") { // colored already (HCL's diagnostics)
		return ""
	}
	switch {
	case strings.HasPrefix(s, "Error:"), strings.HasPrefix(s, "axiom-reconcile ") && strings.Contains(s, ": "):
		return sgrBoldRd
	case strings.HasPrefix(s, "Warning:"), strings.HasPrefix(s, "Not destroyed:"), strings.HasPrefix(s, "Not collected:"):
		return sgrBoldYl
	case strings.HasPrefix(s, "Plan:"):
		return sgrBold
	}
	switch t := strings.TrimLeft(s, " "); {
	case len(t) == len(s): // actions are indented
	case strings.HasPrefix(t, "+ "):
		return sgrGreen
	case strings.HasPrefix(t, "~ "):
		return sgrYellow
	case strings.HasPrefix(t, "- "):
		return sgrRed
	}
	return ""
}

// colorWriter colors whole lines by how they start. It does not buffer: a line's color is
// chosen from the first write that holds its start, and reset before its newline.
type colorWriter struct {
	w       io.Writer
	atStart bool // the next byte starts a line
	open    bool // a color is on and must be reset before the newline
}

func (c *colorWriter) Write(p []byte) (int, error) {
	var out bytes.Buffer
	for rest := p; len(rest) > 0; {
		line, tail, nl := bytes.Cut(rest, []byte{'\n'})
		if c.atStart && len(line) > 0 {
			if col := lineColor(line); col != "" {
				out.WriteString(col)
				c.open = true
			}
		}
		out.Write(line)
		c.atStart = false
		if nl {
			if c.open {
				out.WriteString(sgrReset)
				c.open = false
			}
			out.WriteByte('\n')
			c.atStart = true
		}
		rest = tail
	}
	if _, err := c.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
