package spec

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// TextOptions control WriteDiagnostics.
type TextOptions struct {
	Width uint // wrap details at this many columns; 0 does not wrap
	Color bool // VT100 colors and highlighting, for terminals
}

// WriteDiagnostics writes diags for people: each one starts with a "file:line:column: " location
// that editors and grep understand, followed by hcl's text rendering (severity, summary, the
// source snippet with context, the detail). Without color, a caret line under the snippet marks
// the subject; with color, hcl's highlighting does. files supplies the sources for snippets
// (Loader.Files, Config.SourceFiles); a diagnostic whose file is missing is shown without one.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, opts TextOptions) error {
	for _, diag := range diags {
		var buf bytes.Buffer
		d := *diag
		subject := diag.Subject
		if subject != nil {
			buf.WriteString(location(*subject) + ": ")
			if files[subject.Filename] == nil {
				d.Subject, d.Context = nil, nil // hcl would print "source code not available"
			}
		}
		tw := hcl.NewDiagnosticTextWriter(&buf, files, opts.Width, opts.Color)
		if err := tw.WriteDiagnostic(&d); err != nil {
			return err
		}
		out := buf.Bytes()
		if !opts.Color && d.Subject != nil {
			out = insertCaret(out, files[subject.Filename].Bytes, *subject)
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
	}
	return nil
}

// location formats where a range starts: "file:line:column", or just "file" for a range that
// stands for a whole file or directory (line 0).
func location(r hcl.Range) string {
	if r.Start.Line == 0 {
		return r.Filename
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// insertCaret adds a line of carets under the subject's first line in hcl's snippet, which
// prints each source line as "%4d: <text>".
func insertCaret(out, src []byte, subject hcl.Range) []byte {
	lineText, ok := sourceLine(src, subject.Start.Line)
	if !ok {
		return out
	}
	prefix := fmt.Sprintf("%4d: ", subject.Start.Line)
	want := prefix + lineText + "\n"
	i := bytes.Index(out, []byte(want))
	if i < 0 {
		return out
	}
	// Pad with the line's own whitespace so tabs line up, a space for anything else.
	var pad strings.Builder
	pad.WriteString(strings.Repeat(" ", len(prefix)))
	col := 1
	for _, r := range lineText {
		if col >= subject.Start.Column {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteByte(' ')
		}
		col++
	}
	width := 1
	if subject.End.Line == subject.Start.Line && subject.End.Column > subject.Start.Column {
		width = subject.End.Column - subject.Start.Column
	} else if subject.End.Line > subject.Start.Line {
		width = max(1, utf8.RuneCountInString(lineText)-subject.Start.Column+1)
	}
	caret := pad.String() + strings.Repeat("^", width) + "\n"
	at := i + len(want)
	return append(out[:at:at], append([]byte(caret), out[at:]...)...)
}

// sourceLine returns line n (1-based) of src without its line ending.
func sourceLine(src []byte, n int) (string, bool) {
	if n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSuffix(string(src), "\r"), true
}

// JSONDiagnostic is the machine-readable form of a diagnostic (validate --json).
type JSONDiagnostic struct {
	Severity string   `json:"severity"` // "error" or "warning"
	Summary  string   `json:"summary"`
	Detail   string   `json:"detail"`
	File     string   `json:"file"`
	Start    *JSONPos `json:"start,omitempty"` // absent when the diagnostic is about a whole file or directory
	End      *JSONPos `json:"end,omitempty"`
}

// JSONPos is a position in a file; line and column start at 1, column counts characters.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// ToJSON converts diagnostics to their machine-readable form, in the same order.
func ToJSON(diags hcl.Diagnostics) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		j := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			j.Severity = "warning"
		}
		if s := d.Subject; s != nil {
			j.File = s.Filename
			if s.Start.Line > 0 {
				j.Start = &JSONPos{Line: s.Start.Line, Column: s.Start.Column}
				j.End = &JSONPos{Line: s.End.Line, Column: s.End.Column}
			}
		}
		out = append(out, j)
	}
	return out
}
