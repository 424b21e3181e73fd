package pkgmeta

import (
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Provenance is a package's provenance.yaml: how and from what it was built. Nothing in it is
// required; upstream's parser defaults build_time to 0.
type Provenance struct {
	BuildTime       int64 // Unix seconds
	Builder         string
	BuildUser       string
	SourceURL       string
	SourceHash      string // sha256:<hex>
	Compiler        string
	CompilerVersion string
	BuildFlags      []string
	// Environment holds the build's environment variables (`environment:`, a mapping of strings).
	// Upstream documents it and its example carries it, but neither parses nor writes it.
	Environment map[string]string
}

var provenanceKeys = []string{
	"build_time", "builder", "build_user", "source_url", "source_hash", "compiler",
	"compiler_version", "build_flags", "environment",
}

// ParseProvenance reads a provenance.yaml. Unknown keys are errors.
func ParseProvenance(b []byte) (Provenance, error) {
	root, err := parseDoc(b)
	if err != nil || root == nil {
		return Provenance{}, err
	}
	fs, err := fields(root, "provenance.yaml")
	if err != nil {
		return Provenance{}, err
	}
	var p Provenance
	for _, f := range fs {
		var err error
		switch f.key {
		case "build_time":
			p.BuildTime, err = f.int64()
		case "builder":
			p.Builder, err = f.str()
		case "build_user":
			p.BuildUser, err = f.str()
		case "source_url":
			p.SourceURL, err = f.str()
		case "source_hash":
			p.SourceHash, err = f.str()
		case "compiler":
			p.Compiler, err = f.str()
		case "compiler_version":
			p.CompilerVersion, err = f.str()
		case "build_flags":
			p.BuildFlags, err = f.strList()
		case "environment":
			p.Environment, err = stringMap(f)
		default:
			err = unknownKey(f, "provenance.yaml", provenanceKeys)
		}
		if err != nil {
			return Provenance{}, err
		}
	}
	return p, nil
}

// stringMap reads a mapping of strings; null or {} reads as nil.
func stringMap(f field) (map[string]string, error) {
	v := f.valNode
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, errorf(f.location, "%s must be a mapping, not %s", f.key, describe(v))
	}
	fs, err := fields(v, f.key)
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	m := make(map[string]string, len(fs))
	for _, kv := range fs {
		s, err := field{key: f.key + "." + kv.key, valNode: kv.valNode, location: kv.location}.str()
		if err != nil {
			return nil, err
		}
		m[kv.key] = s
	}
	return m, nil
}

// upstreamProvenanceKeys are the keys upstream's provenance reader interprets, on any line at any
// indentation (manifest.zig:709-780).
var upstreamProvenanceKeys = map[string]bool{
	"build_time": true, "builder": true, "build_user": true, "source_url": true, "source_hash": true,
	"compiler": true, "compiler_version": true, "build_flags": true,
}

// Marshal writes provenance.yaml in upstream's shape and order: build_time and builder always,
// the other fields when set, then environment sorted by variable name, as upstream documents it
// (a block mapping). A variable's name is quoted when it contains ':', when plainSafe would
// quote it, and when it is one of the keys upstream's reader interprets on any line, indented or
// not (an unquoted "  builder: x" would set upstream's builder); a name too long for an implicit
// YAML key is written in explicit form.
func (p Provenance) Marshal() []byte {
	var w writer
	w.raw("", "build_time", strconv.FormatInt(p.BuildTime, 10))
	w.kv("", "builder", p.Builder)
	for _, kv := range [][2]string{
		{"build_user", p.BuildUser}, {"source_url", p.SourceURL}, {"source_hash", p.SourceHash},
		{"compiler", p.Compiler}, {"compiler_version", p.CompilerVersion},
	} {
		if kv[1] != "" {
			w.kv("", kv[0], kv[1])
		}
	}
	w.list("build_flags", p.BuildFlags)
	if len(p.Environment) > 0 {
		w.WriteString("environment:\n")
		keys := make([]string, 0, len(p.Environment))
		for k := range p.Environment {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w.mapKey("  ", k, scalar(p.Environment[k]), upstreamProvenanceKeys)
		}
	}
	return w.Bytes()
}
