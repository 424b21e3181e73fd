package spec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A file with syntax errors is still worth reading: one typo should neither hide the other
// errors in the file nor switch off the checks that involve other files. But what the parser
// recovers after an error is not always what was written: a missing brace nests every block
// after it inside the unclosed one, and an unterminated string or heredoc swallows the rest of
// the file. brokenFile decides what of such a file can be trusted:
//
//   - A top-level block that contains no syntax error is decoded if it ends before the first
//     error, or if the file's brackets, braces, parentheses, quotes and heredocs all pair up
//     (then recovery after an error was local to it, and later blocks are where they were
//     written). Diagnostics about the top level are kept on the same terms.
//   - Independently of the parser, the file's tokens are scanned for block headers, so that a
//     store or profile declared in it, even inside a block that cannot be decoded, is known to
//     exist: an environment naming it is not reported as naming an undefined profile.
//   - If the tokens themselves cannot be trusted to show every header (a string or heredoc
//     that runs on to the end of the file, a profile header whose name cannot be read), the
//     file is opaque: it could declare anything, so nothing is reported missing.
type brokenFile struct {
	errs          []hcl.Range // where the syntax errors are
	firstErr      int         // byte offset of the first one
	structured    bool        // the delimiters pair up
	opaque        bool
	sawStore      bool
	profileLabels []string
}

func newBrokenFile(f *sourceFile) *brokenFile {
	b := &brokenFile{firstErr: -1}
	for _, d := range f.syntax {
		b.errs = append(b.errs, *d.Subject)
		if b.firstErr < 0 || d.Subject.Start.Byte < b.firstErr {
			b.firstErr = d.Subject.Start.Byte
		}
	}
	if b.firstErr < 0 {
		// Errors without a location: nothing in the file can be placed relative to them.
		b.firstErr, b.opaque = 0, true
	}
	b.scanTokens(f.src, f.display)
	return b
}

// trusted reports whether a diagnostic about the top level of the file, with this subject, is
// about what was written.
func (b *brokenFile) trusted(subject hcl.Range) bool {
	return !b.opaque && (b.structured || subject.End.Byte <= b.firstErr)
}

// trustedBlock reports whether a top-level block can be decoded as written.
func (b *brokenFile) trustedBlock(blk *hcl.Block) bool {
	r := blk.DefRange
	if body, ok := blk.Body.(*hclsyntax.Body); ok {
		r = hcl.RangeBetween(blk.DefRange, body.SrcRange)
	}
	for _, e := range b.errs {
		if e.Start.Byte < r.End.Byte && e.End.Byte > r.Start.Byte || e.Start.Byte >= r.Start.Byte && e.Start.Byte < r.End.Byte {
			return false
		}
	}
	return b.trusted(r)
}

// closing pairs each opening delimiter token with the token that closes it.
var closing = map[hclsyntax.TokenType]hclsyntax.TokenType{
	hclsyntax.TokenOBrace:          hclsyntax.TokenCBrace,
	hclsyntax.TokenOBrack:          hclsyntax.TokenCBrack,
	hclsyntax.TokenOParen:          hclsyntax.TokenCParen,
	hclsyntax.TokenOQuote:          hclsyntax.TokenCQuote,
	hclsyntax.TokenOHeredoc:        hclsyntax.TokenCHeredoc,
	hclsyntax.TokenTemplateInterp:  hclsyntax.TokenTemplateSeqEnd,
	hclsyntax.TokenTemplateControl: hclsyntax.TokenTemplateSeqEnd,
}

// scanTokens reads the block headers of src from its tokens and decides whether the file's
// structure and its headers can be trusted. The lexer, unlike the parser, never gives up: it
// reads the whole file whatever errors are in it.
func (b *brokenFile) scanTokens(src []byte, filename string) {
	toks, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	var stack []hclsyntax.TokenType
	balanced := true
	// Skip comments: they are not part of the structure, but a line comment ends a line.
	var sig []hclsyntax.Token
	for _, t := range toks {
		if t.Type == hclsyntax.TokenComment {
			if strings.HasSuffix(string(t.Bytes), "\n") {
				t.Type = hclsyntax.TokenNewline
			} else {
				continue
			}
		}
		sig = append(sig, t)
	}
	for i, t := range sig {
		switch t.Type {
		case hclsyntax.TokenQuotedNewline:
			// A string that runs past the end of its line: from here on, what is quoted and
			// what is not is guesswork.
			b.opaque = true
		case hclsyntax.TokenIdent:
			b.header(sig, i)
		}
		if want, ok := closing[t.Type]; ok {
			stack = append(stack, want)
			continue
		}
		for _, c := range closing {
			if t.Type != c {
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1] != c {
				balanced = false
			} else {
				stack = stack[:len(stack)-1]
			}
			break
		}
	}
	for _, open := range stack {
		if open == hclsyntax.TokenCQuote || open == hclsyntax.TokenCHeredoc {
			b.opaque = true // the rest of the file is inside the string
		}
	}
	b.structured = balanced && len(stack) == 0
}

// header records the block header that starts at sig[i], if there is one: an identifier at the
// start of a body item that is not an argument's name.
func (b *brokenFile) header(sig []hclsyntax.Token, i int) {
	if i > 0 {
		switch sig[i-1].Type {
		case hclsyntax.TokenNewline, hclsyntax.TokenOBrace, hclsyntax.TokenCBrace:
		default:
			return
		}
	}
	next := func(k int) hclsyntax.TokenType {
		if i+k < len(sig) {
			return sig[i+k].Type
		}
		return hclsyntax.TokenEOF
	}
	if next(1) == hclsyntax.TokenEqual {
		return // an argument
	}
	switch string(sig[i].Bytes) {
	case "store":
		b.sawStore = true
	case "profile":
		switch {
		case next(1) == hclsyntax.TokenOQuote && next(2) == hclsyntax.TokenQuotedLit && next(3) == hclsyntax.TokenCQuote:
			b.profileLabels = append(b.profileLabels, string(sig[i+2].Bytes))
		case next(1) == hclsyntax.TokenOQuote && next(2) == hclsyntax.TokenCQuote:
			b.profileLabels = append(b.profileLabels, "")
		case next(1) == hclsyntax.TokenIdent:
			b.profileLabels = append(b.profileLabels, string(sig[i+1].Bytes))
		case next(1) == hclsyntax.TokenOBrace:
			// No name: a malformed block that declares no profile.
		default:
			b.opaque = true // a profile whose name cannot be read
		}
	}
}
