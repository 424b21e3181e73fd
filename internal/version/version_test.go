package version

import (
	"encoding/json"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Version
	}{
		{"1", Version{1, 0, 0}},
		{"13.2", Version{13, 2, 0}},
		{"1.2.3", Version{1, 2, 3}},
		{"0.0.0", Version{0, 0, 0}},
		{"01.02.003", Version{1, 2, 3}}, // leading zeros are decimal, as Zig's parseInt reads them
		{"4294967295.4294967295.4294967295", Version{1<<32 - 1, 1<<32 - 1, 1<<32 - 1}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseRejects lists what upstream accepts by accident or rejects, and this package refuses.
func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"1.2.3.4",     // upstream silently drops the fourth component
		"1.2.3.0",     // even a zero one
		"2_1",         // upstream reads 21
		"1.2_0.3",     //
		"+1.2.3",      // upstream accepts a leading '+'
		"1.+2.3",      //
		"-1.2.3",      // negative
		"1.1.1w",      // letters
		"1.2.3-beta",  // pre-release tags do not exist
		"1.2.3+build", // nor build metadata
		"v1.2.3",      //
		"x",           //
		"1..2",        // empty components
		".1",          //
		"1.",          //
		".",           //
		"4294967296",  // overflows 32 bits
		"1.99999999999999999999",
		" 1.2.3", // no surrounding space inside a version
		"1.2.3 ",
		"1. 2",
		"١.٢.٣", // digits, but not ASCII ones
		"0x10",
	} {
		if v, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, v)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.3", "1.2.3", 0},
		{"1.2", "1.2.0", 0},
		{"1.2.3", "1.2.4", -1},
		{"1.3.0", "1.2.9", 1},
		{"2.0.0", "1.99.99", 1},
		{"0.0.1", "0.1.0", -1},
		{"10.0.0", "9.0.0", 1}, // numeric, not lexical
		{"4294967295.0.0", "0.4294967295.4294967295", 1},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		if got := a.Compare(b); got != tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := b.Compare(a); got != -tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestVersionText(t *testing.T) {
	v := MustParse("13.2")
	if got := v.String(); got != "13.2.0" {
		t.Errorf("String() = %q, want 13.2.0", got)
	}
	b, err := json.Marshal(struct{ V Version }{v})
	if err != nil || string(b) != `{"V":"13.2.0"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var back struct{ V Version }
	if err := json.Unmarshal(b, &back); err != nil || back.V != v {
		t.Errorf("json.Unmarshal = %v, %v; want %v", back.V, err, v)
	}
	if err := json.Unmarshal([]byte(`{"V":"1.2.3.4"}`), &back); err == nil {
		t.Error("json.Unmarshal accepted 1.2.3.4")
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"x\") did not panic")
		}
	}()
	MustParse("x")
}
