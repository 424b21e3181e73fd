package pkgmeta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/axiomname"
	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// MaxSize is the largest input the Parse functions accept. Upstream caps its own reads of these
// files at 1 MiB; a lock of several thousand packages still fits.
const MaxSize = 1 << 20

// formatVersion is the only format_version upstream has written for any of its files, and the
// only one this package understands. A file declaring another one is refused rather than misread.
const formatVersion = "1.0"

// parseDoc parses b as at most one YAML document and returns its root node, or nil when the
// document is empty (or holds only null). The tree is checked with checkTree first.
func parseDoc(b []byte) (*yaml.Node, error) {
	if len(b) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("input is %d bytes; at most %d are accepted", len(b), MaxSize)}
	}
	if err := prescan(b); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(err)
	default:
		return nil, errorf(&next, "a second YAML document starts here; these files hold exactly one")
	}
	if err := checkTree(&doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, nil
	}
	return doc.Content[0], nil
}

// prescan reports invalid UTF-8 and characters YAML does not allow in a file, with their line:
// yaml.v3 rejects both too, but without saying where.
func prescan(b []byte) *Error {
	line, col := 1, 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return &Error{Line: line, Column: col, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", b[i])}
		case !yamlPrintable(r) && !(r == 0xFEFF && i == 0):
			return &Error{Line: line, Column: col, Msg: fmt.Sprintf("character %U is not allowed in a YAML file (write it escaped in a double-quoted string)", r)}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return nil
}

// yamlPrintable is YAML 1.2's c-printable set.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// checkTree rejects what upstream cannot read and what would make a file mean different things to
// different readers: anchors and aliases, merge keys, keys that are not plain strings, and
// duplicate keys.
func checkTree(n *yaml.Node) *Error {
	switch {
	case n.Kind == yaml.AliasNode:
		return errorf(n, "aliases (*%s) are not supported", n.Value)
	case n.Anchor != "":
		return errorf(n, "anchors (&%s) are not supported", n.Anchor)
	}
	if n.Kind == yaml.MappingNode {
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch {
			case k.Kind != yaml.ScalarNode:
				return errorf(k, "a key must be a string, not %s", describe(k))
			case k.Tag == "!!merge":
				return errorf(k, "merge keys (<<) are not supported")
			}
			if first, dup := seen[k.Value]; dup {
				return errorf(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			}
			seen[k.Value] = k
		}
	}
	for _, c := range n.Content {
		if err := checkTree(c); err != nil {
			return err
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names a node's kind for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unsupported YAML node"
}

// field is one key/value pair of a mapping.
type field struct {
	key      string
	keyNode  *yaml.Node
	valNode  *yaml.Node
	location *yaml.Node // where to point at for a missing or wrong value: the value, else the key
}

// fields returns the pairs of mapping node n, which must be a mapping. what names the mapping in
// error messages ("the manifest", "dependency 2").
func fields(n *yaml.Node, what string) ([]field, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errorf(n, "%s must be a mapping, not %s", what, describe(n))
	}
	out := make([]field, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		loc := v
		if isNull(v) && v.Line == 0 {
			loc = k
		}
		out = append(out, field{key: k.Value, keyNode: k, valNode: v, location: loc})
	}
	return out, nil
}

// unknownKey is the error for a key a strictly read file does not have.
func unknownKey(f field, what string, known []string) *Error {
	return errorf(f.keyNode, "unknown key %q in %s (known keys: %s)", f.key, what, strings.Join(known, ", "))
}

// str reads a string value. Any scalar counts, with its text as written (so `revision: 010` and
// `description: yes` keep their spelling); null reads as "".
func (f field) str() (string, error) {
	v := f.valNode
	if v.Kind != yaml.ScalarNode {
		return "", errorf(f.location, "%s must be a string, not %s", f.key, describe(v))
	}
	if isNull(v) {
		return "", nil
	}
	return v.Value, nil
}

// required reads a string value that must be present and non-empty.
func (f field) required() (string, error) {
	s, err := f.str()
	if err == nil && s == "" {
		err = errorf(f.location, "%s is empty", f.key)
	}
	return s, err
}

// name reads a profile name (or a build-id) and checks it with axiomname.Check.
func (f field) name() (string, error) { return f.checked(axiomname.Check) }

// packageName reads a package name and checks it with axiomname.CheckPackage.
func (f field) packageName() (string, error) { return f.checked(axiomname.CheckPackage) }

func (f field) checked(check func(string) error) (string, error) {
	s, err := f.required()
	if err != nil {
		return "", err
	}
	if err := check(s); err != nil {
		return "", wrapf(f.location, err, "invalid %s", f.key)
	}
	return s, nil
}

// version reads a package version (X, X.Y or X.Y.Z; quoted or not).
func (f field) version() (version.Version, error) {
	s, err := f.required()
	if err != nil {
		return version.Version{}, err
	}
	v, err := version.Parse(s)
	if err != nil {
		return version.Version{}, wrapf(f.location, err, "invalid %s", f.key)
	}
	return v, nil
}

// uint32 reads an unsigned decimal integer of at most 32 bits.
func (f field) uint32() (uint32, error) {
	s, err := f.required()
	if err != nil {
		return 0, err
	}
	if !allDigits(s) {
		return 0, errorf(f.location, "%s must be a non-negative decimal integer, not %q", f.key, s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errorf(f.location, "%s %s is out of range (at most %d)", f.key, s, uint32(1<<32-1))
	}
	return uint32(n), nil
}

// int64 reads a signed decimal integer of at most 64 bits.
func (f field) int64() (int64, error) {
	s, err := f.required()
	if err != nil {
		return 0, err
	}
	if !allDigits(strings.TrimPrefix(s, "-")) {
		return 0, errorf(f.location, "%s must be a decimal integer, not %q", f.key, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errorf(f.location, "%s %s is out of range", f.key, s)
	}
	return n, nil
}

// bool reads true or false (quoted or not, in the spellings YAML 1.2 allows).
func (f field) bool() (bool, error) {
	s, err := f.required()
	if err != nil {
		return false, err
	}
	switch s {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, errorf(f.location, "%s must be true or false, not %q", f.key, s)
}

// list returns the items of a list value; null reads as an empty list.
func (f field) list() ([]*yaml.Node, error) {
	v := f.valNode
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, errorf(f.location, "%s must be a list, not %s", f.key, describe(v))
	}
	return v.Content, nil
}

// strList reads a list of strings. Null items read as "".
func (f field) strList() ([]string, error) {
	items, err := f.list()
	if err != nil || len(items) == 0 {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := field{key: fmt.Sprintf("%s item %d", f.key, i+1), valNode: it, location: it}.str()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// itemField makes a field for item i (0-based) of the list under key, so errors name it.
func itemField(key string, i int, n *yaml.Node) field {
	return field{key: fmt.Sprintf("%s item %d", key, i+1), valNode: n, location: n}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readFormatVersion checks a format_version value; absent reads as "1.0".
func readFormatVersion(f field) (string, error) {
	s, err := f.required()
	if err != nil {
		return "", err
	}
	if s != formatVersion {
		return "", errorf(f.location, "format_version %q is not supported (this reader knows %q)", s, formatVersion)
	}
	return s, nil
}

// constraint reads the `version:` / `constraint:` pair of a deps.yaml or profile.yaml entry.
// With `constraint:` the kind is the one named there (version.ParseConstraintKind); without it
// the kind is inferred from the version text (version.ParseConstraint). See the package doc.
func readConstraint(ver, kind *field) (version.Constraint, error) {
	text := "*"
	if ver != nil {
		s, err := ver.str()
		if err != nil {
			return version.Constraint{}, err
		}
		if !isNull(ver.valNode) {
			text = s
		}
	}
	if kind == nil {
		c, err := version.ParseConstraint(text)
		if err != nil {
			return version.Constraint{}, wrapf(ver.location, err, "invalid version")
		}
		return c, nil
	}
	word, err := kind.required()
	if err != nil {
		return version.Constraint{}, err
	}
	k, err := version.ParseKind(word)
	if err != nil {
		return version.Constraint{}, wrapf(kind.location, err, "invalid constraint")
	}
	c, err := version.ParseConstraintKind(k, text)
	if err != nil {
		loc := kind.location
		if ver != nil {
			loc = ver.location
		}
		return version.Constraint{}, wrapf(loc, err, "version does not fit constraint: %s", word)
	}
	return c, nil
}
