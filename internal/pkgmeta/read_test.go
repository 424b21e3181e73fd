package pkgmeta

import (
	"errors"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// parsers lets table tests name the file kind they feed.
var parsers = map[string]func([]byte) (any, error){
	"manifest":   func(b []byte) (any, error) { return ParseManifest(b) },
	"deps":       func(b []byte) (any, error) { return ParseDeps(b) },
	"provenance": func(b []byte) (any, error) { return ParseProvenance(b) },
	"profile":    func(b []byte) (any, error) { return ParseProfile(b) },
	"lock":       func(b []byte) (any, error) { return ParseLock(b) },
}

// TestQuotingVariants: every value upstream (or a person) may write plain, 'single-quoted',
// "double-quoted", in flow style or as a block scalar reads to the same value.
func TestQuotingVariants(t *testing.T) {
	bash := Manifest{FormatVersion: "1.0", Name: "bash", Version: mustV("5.2.0"), Revision: 1}
	withDesc := func(d string) Manifest { m := bash; m.Description = d; return m }
	withTags := func(tags ...string) Manifest { m := bash; m.Tags = tags; return m }
	readline := Deps{Dependencies: []Dependency{{Name: "readline", Constraint: mustC(">=8.0.0")}}}
	lock := func(req bool) Lock {
		return Lock{FormatVersion: "1.0", ProfileName: "dev", LockVersion: 1, Resolved: []LockEntry{
			{Name: "bash", Version: mustV("5.2.0"), Revision: 1, BuildID: "abc123", Requested: req},
		}}
	}
	const lockHead = "profile_name: dev\nresolved:\n  - name: bash\n    version: 5.2.0\n    revision: 1\n    build_id: abc123\n"

	tests := []struct {
		name, kind, in string
		want           any
	}{
		{"plain", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\n", bash},
		{"single quoted", "manifest", "name: 'bash'\nversion: '5.2.0'\nrevision: '1'\n", bash},
		{"double quoted", "manifest", "name: \"bash\"\nversion: \"5.2.0\"\nrevision: \"1\"\n", bash},
		{"short version", "manifest", "name: bash\nversion: 5.2\nrevision: 1\n", bash},
		{"flow mapping", "manifest", "{name: bash, version: 5.2.0, revision: 1}\n", bash},
		{"quoted format_version", "manifest", "format_version: \"1.0\"\nname: bash\nversion: 5.2.0\nrevision: 1\n", bash},
		{"plain format_version", "manifest", "format_version: 1.0\nname: bash\nversion: 5.2.0\nrevision: 1\n", bash},
		{"CRLF line ends", "manifest", "name: bash\r\nversion: 5.2.0\r\nrevision: 1\r\n", bash},
		{"trailing comment", "manifest", "name: bash # the shell\nversion: 5.2.0\nrevision: 1\n", bash},
		{"colon in plain", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: a:b\n", withDesc("a:b")},
		{"colon space double", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: \"a: b\"\n", withDesc("a: b")},
		{"single quote escape", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: 'it''s #1'\n", withDesc("it's #1")},
		{"double escapes", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: \"tab\\there\\n\\\"q\\\" \\u00e9\"\n", withDesc("tab\there\n\"q\" é")},
		{"literal block", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: |-\n  line one\n  line two\n", withDesc("line one\nline two")},
		{"folded block", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: >-\n  one\n  two\n", withDesc("one two")},
		{"bool-looking text", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: yes\n", withDesc("yes")},
		{"number text kept", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: 0x10\n", withDesc("0x10")},
		{"null description", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ndescription: ~\n", bash},
		{"flow tags", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ntags: [shell, 'posix', \"x y\"]\n", withTags("shell", "posix", "x y")},
		{"block tags", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ntags:\n- shell\n- 'posix'\n", withTags("shell", "posix")},
		{"null tags", "manifest", "name: bash\nversion: 5.2.0\nrevision: 1\ntags:\n", bash},

		{"deps double", "deps", "dependencies:\n  - name: readline\n    version: \">=8.0.0\"\n    constraint: range\n", readline},
		{"deps single", "deps", "dependencies:\n  - name: 'readline'\n    version: '>=8.0.0'\n    constraint: 'range'\n", readline},
		{"deps quoted kind", "deps", "dependencies:\n  - name: \"readline\"\n    version: \">=8.0.0\"\n    constraint: \"range\"\n", readline},
		{"deps inferred kind", "deps", "dependencies:\n  - name: readline\n    version: \">=8.0.0\"\n", readline},
		{"deps flow", "deps", "dependencies: [{name: readline, version: '>=8.0.0', constraint: range}]\n", readline},
		{"deps unindented items", "deps", "dependencies:\n- name: readline\n  version: \">=8.0.0\"\n", readline},
		{"deps key order", "deps", "dependencies:\n  - constraint: range\n    version: \">=8.0.0\"\n    name: readline\n", readline},
		{"deps tilde without symbol", "deps", "dependencies:\n  - name: ncurses\n    version: \"6.4\"\n    constraint: tilde\n",
			Deps{Dependencies: []Dependency{{Name: "ncurses", Constraint: mustC("~6.4.0")}}}},
		{"deps plain caret", "deps", "dependencies:\n  - name: bash\n    version: ^5.0\n",
			Deps{Dependencies: []Dependency{{Name: "bash", Constraint: mustC("^5.0.0")}}}},
		{"deps no version means any", "deps", "dependencies:\n  - name: libc\n",
			Deps{Dependencies: []Dependency{{Name: "libc"}}}},
		{"deps null version with kind any", "deps", "dependencies:\n  - name: libc\n    version:\n    constraint: any\n",
			Deps{Dependencies: []Dependency{{Name: "libc"}}}},
		{"deps empty list", "deps", "dependencies: []\n", Deps{}},
		{"deps empty file", "deps", "", Deps{}},
		{"deps comment only", "deps", "# nothing\n", Deps{}},

		{"requested plain", "lock", lockHead + "    requested: true\n", lock(true)},
		{"requested double", "lock", lockHead + "    requested: \"true\"\n", lock(true)},
		{"requested single", "lock", lockHead + "    requested: 'false'\n", lock(false)},
		{"requested title case", "lock", lockHead + "    requested: True\n", lock(true)},
		{"requested absent", "lock", lockHead, lock(false)},
		{"lock quoted ints", "lock", "profile_name: 'dev'\nlock_version: \"1\"\nresolved:\n  - {name: bash, version: '5.2.0', revision: '1', build_id: \"abc123\", requested: true}\n", lock(true)},

		{"provenance quoted time", "provenance", "build_time: \"1701388800\"\nbuilder: 'host'\n", Provenance{BuildTime: 1701388800, Builder: "host"}},
		{"provenance negative time", "provenance", "build_time: -1\n", Provenance{BuildTime: -1}},
		{"provenance empty environment", "provenance", "environment: {}\n", Provenance{}},

		{"profile flow packages", "profile", "name: dev\npackages: [{name: vim}, {name: bash, version: '^5'}]\n",
			Profile{FormatVersion: "1.0", Name: "dev", Packages: []Request{{Name: "bash", Constraint: mustC("^5.0.0")}, {Name: "vim"}}}},
		{"profile null packages", "profile", "name: dev\npackages:\n", Profile{FormatVersion: "1.0", Name: "dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsers[tt.kind]([]byte(tt.in))
			if err != nil {
				t.Fatalf("parse %s: %v", tt.kind, err)
			}
			if d := diff(tt.want, got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		})
	}
}

// TestParseErrors: every malformed input is an *Error naming the line it is on.
func TestParseErrors(t *testing.T) {
	const mhead = "name: bash\nversion: 5.2.0\n"   // lines 1-2 of a valid manifest
	const lhead = "profile_name: dev\nresolved:\n" // lines 1-2 of a lock
	tests := []struct {
		name, kind, in string
		line           int
		msg            string // substring of the message
	}{
		{"manifest empty", "manifest", "", 1, "the manifest is empty"},
		{"manifest no name", "manifest", "version: 5.2.0\nrevision: 1\n", 1, "has no name"},
		{"manifest no version", "manifest", "name: bash\nrevision: 1\n", 1, "has no version"},
		{"manifest empty name", "manifest", "name: \"\"\nversion: 5.2.0\n", 1, "name is empty"},
		{"manifest null name", "manifest", "name:\nversion: 5.2.0\n", 1, "name is empty"},
		{"manifest bad name", "manifest", "version: 5.2.0\nname: a/b\n", 2, `invalid name: name "a/b" contains '/'`},
		{"manifest reserved name", "manifest", "version: 5.2.0\nname: zfs\n", 2, `"zfs" is reserved`},
		{"manifest colon name", "manifest", "version: 5.2.0\nname: libstdc::6\n", 2, `invalid name: name "libstdc::6" contains ':'; only letters, digits, '.', '_', '+' and '-' are allowed`},
		{"manifest four-part version", "manifest", "name: bash\nversion: 1.2.3.4\n", 2, "invalid version"},
		{"manifest prerelease", "manifest", "name: bash\nversion: 1.2.3-beta\n", 2, "not a decimal number"},
		{"manifest negative revision", "manifest", mhead + "revision: -1\n", 3, "non-negative decimal integer"},
		{"manifest huge revision", "manifest", mhead + "revision: 4294967296\n", 3, "out of range"},
		{"manifest hex revision", "manifest", mhead + "revision: 0x10\n", 3, "non-negative decimal integer"},
		{"manifest revision list", "manifest", mhead + "revision: [1]\n", 3, "revision must be a string, not a list"},
		{"manifest description map", "manifest", mhead + "description:\n  a: b\n", 4, "description must be a string, not a mapping"},
		{"manifest tags scalar", "manifest", mhead + "tags: shell\n", 3, "tags must be a list"},
		{"manifest tag map", "manifest", mhead + "tags:\n  - shell\n  - a: b\n", 5, "tags item 2 must be a string, not a mapping"},
		{"manifest provides bad name", "manifest", mhead + "provides:\n  - \"sh ell\"\n", 4, "invalid provides item 1"},
		{"manifest conflicts bad version", "manifest", mhead + "conflicts:\n  - zsh>=x\n", 4, "invalid conflicts item 1"},
		{"manifest conflicts no name", "manifest", mhead + "replaces:\n  - \"=1.0\"\n", 4, "name is empty"},
		{"manifest conflicts empty", "manifest", mhead + "conflicts:\n  -\n", 4, "conflicts item 1 is empty"},
		{"manifest format 2.0", "manifest", "format_version: \"2.0\"\n" + mhead, 1, `format_version "2.0" is not supported`},
		{"manifest top list", "manifest", "- name: bash\n", 1, "the manifest must be a mapping, not a list"},
		{"manifest top scalar", "manifest", "bash\n", 1, `the manifest must be a mapping, not "bash"`},
		{"manifest duplicate key", "manifest", mhead + "name: zsh\n", 3, `duplicate key "name" (first at line 1)`},
		{"manifest duplicate nested key", "manifest", mhead + "kernel:\n  kmod: true\n  kmod: false\n", 5, `duplicate key "kmod" (first at line 4)`},
		{"manifest anchor", "manifest", mhead + "description: &d shell\n", 3, "anchors (&d) are not supported"},
		{"manifest alias", "manifest", "name: &n bash\nversion: 5.2.0\n", 1, "anchors (&n)"},
		{"manifest merge key", "manifest", mhead + "kernel:\n  <<: {kmod: true}\n", 4, "merge keys"},
		{"manifest complex key", "manifest", mhead + "? [a]\n: b\n", 3, "a key must be a string"},
		{"manifest two documents", "manifest", mhead + "---\nname: zsh\n", 3, "second YAML document"},
		{"manifest syntax", "manifest", mhead + "description: [unclosed\n", 3, "invalid YAML"},
		{"manifest bad indent", "manifest", mhead + "tags:\n  - a\n - b\n", 5, "invalid YAML"},
		{"manifest tab indent", "manifest", mhead + "tags:\n\t- a\n", 4, "invalid YAML"},
		{"manifest control char", "manifest", mhead + "description: a\x01b\n", 3, "U+0001 is not allowed"},
		{"manifest invalid utf8", "manifest", mhead + "description: \xff\n", 3, "invalid UTF-8"},

		{"deps no name", "deps", "dependencies:\n  - name: a\n  - version: \"1.0\"\n", 3, "dependency 2 has no name"},
		{"deps unknown kind", "deps", "dependencies:\n  - name: python\n    version: \"3.11\"\n    constraint: minimum\n", 4, `unknown constraint kind "minimum"`},
		{"deps kind mismatch", "deps", "dependencies:\n  - name: bash\n    version: \"^5.0.0\"\n    constraint: tilde\n", 3, "version does not fit constraint: tilde"},
		{"deps any with version", "deps", "dependencies:\n  - name: bash\n    version: \"5.0\"\n    constraint: any\n", 3, "version does not fit constraint: any"},
		{"deps equals exact", "deps", "dependencies:\n  - name: python\n    version: \"=3.11.0\"\n", 3, "invalid version"},
		{"deps bad range", "deps", "dependencies:\n  - name: a\n    version: \"1.0 - 2.0\"\n    constraint: range\n", 3, "has no operator"},
		{"deps unknown entry key", "deps", "dependencies:\n  - name: a\n    optional: true\n", 3, `unknown key "optional" in dependency 1`},
		{"deps entry scalar", "deps", "dependencies:\n  - readline\n", 2, `dependency 1 must be a mapping, not "readline"`},
		{"deps not a list", "deps", "dependencies: readline\n", 1, "dependencies must be a list"},
		{"deps unknown top key", "deps", "dependencies: []\nbuild: {}\n", 2, `unknown key "build" in deps.yaml`},
		{"deps kind null", "deps", "dependencies:\n  - name: a\n    constraint:\n", 3, "constraint is empty"},

		{"provenance bad time", "provenance", "build_time: yesterday\n", 1, "build_time must be a decimal integer"},
		{"provenance float time", "provenance", "build_time: 1.5\n", 1, "decimal integer"},
		{"provenance flags map", "provenance", "build_flags:\n  O: 2\n", 2, "build_flags must be a list"},
		{"provenance env list", "provenance", "environment:\n  - CC=cc\n", 2, "environment must be a mapping"},
		{"provenance env value list", "provenance", "environment:\n  CC: [cc]\n", 2, "environment.CC must be a string"},
		{"provenance unknown key", "provenance", "builder: x\nsignature: abc\n", 2, `unknown key "signature" in provenance.yaml`},
		{"provenance nested builder", "provenance", "builder:\n  name: x\n", 2, "builder must be a string, not a mapping"},

		{"profile empty", "profile", "", 1, "the profile is empty"},
		{"profile no name", "profile", "packages: []\n", 1, "the profile has no name"},
		{"profile bad name", "profile", "name: my profile\n", 1, "invalid name"},
		{"profile plus name", "profile", "name: c++\n", 1, `invalid name: name "c++" contains '+', which only package names may contain`},
		{"profile package colon", "profile", "name: dev\npackages:\n  - name: \"g::\"\n", 3, `invalid name: name "g::" contains ':'`},
		{"profile twice", "profile", "name: dev\npackages:\n  - name: bash\n  - name: vim\n  - name: bash\n", 5, `package "bash" is requested twice (first at line 3)`},
		{"profile pins", "profile", "name: dev\npins:\n  - name: bash\n", 2, `unknown key "pins" in the profile`},
		{"profile package no name", "profile", "name: dev\npackages:\n  - version: \"1.0\"\n", 3, "package 1 has no name"},
		{"profile minimum", "profile", "name: dev\npackages:\n  - name: python\n    version: \"3.11\"\n    constraint: minimum\n", 5, "unknown constraint kind"},

		{"lock empty", "lock", "", 1, "the lock is empty"},
		{"lock no profile", "lock", "lock_version: 1\n", 1, "the lock has no profile_name"},
		{"lock entry no build_id", "lock", lhead + "  - name: bash\n    version: \"5.2.0\"\n    revision: 1\n", 3, "resolved entry 1 has no build_id"},
		{"lock entry no revision", "lock", lhead + "  - name: bash\n    version: \"5.2.0\"\n    build_id: abc\n", 3, "has no revision"},
		{"lock entry no version", "lock", lhead + "  - name: a\n    version: \"1.0.0\"\n    revision: 1\n    build_id: x\n  - name: bash\n    revision: 1\n    build_id: abc\n", 7, "resolved entry 2 has no version"},
		{"lock entry no name", "lock", lhead + "  - version: \"5.2.0\"\n    revision: 1\n    build_id: abc\n", 3, "has no name"},
		{"lock requested yes", "lock", lhead + "  - name: bash\n    version: \"5.2.0\"\n    revision: 1\n    build_id: abc\n    requested: yes\n", 7, `requested must be true or false, not "yes"`},
		{"lock plus profile", "lock", "profile_name: c++\n", 1, `invalid profile_name: name "c++" contains '+', which only package names may contain`},
		{"lock plus build id", "lock", lhead + "  - name: g++\n    version: \"5.2.0\"\n    revision: 1\n    build_id: a+b\n", 6, "invalid build_id"},
		{"lock bad build id", "lock", lhead + "  - name: bash\n    version: \"5.2.0\"\n    revision: 1\n    build_id: ../x\n", 6, "invalid build_id"},
		{"lock version 2", "lock", "profile_name: dev\nlock_version: 2\n", 2, "lock_version 2 is not supported"},
		{"lock bad digest", "lock", "profile_name: dev\nprofile_digest: sha256:xyz\n", 2, "is not sha256:<64 lowercase hex digits>"},
		{"lock twice", "lock", lhead + "  - {name: bash, version: 5.2.0, revision: 1, build_id: a}\n  - {name: bash, version: 5.1.0, revision: 1, build_id: b}\n", 4, `package "bash" is locked twice (first at line 3)`},
		{"lock unknown key", "lock", "profile_name: dev\nresolved_at: now\n", 2, `unknown key "resolved_at"`},
		{"lock resolved map", "lock", "profile_name: dev\nresolved:\n  bash: 5.2.0\n", 3, "resolved must be a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsers[tt.kind]([]byte(tt.in))
			if err == nil {
				t.Fatalf("parse %s succeeded with %+v; want an error", tt.kind, got)
			}
			pe := asError(t, err)
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("error = line %d %q; want line %d containing %q", pe.Line, pe.Msg, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("Error() = %q; want it to start with the line", err.Error())
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	big := make([]byte, MaxSize+1)
	for kind, parse := range parsers {
		_, err := parse(big)
		if pe := asError(t, err); !strings.Contains(pe.Msg, "at most") {
			t.Errorf("%s: error %q does not mention the limit", kind, pe.Msg)
		}
	}
}

// TestSyntaxErrorLine keeps syntaxError in step with yaml.v3's error text: a syntax error on
// line 4 must come out as line 4, without the library's "yaml: line N:" prefix in the message.
func TestSyntaxErrorLine(t *testing.T) {
	_, err := ParseManifest([]byte("name: bash\nversion: 5.2.0\nrevision: 1\ndescription: \"unterminated\n"))
	pe := asError(t, err)
	if pe.Line < 4 || strings.Contains(pe.Msg, "yaml: line") || pe.Err == nil {
		t.Errorf("got line %d msg %q cause %v; want line >= 4, message without the library prefix, and the cause kept", pe.Line, pe.Msg, pe.Err)
	}
	_, err = ParseDeps([]byte("dependencies:\n  - name: a\n    version: [\n"))
	if pe := asError(t, err); pe.Line != 3 && pe.Line != 4 {
		t.Errorf("unclosed flow list: line %d; want 3 or 4 (%v)", pe.Line, err)
	}
}

func TestWithFile(t *testing.T) {
	_, err := ParseManifest([]byte("name: bash\n"))
	err = WithFile(err, "/axiom/store/pkg/bash/manifest.yaml")
	if got, want := err.Error(), "/axiom/store/pkg/bash/manifest.yaml: line 1: the manifest has no version"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if pe := asError(t, err); pe.File != "/axiom/store/pkg/bash/manifest.yaml" || pe.Line != 1 {
		t.Errorf("File, Line = %q, %d", pe.File, pe.Line)
	}
	other := errors.New("boom")
	if err := WithFile(other, "f.yaml"); err.Error() != "f.yaml: boom" || !errors.Is(err, other) {
		t.Errorf("WithFile(non-*Error) = %v; want f.yaml: boom wrapping the cause", err)
	}
	if WithFile(nil, "f.yaml") != nil {
		t.Error("WithFile(nil) != nil")
	}
}

// TestErrorUnwrap: the cause of a version error is reachable with errors.As/Is chains.
func TestErrorUnwrap(t *testing.T) {
	_, err := ParseManifest([]byte("name: bash\nversion: x\n"))
	pe := asError(t, err)
	if pe.Err == nil || errors.Unwrap(err) != pe.Err {
		t.Errorf("Unwrap() = %v; want the version parse error", errors.Unwrap(err))
	}
}

// TestConstraintDecision documents the project's decision on deps/profile entries without a
// `constraint:` field: the kind comes from the version text, not "any" as upstream reads it.
func TestConstraintDecision(t *testing.T) {
	tests := map[string]version.Kind{
		`"*"`:                version.Any,
		`""`:                 version.Any,
		`"5.2.0"`:            version.Exact,
		`"~6.4"`:             version.Tilde,
		`"^5.0.0"`:           version.Caret,
		`">=8.0.0"`:          version.Range,
		`">=1.0.0,<2.0.0"`:   version.Range,
		`"< 2.0"`:            version.Range,
		`">= 1.0, <= 1.9.9"`: version.Range,
	}
	for text, want := range tests {
		d, err := ParseDeps([]byte("dependencies:\n  - name: x\n    version: " + text + "\n"))
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := d.Dependencies[0].Constraint.Kind(); got != want {
			t.Errorf("version %s without constraint: kind %v; want %v", text, got, want)
		}
	}
}

func TestRelations(t *testing.T) {
	tests := []struct {
		in, want string // want: String() of the parsed relation
		c        string // the constraint it must equal
	}{
		{"zsh", "zsh", "*"},
		{" zsh ", "zsh", "*"},
		{"zsh>=5.0", "zsh>=5.0.0", ">=5.0.0"},
		{"zsh >= 5.0", "zsh>=5.0.0", ">=5.0.0"},
		{"zsh>5", "zsh>5.0.0", ">5.0.0"},
		{"zsh<=5.9", "zsh<=5.9.0", "<=5.9.0"},
		{"zsh<6", "zsh<6.0.0", "<6.0.0"},
		{"zsh~5.9", "zsh~5.9.0", "~5.9.0"},
		{"zsh^5", "zsh^5.0.0", "^5.0.0"},
		{"zsh=5.9.1", "zsh=5.9.1", "5.9.1"},
		{"zsh>1.0,<=2.0", "zsh>1.0.0,<=2.0.0", ">1.0.0,<=2.0.0"},
	}
	for _, tt := range tests {
		r, err := ParseRelation(tt.in)
		if err != nil {
			t.Errorf("ParseRelation(%q): %v", tt.in, err)
			continue
		}
		if r.Name != "zsh" || r.Constraint != mustC(tt.c) || r.String() != tt.want {
			t.Errorf("ParseRelation(%q) = %q %v (String %q); want zsh %s (String %q)", tt.in, r.Name, r.Constraint, r.String(), tt.c, tt.want)
		}
		back, err := ParseRelation(r.String())
		if err != nil || back != r {
			t.Errorf("ParseRelation(%q.String()) = %v, %v; want %v", tt.in, back, err, r)
		}
	}
	for _, bad := range []string{"", "=1.0", "zsh=", "zsh>=", "zsh>=1.0.0.0", "z sh", "zsh=>1.0", "zsh==1.0"} {
		if r, err := ParseRelation(bad); err == nil {
			t.Errorf("ParseRelation(%q) = %v; want an error", bad, r)
		}
	}
}
