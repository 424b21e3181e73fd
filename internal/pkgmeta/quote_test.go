package pkgmeta

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestScalar(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Plain: what upstream writes and its non-unquoting readers expect.
		{"bash", "bash"},
		{"GNU Bourne Again Shell", "GNU Bourne Again Shell"},
		{"GPL-3.0-or-later", "GPL-3.0-or-later"},
		{"https://www.gnu.org/software/bash/", "https://www.gnu.org/software/bash/"},
		{"sha256:a139c166df7ff447", "sha256:a139c166df7ff447"},
		{"Vester Thacker <vic@pgsdf.org>", "Vester Thacker <vic@pgsdf.org>"},
		{"devel/autoconf", "devel/autoconf"},
		{"/usr/local", "/usr/local"},
		{"-O2", "-O2"},
		{"-march=x86-64", "-march=x86-64"},
		{"16.0.6", "16.0.6"},
		{"5.2.0", "5.2.0"},
		{"7zip", "7zip"},
		{"0123456789abcdef", "0123456789abcdef"},
		{"zsh>=5.0.0,<6.0.0", "zsh>=5.0.0,<6.0.0"},
		{"José Pérez", "José Pérez"},
		{"_private", "_private"},
		{"a::b", "a::b"},
		// Quoted: anything a reader could take for something else.
		{"", `""`},
		{"1.0", `"1.0"`},
		{"123", `"123"`},
		{"1_000", `"1_000"`},
		{"1e3", `"1e3"`},
		{"0x1F", `"0x1F"`},
		{"0o17", `"0o17"`},
		{"2024-01-02", `"2024-01-02"`},
		{"1:20", `"1:20"`},
		{"true", `"true"`},
		{"Yes", `"Yes"`},
		{"off", `"off"`},
		{"y", `"y"`},
		{"null", `"null"`},
		{"NULL", `"NULL"`},
		{"~", `"~"`},
		{"-", `"-"`},
		{"-1", `"-1"`},
		{"- item", `"- item"`},
		{"--flag", `"--flag"`},
		{".5", `".5"`},
		{".inf", `".inf"`},
		{"+1", `"+1"`},
		{"---", `"---"`},
		{"...", `"..."`},
		{"a: b", `"a: b"`},
		{"key:", `"key:"`},
		{"1:a", `"1:a"`},
		{"a #b", `"a #b"`},
		{"a#b", `"a#b"`},
		{"#x", `"#x"`},
		{" lead", `" lead"`},
		{"trail ", `"trail "`},
		{"a\nb", `"a\nb"`},
		{"a\tb", `"a\tb"`},
		{"a\r\nb", `"a\r\nb"`},
		{`say "hi"`, `"say \"hi\""`},
		{"it's", `"it's"`},
		{`back\slash`, `"back\\slash"`},
		{"[a]", `"[a]"`},
		{"a[0]", `"a[0]"`},
		{"{a}", `"{a}"`},
		{"*alias", `"*alias"`},
		{"&anchor", `"&anchor"`},
		{"!tag", `"!tag"`},
		{"|", `"|"`},
		{">", `">"`},
		{"%YAML", `"%YAML"`},
		{"@at", `"@at"`},
		{"`tick", "\"`tick\""},
		{"<<", `"<<"`},
		{"=", `"="`},
		{"?", `"?"`},
		{"a|b", `"a|b"`},
		{"nul\x00", `"nul\x00"`},
		{"bell\a", `"bell\x07"`},
		{"del\x7f", `"del\x7F"`},
		{"nel\u0085", `"nel\u0085"`},
		{"nbsp\u00a0x", `"nbsp\u00A0x"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
		{"bom\ufeff", `"bom\uFEFF"`},
		{"zwsp\u200b", `"zwsp\u200B"`},
		{"emoji 😀", `"emoji 😀"`},
		{"bad\xffutf8", "\"bad\ufffdutf8\""},
	}
	for _, tt := range tests {
		if got := scalar(tt.in); got != tt.want {
			t.Errorf("scalar(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// TestScalarReadsBack: yaml.v3 reads every written scalar back as the same string, tagged as a
// string (so a typed YAML reader does not see a number, a boolean or null), in key position and
// in a list. Invalid UTF-8 is the documented exception.
func TestScalarReadsBack(t *testing.T) {
	inputs := []string{
		"", "bash", "1.0", "123", "true", "null", "~", "-", "a: b", "a #b", " x ", "a\nb", "\t",
		"\"", "'", "\\", "\x00", "\x1b[31m", "\u0085", "\u2028", "\ufeff", "\ufffe", "\uffff",
		"\U0010FFFF", "😀", "é", "-O2", "https://x/y?z#w", "1:20", "2024-01-02", "0x1f", ".nan",
		"{a: b}", "[a]", "*a", "&a", "!!str x", "|\n x", ">-", "%TAG", "<<", "=", "? x", "- x",
		"--- x", "... x", "key: value\nname: evil", "a,b", "a, b", "(a)", "a=b", "x~y^z",
	}
	for _, in := range inputs {
		s := scalar(in)
		if strings.ContainsAny(s, "\n\r") {
			t.Errorf("scalar(%q) = %q spans more than one line", in, s)
		}
		doc := "k: " + s + "\nl:\n  - " + s + "\n"
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
			t.Errorf("scalar(%q) = %s does not parse: %v", in, s, err)
			continue
		}
		m := n.Content[0]
		if len(m.Content) != 4 {
			t.Errorf("scalar(%q) = %s changed the document's shape: %d nodes", in, s, len(m.Content))
			continue
		}
		for _, got := range []*yaml.Node{m.Content[1], m.Content[3].Content[0]} {
			if got.Value != in || got.Tag != "!!str" {
				t.Errorf("scalar(%q) = %s reads back as %q tagged %s", in, s, got.Value, got.Tag)
			}
		}
	}
}

// TestNoInjection: a value cannot add keys, items or documents to a written file.
func TestNoInjection(t *testing.T) {
	evil := []string{
		"x\nversion: 9.9.9",
		"x\nrevision: 99",
		"x\n---\nname: evil",
		"x\n  - injected",
		"x\r\nname: evil",
		"x\u2028name: evil",
		"x\u0085name: evil",
		"x # comment\nlicense: none",
		"\"\nname: evil\n\"",
		"'\nname: evil\n'",
	}
	for _, e := range evil {
		m := Manifest{Name: "bash", Version: mustV("1.0.0"), Description: e, Tags: []string{e}}
		got, err := ParseManifest(m.Marshal())
		if err != nil {
			t.Errorf("description %q: written manifest does not parse: %v\n%s", e, err, m.Marshal())
			continue
		}
		if got.Description != e || len(got.Tags) != 1 || got.Tags[0] != e || len(got.Extra) != 0 || got.Version != m.Version {
			t.Errorf("description %q was not kept as one value:\n%s", e, m.Marshal())
		}
		l := Lock{ProfileName: "dev", Resolved: []LockEntry{{Name: "a", Version: mustV("1.0.0"), BuildID: "b"}}}
		p := Provenance{Builder: e, BuildFlags: []string{e}, Environment: map[string]string{e: e}}
		gp, err := ParseProvenance(p.Marshal())
		if err != nil || gp.Builder != e || gp.Environment[e] != e || len(gp.Environment) != 1 {
			t.Errorf("provenance with %q: %v\n%s", e, err, p.Marshal())
		}
		if _, err := ParseLock(l.Marshal()); err != nil {
			t.Error(err)
		}
	}
}

// TestNoInjectionByKeys: keys the writers do not interpret (a manifest's Extra, provenance's
// environment) can neither change what this package reads back nor what upstream's line reader
// (upstreamReadManifest, upstreamReadProvenance) reads for its own fields.
func TestNoInjectionByKeys(t *testing.T) {
	long := strings.Repeat("k", 1500)
	manifests := map[string][]Field{
		"key with a colon":           {{Key: "name:evil", Value: node(t, "1")}},
		"key with a colon and space": {{Key: "version: 9.9.9 #", Value: node(t, "1")}},
		"nested key":                 {{Key: "services", Value: node(t, "- name: s\n  description: evil\n  revision: 99\n")}},
		"nested list":                {{Key: "x", Value: node(t, "tags:\n  - evil\nprovides: [evil]\n")}},
		"list after a list":          {{Key: "a", Value: node(t, "[evil, evil2]")}},
		"nested inside kernel":       {{Key: "kernel", Value: node(t, "kmod: false\nname: evil\nsub: {kmod: true, name: evil}\nkld_names: [a, b]\n")}},
		"kernel key with a colon":    {{Key: "kernel", Value: node(t, "\"kmod:x\": true\n")}},
		"long key":                   {{Key: long, Value: node(t, "{name: evil}")}},
		"long nested key": {{Key: "x", Value: normalize(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: long}, node(t, "{description: evil}"),
		}})}},
	}
	for name, extra := range manifests {
		t.Run("manifest/"+name, func(t *testing.T) {
			m := Manifest{Name: "bash", Version: mustV("1.0.0"), Description: "shell", Tags: []string{"shell"}, Extra: extra}
			b := m.Marshal()
			got, err := ParseManifest(b)
			if err != nil {
				t.Fatalf("written manifest does not parse: %v\n%s", err, b)
			}
			want := m
			want.FormatVersion = "1.0"
			if !got.Equal(want) {
				t.Errorf("reads back as\n%+v\nwritten:\n%s", got, b)
			}
			plain := m
			plain.Extra = nil
			if u, w := upstreamReadManifest(b).withoutKernel(), upstreamReadManifest(plain.Marshal()); !u.equal(w) {
				t.Errorf("upstream reads\n%+v\nwant\n%+v\nwritten:\n%s", u, w, b)
			}
			if u := upstreamReadManifest(b); u.fields["kernel.kmod"] == "true" {
				t.Errorf("upstream reads kmod: true from\n%s", b)
			}
		})
	}

	envs := map[string]map[string]string{
		"upstream's keys":     {"builder": "evil", "build_time": "x", "source_url": "evil", "build_flags": "evil"},
		"keys with a colon":   {"builder:x": "evil", "compiler: gcc": "evil", "a:b": "c"},
		"list item lookalike": {"- evil": "x", "-": "y"},
		"long key":            {long: "v", "builder" + long: "evil"},
		"long quoted key":     {strings.Repeat("é:", 600): "v"},
	}
	for name, env := range envs {
		t.Run("provenance/"+name, func(t *testing.T) {
			p := Provenance{BuildTime: 5, Builder: "host", BuildFlags: []string{"-O2"}, Environment: env}
			b := p.Marshal()
			got, err := ParseProvenance(b)
			if err != nil {
				t.Fatalf("written provenance does not parse: %v\n%s", err, b)
			}
			if d := diff(p, got); d != "" {
				t.Errorf("reads back differently (-want +got):\n%s\nwritten:\n%s", d, b)
			}
			bare := p
			bare.Environment = nil
			if u, w := upstreamReadProvenance(b), upstreamReadProvenance(bare.Marshal()); !u.equal(w) {
				t.Errorf("upstream reads\n%+v\nwant\n%+v\nwritten:\n%s", u, w, b)
			}
		})
	}
}
