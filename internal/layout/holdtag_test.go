package layout

import "testing"

func TestParseHoldTag(t *testing.T) {
	for _, tc := range []struct {
		tag Tag
		env string
		k   int
		ok  bool
	}{
		{HoldTag("dev", 3), "dev", 3, true},
		{HoldTag("a:b", 12), "a:b", 12, true},
		{"axiom-env:dev:0", "", 0, false},
		{"axiom-env:dev:03", "", 0, false},
		{"axiom-env:dev:x", "", 0, false},
		{"axiom-env::3", "", 0, false},
		{"axiom-env:3", "", 0, false},
		{"someone:dev:3", "", 0, false},
		{"", "", 0, false},
	} {
		env, k, ok := ParseHoldTag(tc.tag)
		if env != tc.env || k != tc.k || ok != tc.ok {
			t.Errorf("ParseHoldTag(%q) = %q, %d, %v; want %q, %d, %v", tc.tag, env, k, ok, tc.env, tc.k, tc.ok)
		}
	}
}

func TestParseProfileHoldTag(t *testing.T) {
	for _, tc := range []struct {
		tag     Tag
		profile string
		ok      bool
	}{
		{ProfileHoldTag("dev"), "dev", true},
		{ProfileHoldTag("a:b"), "a:b", true},
		{"axiom-profile:", "", false},
		{"axiom-env:dev:3", "", false},
		{"someone:dev", "", false},
		{"", "", false},
	} {
		p, ok := ParseProfileHoldTag(tc.tag)
		if p != tc.profile || ok != tc.ok {
			t.Errorf("ParseProfileHoldTag(%q) = %q, %v; want %q, %v", tc.tag, p, ok, tc.profile, tc.ok)
		}
	}
	if ProfileHoldTag("dev") != "axiom-profile:dev" {
		t.Errorf("ProfileHoldTag(dev) = %q", ProfileHoldTag("dev"))
	}
	// The two kinds of tag never read as each other.
	if _, _, ok := ParseHoldTag(ProfileHoldTag("dev:3")); ok {
		t.Error("a profile's tag reads as a generation's")
	}
	if _, ok := ParseProfileHoldTag(HoldTag("dev", 3)); ok {
		t.Error("a generation's tag reads as a profile's")
	}
}

// Whatever a tag holds, a tag ParseHoldTag accepts is the one HoldTag writes for what it read.
func FuzzParseHoldTag(f *testing.F) {
	f.Add("axiom-env:dev:3")
	f.Add("axiom-env:a:b:12")
	f.Add("axiom-env::1")
	f.Fuzz(func(t *testing.T, s string) {
		tag := Tag(s)
		env, k, ok := ParseHoldTag(tag)
		if ok && HoldTag(env, k) != tag {
			t.Fatalf("ParseHoldTag(%q) = %q, %d: HoldTag writes %q", tag, env, k, HoldTag(env, k))
		}
	})
}
