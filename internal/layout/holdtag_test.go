package layout

import "testing"

func TestParseHoldTag(t *testing.T) {
	for _, tc := range []struct {
		tag string
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

// Whatever a tag holds, a tag ParseHoldTag accepts is the one HoldTag writes for what it read.
func FuzzParseHoldTag(f *testing.F) {
	f.Add("axiom-env:dev:3")
	f.Add("axiom-env:a:b:12")
	f.Add("axiom-env::1")
	f.Fuzz(func(t *testing.T, tag string) {
		env, k, ok := ParseHoldTag(tag)
		if ok && HoldTag(env, k) != tag {
			t.Fatalf("ParseHoldTag(%q) = %q, %d: HoldTag writes %q", tag, env, k, HoldTag(env, k))
		}
	})
}

func TestInstalled(t *testing.T) {
	l := Layout{Root: "tank/axiom"}
	id, ok := ParsePackagePath("vim/9.0.2/1/b42f989d")
	if !ok {
		t.Fatal("ParsePackagePath")
	}
	if got, want := l.Installed(id), "tank/axiom/store/pkg/vim/9.0.2/1/b42f989d@installed"; got != want {
		t.Errorf("Installed = %q, want %q", got, want)
	}
}

func TestSnapshotDataset(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{Snapshot("tank/axiom/store/pkg/vim/9.0.2/1/b42f989d", SnapInstalled), "tank/axiom/store/pkg/vim/9.0.2/1/b42f989d"},
		{Snapshot("tank/axiom/env/e/gen-1", SnapRealized), "tank/axiom/env/e/gen-1"},
		{"tank/axiom/env/e", "tank/axiom/env/e"},
	} {
		if got := SnapshotDataset(tc.in); got != tc.want {
			t.Errorf("SnapshotDataset(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
