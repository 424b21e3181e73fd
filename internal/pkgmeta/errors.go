package pkgmeta

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Error is a problem with one of Axiom's YAML files, located at a line (and column) of the input.
// Every error the Parse functions return is an *Error. Line is 0 only when the problem has no
// position (the input as a whole is too large, or the YAML library did not say where).
type Error struct {
	// File names the file the input came from. The Parse functions only see bytes and leave it
	// empty; callers that know the path set it with WithFile.
	File   string
	Line   int
	Column int
	Msg    string
	// Err is the underlying cause, if any (for instance a version parse error).
	Err error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Line > 0 {
		s = "line " + strconv.Itoa(e.Line) + ": " + s
	}
	if e.File != "" {
		s = e.File + ": " + s
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// WithFile returns err with its *Error's File set to file, so that the message names the file.
// Errors that are not an *Error are wrapped as "file: err"; nil stays nil.
func WithFile(err error, file string) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		c := *pe
		c.File = file
		return &c
	}
	return fmt.Errorf("%s: %w", file, err)
}

// errorf makes an *Error located at node n (which may be nil).
func errorf(n *yaml.Node, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// wrapf is errorf with an underlying cause whose text ends the message.
func wrapf(n *yaml.Node, err error, format string, args ...any) *Error {
	e := errorf(n, format, args...)
	e.Msg += ": " + err.Error()
	e.Err = err
	return e
}

// yamlLine matches the position prefix yaml.v3 puts in its syntax errors
// (go.yaml.in/yaml/v3 decode.go, (*parser).fail: "yaml: line N: problem"). The text is the
// library's, not ours; TestSyntaxErrorLine keeps this in step with it.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parserProblems are the problems yaml.v3's parser (as opposed to its scanner) reports
// (go.yaml.in/yaml/v3 parserc.go). For these, (*parser).fail prints libyaml's zero-based line
// (of the construct being parsed, or else of the problem) where scanner errors get a one-based
// one, so syntaxError adds one.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxError turns a yaml.v3 parse error into an *Error with its one-based line number.
func syntaxError(err error) *Error {
	e := &Error{Msg: "invalid YAML: " + err.Error(), Err: err}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Msg = "invalid YAML: " + m[2]
		if m[1] != "" {
			e.Line, _ = strconv.Atoi(m[1])
		}
		if parserProblems[m[2]] {
			e.Line++
		}
	}
	return e
}
