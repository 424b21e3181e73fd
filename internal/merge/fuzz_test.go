package merge_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

// FuzzMerge decodes small random inputs (see genInputs) and merges them under every policy.
// Merge must never panic. A result must be a safe tree: paths unique, sorted, clean and
// relative; each path's parent a directory of the result (so nothing beneath a symlink); no
// sticky bits, and setuid or setgid only on files of inputs that allow them; every symlink
// with the target its input shipped; conflicts sorted; keep-both
// copies where the conflicts say. An error must be an *EntryError or a *ConflictError (never
// under priority). Reversing each input's entries must not change the outcome.
//
//	go test ./internal/merge -run '^$' -fuzz FuzzMerge -fuzztime 1m
func FuzzMerge(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 3, 0, 0, 1, 4, 1, 1, 0, 1, 2})
	f.Add([]byte{3, 1, 8, 1, 2, 4, 0, 2, 1, 1, 5, 3, 9, 9, 2, 4, 4, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte("the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inputs := genInputs(data)
		for _, policy := range []merge.Policy{merge.PolicyError, merge.PolicyPriority, merge.PolicyKeepBoth} {
			res, err := merge.Merge(inputs, policy)
			reversed := slices.Clone(inputs)
			for i := range reversed {
				reversed[i].Entries = slices.Clone(reversed[i].Entries)
				slices.Reverse(reversed[i].Entries)
			}
			res2, err2 := merge.Merge(reversed, policy)
			if diff := cmp.Diff(res, res2); diff != "" {
				t.Fatalf("%s: result depends on entry order (-given +reversed):\n%s", policy, diff)
			}
			if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
				t.Fatalf("%s: error depends on entry order: %v, then %v", policy, err, err2)
			}
			if err != nil {
				var ee *merge.EntryError
				var ce *merge.ConflictError
				switch {
				case errors.As(err, &ce):
					if policy == merge.PolicyPriority {
						t.Fatalf("priority gave a conflict error: %v", err)
					}
					if len(ce.Conflicts) == 0 {
						t.Fatalf("%s: empty *ConflictError", policy)
					}
				case errors.As(err, &ee):
				default:
					t.Fatalf("%s: error %T %v is neither *EntryError nor *ConflictError", policy, err, err)
				}
				continue
			}
			checkResult(t, policy, inputs, res)
		}
	})
}

func checkResult(t *testing.T, policy merge.Policy, inputs []merge.Input, res merge.Result) {
	t.Helper()
	tree := make(map[string]merge.Placed, len(res.Placed))
	for i, p := range res.Placed {
		if !safePath(p.Path) || !safePath(p.From) {
			t.Fatalf("%s: unsafe path %q (from %q)", policy, p.Path, p.From)
		}
		if i > 0 && res.Placed[i-1].Path >= p.Path {
			t.Fatalf("%s: paths not unique and sorted: %q then %q", policy, res.Placed[i-1].Path, p.Path)
		}
		allowed := fs.ModePerm
		if p.Type == merge.File && inputs[p.Input].AllowSetID {
			allowed |= fs.ModeSetuid | fs.ModeSetgid
		}
		if p.Mode&^allowed != 0 {
			t.Fatalf("%s: %s has mode %v", policy, p.Path, p.Mode)
		}
		if p.Type < merge.File || p.Type > merge.Symlink {
			t.Fatalf("%s: %s has type %v", policy, p.Path, p.Type)
		}
		tree[p.Path] = p
	}
	for _, p := range res.Placed {
		if i := strings.LastIndexByte(p.Path, '/'); i >= 0 {
			if tree[p.Path[:i]].Type != merge.Dir {
				t.Fatalf("%s: %s's parent is not a directory of the result", policy, p.Path)
			}
		}
		if p.Type == merge.Symlink && !shipped(inputs[p.Input], p.From, p.Target) {
			t.Fatalf("%s: symlink %s -> %q is not what its input shipped", policy, p.Path, p.Target)
		}
	}
	if policy == merge.PolicyError && len(res.Conflicts) > 0 {
		t.Fatalf("error policy returned resolved conflicts %v", res.Conflicts)
	}
	for i, c := range res.Conflicts {
		if i > 0 && res.Conflicts[i-1].Path > c.Path {
			t.Fatalf("%s: conflicts not sorted: %q then %q", policy, res.Conflicts[i-1].Path, c.Path)
		}
		if (c.KeptAs != "") != (policy == merge.PolicyKeepBoth) {
			t.Fatalf("%s: conflict %v", policy, c)
		}
		if c.KeptAs != "" && tree[c.KeptAs].From != c.Path {
			t.Fatalf("%s: %s is not kept as %s: %+v", policy, c.Path, c.KeptAs, tree[c.KeptAs])
		}
	}
}

// shipped reports whether input in has a symlink at path with target.
func shipped(in merge.Input, path, target string) bool {
	for _, e := range in.Entries {
		if e.Path == path && e.Type == merge.Symlink && e.Target == target {
			return true
		}
	}
	return false
}
