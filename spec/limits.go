package spec

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/axiom-reconcile/axiom-reconcile/internal/nonblock"
)

// Limits checked before a configuration file is parsed. HCL's parser recurses once per nesting
// level, so a file of four million '[' overflows its stack and kills the process (under systemd,
// a crash loop); no configuration needs anything near these, so they are refused up front with a
// diagnostic, and the daemon keeps its last good configuration.
const (
	// MaxFileSize is the largest configuration file read, in bytes.
	MaxFileSize = 1 << 20
	// MaxNesting is the deepest nesting of braces, brackets and parentheses in a file.
	MaxNesting = 64
)

// checkShape refuses src before it is parsed when it is too large or nested too deeply.
func checkShape(src []byte, display string) *hcl.Diagnostic {
	if len(src) > MaxFileSize {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Configuration file too large",
			Detail:  fmt.Sprintf("%s is larger than %d bytes; a configuration file may be at most that.", display, MaxFileSize),
			Subject: &hcl.Range{Filename: display}}
	}
	// The lexer is a state machine that does not recurse, so it is safe on any input.
	toks, _ := hclsyntax.LexConfig(src, display, hcl.InitialPos)
	depth := 0
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
			if depth > MaxNesting {
				r := t.Range
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Configuration nested too deeply",
					Detail:  fmt.Sprintf("Braces, brackets and parentheses nest more than %d levels deep here; no configuration needs that many, and parsing it could exhaust the stack.", MaxNesting),
					Subject: &r}
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// readLimited reads the configuration file name of fsys, at most MaxFileSize+1 bytes (so that a
// larger one is seen to be larger without being read whole).
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// dirFS is os.DirFS, except that Open does not block on a FIFO (or other special file) swapped in
// for a configuration file after the directory was listed: it opens without waiting, and refuses
// anything that is not a regular file or a directory. Loading happens under the global lock, and
// a read that never returns would stall every later pass.
type dirFS struct {
	fs.FS
	dir string
}

func newDirFS(dir string) dirFS { return dirFS{FS: os.DirFS(dir), dir: dir} }

func (d dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, fi, err := nonblock.Open(filepath.Join(d.dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (%v)", fi.Mode().Type())}
	}
	return f, nil
}

// ReadDir and Stat come from os.DirFS, which opens nothing that could block.
func (d dirFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(d.FS, name) }
func (d dirFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(d.FS, name) }
