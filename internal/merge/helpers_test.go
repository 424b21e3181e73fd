package merge_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

// ent is an entry of a test package together with a file's content.
type ent struct {
	merge.Entry
	content string
}

func file(p, content string, mode fs.FileMode) ent {
	sum := sha256.Sum256([]byte(content))
	return ent{Entry: merge.Entry{Path: p, Type: merge.File, Mode: mode, Size: int64(len(content)),
		Digest: func() ([32]byte, error) { return sum, nil }}, content: content}
}

func dir(p string, mode fs.FileMode) ent {
	return ent{Entry: merge.Entry{Path: p, Type: merge.Dir, Mode: mode}}
}

func link(p, target string) ent {
	return ent{Entry: merge.Entry{Path: p, Type: merge.Symlink, Target: target}}
}

// counted makes e's Digest count its calls in calls[key].
func counted(e ent, calls map[string]int, key string) ent {
	d := e.Digest
	e.Digest = func() ([32]byte, error) {
		calls[key]++
		return d()
	}
	return e
}

// pkg makes an input named name, labelled "<name> 1.0" (so tests see which one messages use).
func pkg(name string, ents ...ent) merge.Input {
	in := merge.Input{Name: name, Label: name + " 1.0"}
	for _, e := range ents {
		in.Entries = append(in.Entries, e.Entry)
	}
	return in
}

// opener serves the content of the packages' files, one []ent per input, for Write.
func opener(pkgs ...[]ent) func(int, string) (io.ReadCloser, error) {
	return func(input int, p string) (io.ReadCloser, error) {
		if input < 0 || input >= len(pkgs) {
			return nil, fmt.Errorf("no input %d", input)
		}
		for _, e := range pkgs[input] {
			if e.Path == p && e.Type == merge.File {
				return io.NopCloser(strings.NewReader(e.content)), nil
			}
		}
		return nil, fmt.Errorf("input %d has no file %q: %w", input, p, fs.ErrNotExist)
	}
}

// render shows a result's paths compactly: "<path> <d|f|l><mode> <input>[:<from>][ -> <target>]".
func render(res merge.Result) []string {
	var out []string
	for _, p := range res.Placed {
		s := fmt.Sprintf("%s %c%o %d", p.Path, "?fdl"[min(int(p.Type), 3)], uint32(p.Mode), p.Input)
		if p.From != p.Path {
			s += ":" + p.From
		}
		if p.Type == merge.Symlink {
			s += " -> " + p.Target
		}
		out = append(out, s)
	}
	return out
}

// mustMerge merges and fails the test on error.
func mustMerge(t testing.TB, policy merge.Policy, inputs ...merge.Input) merge.Result {
	t.Helper()
	res, err := merge.Merge(inputs, policy)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	return res
}

// genInputs decodes bytes into a few small inputs drawn from small alphabets, so that paths
// collide often; now and then a path, name or target is unsafe. It is shared by the fuzz
// target and the property tests.
func genInputs(data []byte) []merge.Input {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	comps := []string{"x", "y", "x.1", ".d", "bin", "x.a", "x.a.2"}
	bad := []string{"..", "", "/x", ".", "a\x00"}
	names := []string{"a", "b", "c", "a", "x"}
	targets := []string{"x", "y", "bin/x", "x.1", "y/../x", ".", "x.1/..", "bin", "..", "../x", "../..", "/abs", "/", "\\x"}
	contents := []string{"", "a", "b", "ab"}
	var inputs []merge.Input
	for range 1 + next()%4 {
		in := merge.Input{Name: names[next()%len(names)], AllowSetID: next()%2 == 1}
		if next()%64 == 63 {
			in.Name = bad[next()%len(bad)]
		}
		in.Label = in.Name + " label"
		kinds := map[string]merge.Type{} // mostly keep each input's own tree consistent
		for range next() % 9 {
			var parts []string
			for range 1 + next()%3 {
				parts = append(parts, comps[next()%len(comps)])
			}
			p := strings.Join(parts, "/")
			if next()%128 == 127 {
				p = bad[next()%len(bad)] + "/" + p
			}
			e := merge.Entry{Path: p, Type: merge.Type(1 + next()%3), Mode: fs.FileMode(next()<<4 | next())}
			if m := next(); m%8 == 7 {
				e.Mode |= []fs.FileMode{fs.ModeSetuid, fs.ModeSetgid, fs.ModeSticky}[m/8%3]
			}
			if !fits(kinds, p, e.Type) && next()%32 != 31 {
				continue
			}
			switch e.Type {
			case merge.File:
				c := contents[next()%len(contents)]
				sum := sha256.Sum256([]byte(c))
				e.Size = int64(len(c))
				e.Digest = func() ([32]byte, error) { return sum, nil }
			case merge.Symlink:
				e.Target = targets[next()%len(targets)]
			}
			in.Entries = append(in.Entries, e)
		}
		inputs = append(inputs, in)
	}
	return inputs
}

// fits reports whether an entry of type typ at p fits the tree kinds describes (no duplicate,
// nothing beneath a file or symlink, no file where a directory is implied) and adds it.
func fits(kinds map[string]merge.Type, p string, typ merge.Type) bool {
	if _, dup := kinds[p]; dup {
		return false
	}
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		if k, ok := kinds[strings.Join(parts[:i], "/")]; ok && k != merge.Dir {
			return false
		}
	}
	for q := range kinds {
		if strings.HasPrefix(q, p+"/") && typ != merge.Dir {
			return false
		}
	}
	kinds[p] = typ
	for i := 1; i < len(parts); i++ {
		kinds[strings.Join(parts[:i], "/")] = merge.Dir
	}
	return true
}

// safePath reports whether p obeys Entry.Path's rules; an independent restatement for tests.
func safePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." {
			return false
		}
	}
	return true
}
