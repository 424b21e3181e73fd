package pkgmeta

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// writer builds one of the files, line by line, in upstream's shapes. Every string value goes
// through scalar, so no value can start a new key, list item or document.
type writer struct{ bytes.Buffer }

// kv writes "indent key: value" with value written by scalar.
func (w *writer) kv(indent, key, value string) {
	w.raw(indent, key, scalar(value))
}

// raw writes "indent key: value" with value as given (already YAML).
func (w *writer) raw(indent, key, value string) {
	w.WriteString(indent)
	w.WriteString(key)
	w.WriteString(": ")
	w.WriteString(value)
	w.WriteByte('\n')
}

// mapKey writes "indent key: value" for an arbitrary key (value already YAML): the key as
// keyScalar spells it, in explicit form ("? key" and ": value" lines) when it is too long for an
// implicit YAML key. reserved are the keys the file's upstream line reader interprets.
func (w *writer) mapKey(indent, key, value string, reserved map[string]bool) {
	k := keyScalar(key, reserved)
	if utf8.RuneCountInString(k) <= maxImplicitKey {
		w.raw(indent, k, value)
		return
	}
	w.WriteString(indent + "? " + k + "\n")
	w.WriteString(indent + ": " + value + "\n")
}

// maxImplicitKey is the longest key, in characters as written, the writers put before a ':'.
// YAML allows 1024 characters in an implicit key (quotes included) and yaml.v3 enforces it; a
// longer key is written in explicit form, which has no limit.
const maxImplicitKey = 1000

// keyScalar returns key as a mapping key: plain when plainSafe allows it, it has no ':' and it is
// not in reserved, double-quoted otherwise. Upstream's line readers take the text before a line's
// first ':' as the line's key, whatever its indentation: a plain "name:evil" would be read as
// key name (with value "evil: ..."), and a plain nested key such as "builder" in provenance's
// environment would be read as the top-level builder. Quoted, the key such a reader sees starts
// with '"' and matches nothing.
func keyScalar(key string, reserved map[string]bool) string {
	if plainSafe(key) && !strings.ContainsRune(key, ':') && !reserved[key] {
		return key
	}
	return quote(key)
}

// list writes a list of strings as "key:" and "  - item" lines; nothing when empty.
func (w *writer) list(key string, items []string) {
	if len(items) == 0 {
		return
	}
	w.WriteString(key + ":\n")
	for _, it := range items {
		w.WriteString("  - ")
		w.WriteString(scalar(it))
		w.WriteByte('\n')
	}
}

// scalar returns s as a plain scalar when that is safe (see plainSafe), else double-quoted.
func scalar(s string) string {
	if plainSafe(s) {
		return s
	}
	return quote(s)
}

// reserved are words some YAML reader takes for null or a boolean (YAML 1.1 included),
// compared in lower case.
var reserved = map[string]bool{
	"null": true, "true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true,
}

