package version

import (
	"encoding/json"
	"testing"
)

// TestConstraintMatch is a table of every rule in axiom-model.md §2.7, with the versions at and
// around each boundary.
func TestConstraintMatch(t *testing.T) {
	tests := []struct {
		constraint string
		admits     []string
		rejects    []string
	}{
		// exact: all three fields equal; missing parts are 0
		{"3.11.0", []string{"3.11.0"}, []string{"3.11.1", "3.10.9", "3.12.0", "0.0.0"}},
		{"3.11", []string{"3.11.0"}, []string{"3.11.1"}},
		// tilde: v >= base, same major and same minor
		{"~13.2", []string{"13.2.0", "13.2.1", "13.2.4294967295"}, []string{"13.1.99", "13.3.0", "14.2.0", "12.2.0"}},
		{"~13", []string{"13.0.0", "13.0.99"}, []string{"12.99.99", "13.1.0", "13.2.0", "14.0.0"}}, // npm would admit <14
		{"~6.4", []string{"6.4.0", "6.4.7"}, []string{"6.3.9", "6.5.0", "7.4.0"}},
		{"~6.4.2", []string{"6.4.2", "6.4.9"}, []string{"6.4.1", "6.5.0"}},
		// caret: v >= base, same major; no special case for 0.x
		{"^5.0.0", []string{"5.0.0", "5.2.21", "5.99.99"}, []string{"4.99.99", "6.0.0"}},
		{"^5", []string{"5.0.0", "5.9.0"}, []string{"4.0.0", "6.0.0"}},
		{"^0.2.3", []string{"0.2.3", "0.2.9", "0.3.0", "0.99.0"}, []string{"0.2.2", "0.1.9", "1.0.0"}}, // npm would stop at 0.3.0
		{"^0.0.3", []string{"0.0.3", "0.1.0"}, []string{"0.0.2", "1.0.0"}},
		// ranges: comma-separated AND of >=, >, <=, <
		{">=1.0.0,<2.0.0", []string{"1.0.0", "1.5.0", "1.999.999"}, []string{"0.9.9", "2.0.0", "2.0.1"}},
		{">=2.40.0", []string{"2.40.0", "2.45.1", "99.0.0", "4294967295.4294967295.4294967295"}, []string{"2.39.9", "1.99.0"}},
		{">1.0.0", []string{"1.0.1", "2.0.0"}, []string{"1.0.0", "0.9.0"}},
		{"<=2.0.0", []string{"2.0.0", "0.0.0"}, []string{"2.0.1"}},
		{"<2.0.0", []string{"1.99.99", "0.0.0"}, []string{"2.0.0"}},
		{">1.0.0,<=1.0.5", []string{"1.0.1", "1.0.5"}, []string{"1.0.0", "1.0.6"}},
		{">=1.0.0,<1.0.0", nil, []string{"0.9.0", "1.0.0", "1.0.1"}}, // empty, and allowed: upstream admits it too
		// for each side, the last term wins
		{">=1.0.0,>=2.0.0", []string{"2.0.0"}, []string{"1.5.0"}},
		{">=2.0.0,>=1.0.0", []string{"1.5.0", "2.0.0"}, []string{"0.9.0"}}, // even when looser
		{"<3.0.0,<2.0.0", []string{"1.9.9"}, []string{"2.5.0"}},
		{">1.0.0,>=1.0.0", []string{"1.0.0"}, []string{"0.9.9"}},
		{">=1.0.0,<2.0.0,>=1.5.0", []string{"1.5.0", "1.9.0"}, []string{"1.4.9", "2.0.0"}},
		// any
		{"*", []string{"0.0.0", "1.2.3", "4294967295.4294967295.4294967295"}, nil},
		{"", []string{"0.0.0", "1.2.3"}, nil},
		// surrounding and inner space is allowed around operators and terms
		{"  ^5.0.0 ", []string{"5.1.0"}, []string{"6.0.0"}},
		{"^ 5", []string{"5.1.0"}, []string{"6.0.0"}},
		{">= 1.0 , < 2.0", []string{"1.0.0"}, []string{"2.0.0"}},
		{" * ", []string{"7.0.0"}, nil},
	}
	for _, tt := range tests {
		c, err := ParseConstraint(tt.constraint)
		if err != nil {
			t.Errorf("ParseConstraint(%q): %v", tt.constraint, err)
			continue
		}
		for _, v := range tt.admits {
			if !c.Match(MustParse(v)) {
				t.Errorf("%q does not admit %s", tt.constraint, v)
			}
		}
		for _, v := range tt.rejects {
			if c.Match(MustParse(v)) {
				t.Errorf("%q admits %s", tt.constraint, v)
			}
		}
	}
}

