package spec

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

func TestWriteDiagnostics(t *testing.T) {
	src := "store {\n  dataset = \"zroot/axiom\"\n}\nprofile \"p\" {\n\tpackage \"vim\" { version = \"9.x\" }\n}\nenvironment \"e\" {\n  profile = \"q\"\n}\n"
	var l Loader
	_, diags := l.LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "cfg")
	diags = append(diags,
		&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No configuration files", Detail: "None.", Subject: &hcl.Range{Filename: "cfg"}},
		&hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Elsewhere", Subject: &hcl.Range{Filename: "other.hcl", Start: hcl.Pos{Line: 3, Column: 2}, End: hcl.Pos{Line: 3, Column: 4}}},
	)
	var b strings.Builder
	if err := WriteDiagnostics(&b, l.Files(), diags, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `cfg/main.hcl:5:28: Error: Invalid version constraint

  on cfg/main.hcl line 5, in profile "p":
   5: 	package "vim" { version = "9.x" }
      	                          ^^^^^

Constraint "9.x": version "9.x": component "x" is not a decimal number.

` + constraintHelp + `

cfg/main.hcl:8:13: Error: Reference to undefined profile

  on cfg/main.hcl line 8, in environment "e":
   8:   profile = "q"
                  ^^^

Environment "e" uses profile "q", but no profile of that name is declared. Declared profiles: "p".

cfg: Error: No configuration files

None.

other.hcl:3:2: Warning: Elsewhere

`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	b.Reset()
	if err := WriteDiagnostics(&b, l.Files(), diags[:1], TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); strings.Contains(got, "^^^") || !strings.Contains(got, "\x1b[") {
		t.Errorf("colored output should highlight, not draw carets:\n%s", got)
	}
}

func TestInsertCaret(t *testing.T) {
	src := []byte("a\n  key = \"value\"\n  block {\n    x = 1\n  }\n")
	rng := func(l1, c1, l2, c2 int) hcl.Range {
		return hcl.Range{Start: hcl.Pos{Line: l1, Column: c1}, End: hcl.Pos{Line: l2, Column: c2}}
	}
	tests := map[string]struct {
		subject hcl.Range
		out     string
		want    string
	}{
		"value":              {rng(2, 9, 2, 16), "   2:   key = \"value\"\n\nx\n", "   2:   key = \"value\"\n              ^^^^^^^\n\nx\n"},
		"empty range":        {rng(2, 3, 2, 3), "   2:   key = \"value\"\n", "   2:   key = \"value\"\n        ^\n"},
		"multi-line":         {rng(3, 3, 5, 4), "   3:   block {\n   4:     x = 1\n", "   3:   block {\n        ^^^^^^^\n   4:     x = 1\n"},
		"line not in output": {rng(4, 5, 4, 6), "   2:   key = \"value\"\n", "   2:   key = \"value\"\n"},
		"line beyond source": {rng(9, 1, 9, 2), "x\n", "x\n"},
	}
	for name, tt := range tests {
		if got := string(insertCaret([]byte(tt.out), src, tt.subject)); got != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, tt.want)
		}
	}
}

func TestToJSON(t *testing.T) {
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "S", Detail: "D", Subject: &hcl.Range{Filename: "a.hcl", Start: hcl.Pos{Line: 7, Column: 3, Byte: 40}, End: hcl.Pos{Line: 7, Column: 9, Byte: 46}}},
		{Severity: hcl.DiagWarning, Summary: "W", Subject: &hcl.Range{Filename: "dir"}},
	}
	got, err := json.Marshal(ToJSON(diags))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"error","summary":"S","detail":"D","file":"a.hcl","start":{"line":7,"column":3},"end":{"line":7,"column":9}},` +
		`{"severity":"warning","summary":"W","detail":"","file":"dir"}]`
	if string(got) != want {
		t.Errorf("ToJSON =\n%s\nwant\n%s", got, want)
	}
	if got, _ := json.Marshal(ToJSON(nil)); string(got) != "[]" {
		t.Errorf("ToJSON(nil) = %s, want []", got)
	}
}

func TestFormat(t *testing.T) {
	tests := map[string]struct {
		in, want  string
		wantError bool
	}{
		"aligns and indents": {
			in:   "store {\ndataset = \"zroot/axiom\"\n    mountpoint=\"/axiom\"\n}\n",
			want: "store {\n  dataset    = \"zroot/axiom\"\n  mountpoint = \"/axiom\"\n}\n",
		},
		"keeps comments": {
			in:   "# top\nprofile \"p\" {   # trailing\n  package \"vim\" {}\n}\n",
			want: "# top\nprofile \"p\" { # trailing\n  package \"vim\" {}\n}\n",
		},
		"already formatted": {
			in:   "gc {\n  max_deletes = 1\n}\n",
			want: "gc {\n  max_deletes = 1\n}\n",
		},
		"syntax error": {in: "store {\n", wantError: true},
	}
	for name, tt := range tests {
		got, diags := Format([]byte(tt.in), "x.hcl")
		if tt.wantError {
			if !diags.HasErrors() || got != nil {
				t.Errorf("%s: Format = %q, %v; want nil and syntax errors", name, got, diags)
			}
			if diags.HasErrors() && diags[0].Subject.Filename != "x.hcl" {
				t.Errorf("%s: diagnostic in %q, want x.hcl", name, diags[0].Subject.Filename)
			}
			continue
		}
		if diags.HasErrors() || string(got) != tt.want {
			t.Errorf("%s: Format =\n%s(%v)\nwant\n%s", name, got, diags, tt.want)
		}
	}
}