// Numbers and timestamps in YAML 1.1 and 1.2, for strings that start with a digit. A string that
// matches is quoted so that no reader takes it for a number.
var (
	looksInt   = regexp.MustCompile(`^[0-9][0-9_]*$|^0[xX][0-9a-fA-F_]+$|^0[oO][0-7_]+$|^0[bB][01_]+$`)
	looksFloat = regexp.MustCompile(`^[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?$`)
	looksTime  = regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?`)
)

// plainSafe reports whether s can be written as a plain (unquoted) YAML scalar and read back as
// the same string by any YAML reader, and by upstream's line readers, which do not unquote
// manifest or provenance values. It is deliberately conservative:
//
//   - s is non-empty valid UTF-8 and not a word YAML 1.1 reads as null or a boolean;
//   - it starts with a letter, a digit, '/' or '_', or with '-' followed by a letter (compiler
//     flags such as -O2);
//   - it consists of letters, digits, marks and " -_./+@,()=<>~^%*!&;?" only; a space cannot
//     end it;
//   - ':' appears only followed by a non-space character and only when s starts with a letter,
//     so URLs and "sha256:…" stay plain while "a: b", "a:" and YAML 1.1's 1:20 are quoted;
//   - if it starts with a digit, it does not look like a number or a date ("1.0", "1e3",
//     "0x1f", "2024-01-02"), while versions such as 16.0.6 stay plain.
//
// Everything else, including '#', quotes, backslashes, brackets, tabs, line breaks and control
// or invisible characters, is double-quoted by quote.
func plainSafe(s string) bool {
	if s == "" || !utf8.ValidString(s) || reserved[strings.ToLower(s)] {
		return false
	}
	first, size := utf8.DecodeRuneInString(s)
	switch {
	case isLetter(first), first == '/', first == '_':
	case isDigit(first):
		if looksInt.MatchString(s) || looksFloat.MatchString(s) || looksTime.MatchString(s) {
			return false
		}
	case first == '-':
		second, _ := utf8.DecodeRuneInString(s[size:])
		if !isLetter(second) {
			return false
		}
	default:
		return false
	}
	if strings.HasSuffix(s, " ") {
		return false
	}
	for i, r := range s {
		switch {
		case isLetter(r), isDigit(r), unicode.IsMark(r):
		case r < utf8.RuneSelf && strings.ContainsRune(" -_./+@,()=<>~^%*!&;?", r):
		case r == ':':
			if !isLetter(first) || i+1 >= len(s) || s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.IsDigit(r)
}

// quote returns s as a YAML double-quoted scalar. Quotes, backslashes, line breaks, tabs and
// every control, line-separator or invisible character are escaped, so the result is one line
// that reads back as s. Invalid UTF-8 (which YAML cannot carry) becomes U+FFFD.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case r < 0x20 || r == 0x7F:
				fmt.Fprintf(&b, `\x%02X`, r)
			case r < utf8.RuneSelf:
				b.WriteRune(r)
			case r < 0xA0, r == 0x2028, r == 0x2029, r == 0xFEFF, !unicode.IsPrint(r) && r != utf8.RuneError:
				if r > 0xFFFF {
					fmt.Fprintf(&b, `\U%08X`, r)
				} else {
					fmt.Fprintf(&b, `\u%04X`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func u32(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// digest is the "sha256:<hex>" of b.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// kernelKey is the one top-level manifest key besides the interpreted ones that upstream's
// manifest reader understands: a section of its own, read line by line.
const kernelKey = "kernel"

// encodeField renders one key with an arbitrary value (a manifest's unknown fields) through
// yaml.v3. The node must come from normalize; a node yaml.v3 cannot encode is written as null.
//
// The result is one line, "key: value", with any mapping or sequence in flow style ({a: 1},
// [x, y]), because upstream's manifest reader reads every line as "key: value" whatever its
// indentation: a nested block would let "  description: x" under services: override the
// package's description, and "  - x" items extend whatever list came before. The exception is
// kernel:, which upstream reads as a block section (a line that is not indented ends it) and whose
// keys only set kernel fields there; it stays a block mapping, each of its values on its own
// line (a list of plain items such as kld_names in block style, as upstream reads it; anything
// deeper in flow style). Keys are quoted by keyScalar; a key longer than yaml.v3's 128-character
// simple-key limit is written in explicit form ("? key" then ": value").
func encodeField(key string, value *yaml.Node) []byte {
	v := flowStyled(value)
	if key == kernelKey && value.Kind == yaml.MappingNode {
		v = kernelStyled(value)
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{keyNode(key), v}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	err := enc.Encode(m)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return []byte(scalar(key) + ": null\n")
	}
	return buf.Bytes()
}

// keyNode is a mapping key node spelled as keyScalar would.
func keyNode(key string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	if keyScalar(key, nil) != key {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// flowStyled returns a copy of n (from normalize) with every mapping and sequence in flow style
// and every mapping key spelled by keyNode, so that yaml.v3 writes it on one line.
func flowStyled(n *yaml.Node) *yaml.Node {
	c := *n
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		c.Style = yaml.FlowStyle
	}
	c.Content = restyle(n, flowStyled)
	return &c
}

// kernelStyled returns a copy of kernel:'s mapping in block style: keys by keyNode, lists of
// scalars in block style, any other collection in flow style.
func kernelStyled(n *yaml.Node) *yaml.Node {
	c := *n
	c.Style = 0
	c.Content = restyle(n, func(v *yaml.Node) *yaml.Node {
		if v.Kind == yaml.SequenceNode && !slices.ContainsFunc(v.Content, func(e *yaml.Node) bool { return e.Kind != yaml.ScalarNode }) {
			s := *v
			s.Style = 0
			return &s
		}
		return flowStyled(v)
	})
	return &c
}

// restyle applies style to n's children, and keyNode to its keys if it is a mapping.
func restyle(n *yaml.Node, style func(*yaml.Node) *yaml.Node) []*yaml.Node {
	if n.Content == nil {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && ch.Kind == yaml.ScalarNode {
			k := keyNode(ch.Value)
			k.Tag = ch.Tag
			out[i] = k
			continue
		}
		out[i] = style(ch)
	}
	return out
}