func TestConstraintKindAndString(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		str  string
	}{
		{"", Any, "*"},
		{"*", Any, "*"},
		{"3.11.0", Exact, "3.11.0"},
		{"3.11", Exact, "3.11.0"},
		{"~13.2", Tilde, "~13.2.0"},
		{"~13", Tilde, "~13.0.0"},
		{"^5.0.0", Caret, "^5.0.0"},
		{"^0.2.3", Caret, "^0.2.3"},
		{">=1.0.0,<2.0.0", Range, ">=1.0.0,<2.0.0"},
		{"<2.0.0,>=1.0.0", Range, ">=1.0.0,<2.0.0"}, // lower bound first
		{">= 1.0 , < 2", Range, ">=1.0.0,<2.0.0"},
		{">=2.40.0", Range, ">=2.40.0"},
		{"<=2", Range, "<=2.0.0"},
		{">1", Range, ">1.0.0"},
		{">=1.0.0,>=2.0.0", Range, ">=2.0.0"}, // last term per side wins
		{"<3,<2,>1", Range, ">1.0.0,<2.0.0"},
	}
	for _, tt := range tests {
		c, err := ParseConstraint(tt.in)
		if err != nil {
			t.Errorf("ParseConstraint(%q): %v", tt.in, err)
			continue
		}
		if c.Kind() != tt.kind || c.String() != tt.str {
			t.Errorf("ParseConstraint(%q) = %v %q, want %v %q", tt.in, c.Kind(), c.String(), tt.kind, tt.str)
		}
		if c.IsAny() != (tt.kind == Any) {
			t.Errorf("ParseConstraint(%q).IsAny() = %v", tt.in, c.IsAny())
		}
	}
	if AnyVersion.String() != "*" || !(Constraint{}).IsAny() {
		t.Error("the zero Constraint is not any")
	}
}

// TestParseConstraintRejects: inputs upstream accepts with a different meaning, or rejects.
func TestParseConstraintRejects(t *testing.T) {
	for _, in := range []string{
		"1.2.3.4",       // four components
		"~1.2.3.4",      //
		">=1.2.3.4",     //
		"1_000",         // '_' in a number
		"^1_0",          //
		"+1.2",          // a leading '+'
		">=+1.2",        //
		"latest",        // letters
		"1.2.x",         //
		"^1.x",          //
		"v1.2.3",        //
		"1.2.3-beta",    // pre-release
		"~1.2.3-rc1",    //
		"4294967296",    // overflow
		"^4294967296.0", //
		">=1.0, 2.0",    // a range term without an operator (upstream ignores it)
		"1.0 - 2.0",     // a hyphen range
		">=1.0 <2.0",    // terms need commas
		"=1.2",          // '=' is not an operator: write the bare version
		"==1.2",         //
		"!=1.2",         //
		">=1.0,",        // empty terms
		",>=1.0",        //
		">=1.0,,<2.0",   //
		"~",             // an operator without a version
		"^",             //
		">=",            //
		"<",             //
		"~>1.2",         // not Ruby's pessimistic operator either
		"^^1",           //
		"**",            //
		"* ,>=1",        //
	} {
		if c, err := ParseConstraint(in); err == nil {
			t.Errorf("ParseConstraint(%q) = %q, want an error", in, c)
		}
	}
}

