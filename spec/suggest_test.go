package spec

import "testing"

func TestSuggest(t *testing.T) {
	policies := []string{"error", "priority", "keep-both"}
	tests := []struct {
		given   string
		options []string
		want    string
	}{
		{"prio", policies, "priority"}, // a prefix
		{"keep_both", policies, "keep-both"},
		{"Error", policies, "error"}, // case
		{"eror", policies, "error"},  // a typo
		{"x", policies, ""},          // too short to be anything
		{"ke", policies, ""},         // prefixes need three characters
		{"overwrite", policies, ""},  // unrelated
		{"developmnet", []string{"development", "production"}, "development"},
		{"prod", []string{"development", "production"}, "production"},
		{"dev", []string{"development", "devel"}, "devel"}, // nearest wins over a longer prefix match
		{"q", []string{"p"}, ""},                           // replacing every character is no typo
		{"dv", []string{"dev"}, "dev"},
		{"anything", nil, ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.given, tt.options); got != tt.want {
			t.Errorf("suggest(%q, %q) = %q, want %q", tt.given, tt.options, got, tt.want)
		}
	}
}

func TestQuotedList(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, `"a"`},
		{[]string{"a", "b"}, `"a" or "b"`},
		{[]string{"a", "b", "c"}, `"a", "b" or "c"`},
	} {
		if got := quotedList(tt.in); got != tt.want {
			t.Errorf("quotedList(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