func TestParseConstraintKind(t *testing.T) {
	tests := []struct {
		kind    Kind
		in      string
		want    string // "" for an error
		wantErr bool
	}{
		{Any, "", "*", false},
		{Any, "*", "*", false},
		{Any, "1.0.0", "", true}, // a version with kind any is a contradiction, not "any"
		{Exact, "3.11.0", "3.11.0", false},
		{Exact, "^3.11.0", "", true},
		{Tilde, "~6.4.0", "~6.4.0", false},
		{Tilde, "6.4", "~6.4.0", false}, // the symbol is optional, as upstream
		{Caret, "^5.0.0", "^5.0.0", false},
		{Caret, "5.0.0", "^5.0.0", false},
		{Caret, "~5.0.0", "", true},
		{Range, ">=8.0.0", ">=8.0.0", false},
		{Range, ">=1.0,<2.0", ">=1.0.0,<2.0.0", false},
		{Range, "8.0.0", "", true},
		{Kind(42), "1.0.0", "", true},
	}
	for _, tt := range tests {
		c, err := ParseConstraintKind(tt.kind, tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseConstraintKind(%v, %q) = %q, want an error", tt.kind, tt.in, c)
			}
			continue
		}
		if err != nil || c.String() != tt.want || c.Kind() != tt.kind {
			t.Errorf("ParseConstraintKind(%v, %q) = %v %q, %v; want %q", tt.kind, tt.in, c.Kind(), c, err, tt.want)
		}
	}
}

func TestKind(t *testing.T) {
	for k, name := range map[Kind]string{Any: "any", Exact: "exact", Tilde: "tilde", Caret: "caret", Range: "range"} {
		if k.String() != name {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), name)
		}
		if got, err := ParseKind(name); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", name, got, err)
		}
	}
	if got := Kind(9).String(); got != "Kind(9)" {
		t.Errorf("Kind(9).String() = %q", got)
	}
	for _, bad := range []string{"", "minimum", "Caret", "any "} {
		if _, err := ParseKind(bad); err == nil {
			t.Errorf("ParseKind(%q) succeeded", bad)
		}
	}
}

func TestConstraintText(t *testing.T) {
	type doc struct {
		C Constraint `json:"c"`
	}
	for _, in := range []string{"*", "^5.0.0", "~13.2.0", ">=1.0.0,<2.0.0", "3.11.0"} {
		b, err := json.Marshal(doc{MustParseConstraint(in)})
		var raw map[string]string
		if err != nil || json.Unmarshal(b, &raw) != nil || raw["c"] != in {
			t.Errorf("json.Marshal(%q) = %s, %v; want the canonical string", in, b, err)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back.C != MustParseConstraint(in) {
			t.Errorf("json.Unmarshal(%s) = %v, %v", b, back.C, err)
		}
	}
	var c Constraint
	if err := c.UnmarshalText([]byte("=1.2")); err == nil {
		t.Error("UnmarshalText accepted =1.2")
	}
}

func TestMustParseConstraintPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseConstraint(\"=1\") did not panic")
		}
	}()
	MustParseConstraint("=1")
}

// TestSatisfiable: only a range can admit no version, and it does so when its bounds cross, meet
// without both being inclusive, leave no X.Y.Z between them, or lie beyond the ends of the space.
func TestSatisfiable(t *testing.T) {
	for in, want := range map[string]bool{
		"*":                                  true,
		"":                                   true,
		"1.2.3":                              true,
		"~13":                                true,
		"^0.2.3":                             true,
		"4294967295.4294967295.4294967295":   true,
		">=1.0.0,<2.0.0":                     true,
		">=2.0.0,<1.0.0":                     false,
		">=1.0.0,<1.0.0":                     false,
		">1.0.0,<=1.0.0":                     false,
		">=1.0.0,<=1.0.0":                    true,
		">1.2.3,<1.2.4":                      false, // no version between them
		">1.2.3,<=1.2.4":                     true,
		">1.2.4294967295,<1.3.0":             false, // 1.3.0 follows 1.2.4294967295
		">1.2.4294967295,<=1.3.0":            true,
		">1.4294967295.4294967295,<2.0.0":    false,
		"<0.0.0":                             false,
		"<=0.0.0":                            true,
		"<0.0.1":                             true,
		">4294967295.4294967295.4294967295":  false,
		">=4294967295.4294967295.4294967295": true,
		">4294967295.4294967295.4294967294":  true,
		">=2.0.0,<1.0.0,>=0.5.0":             true, // the last lower bound wins
	} {
		c := MustParseConstraint(in)
		if got := c.Satisfiable(); got != want {
			t.Errorf("%q.Satisfiable() = %v, want %v", in, got, want)
		}
	}
}
