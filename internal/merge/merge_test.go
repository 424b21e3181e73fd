package merge_test

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/axiom-reconcile/axiom-reconcile/internal/merge"
)

var allPolicies = []merge.Policy{merge.PolicyError, merge.PolicyPriority, merge.PolicyKeepBoth}

func TestMerge(t *testing.T) {
	// Conflicts name inputs by label: "<name> 1.0".
	conflict := func(p string, kind merge.Kind, first, second, detail string) merge.Conflict {
		return merge.Conflict{Path: p, Kind: kind, First: first + " 1.0", Second: second + " 1.0", Detail: detail}
	}
	kept := func(c merge.Conflict, as string) merge.Conflict { c.KeptAs = as; return c }

	tests := map[string]struct {
		inputs    []merge.Input
		policies  []merge.Policy // nil: every policy, with the same outcome
		want      []string       // render(result)
		conflicts []merge.Conflict
		blocking  []merge.Conflict // non-nil: Merge must fail with a *ConflictError listing these
	}{
		"one input: implied directories, setuid and sticky dropped, symlink mode 0777": {
			inputs: []merge.Input{pkg("a",
				file("bin/sh", "x", 0o4755), link("bin/rsh", "sh"), dir("share", 0o1777),
				file("etc/conf", "c", 0o2640))},
			want: []string{"bin d755 0", "bin/rsh l777 0 -> sh", "bin/sh f755 0", "etc d755 0",
				"etc/conf f640 0", "share d777 0"},
		},
		"same basename in different directories: both kept (upstream's bug)": {
			inputs: []merge.Input{
				pkg("a", file("bin/foo", "1", 0o755)),
				pkg("b", file("share/foo", "22", 0o644)),
			},
			want: []string{"bin d755 0", "bin/foo f755 0", "share d755 1", "share/foo f644 1"},
		},
		"identical files from two packages are one entry, the first's": {
			inputs: []merge.Input{
				pkg("a", file("bin/sh", "x", 0o755)),
				pkg("b", file("bin/sh", "x", 0o755), file("bin/b", "b", 0o755)),
			},
			want: []string{"bin d755 0", "bin/b f755 1", "bin/sh f755 0"},
		},
		"same symlink from two packages": {
			inputs: []merge.Input{pkg("a", link("lib/l", "x")), pkg("b", link("lib/l", "x"))},
			want:   []string{"lib d755 0", "lib/l l777 0 -> x"},
		},
		"directory modes: the first input listing a directory wins": {
			inputs: []merge.Input{
				pkg("a", dir("d", 0o700), file("i/x", "", 0o644), dir("l", 0o750)),
				pkg("b", dir("d", 0o755), dir("i", 0o750), file("l/y", "", 0o644)),
				pkg("c", dir("i", 0o700)),
			},
			want: []string{"d d700 0", "i d750 1", "i/x f644 0", "l d750 0", "l/y f644 1"},
		},

		"mode-only conflict: error": {
			inputs:   []merge.Input{pkg("a", file("bin/sh", "x", 0o755)), pkg("b", file("bin/sh", "x", 0o644))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("bin/sh", merge.KindMode, "a", "b", "0755 and 0644")},
		},
		"mode-only conflict: priority keeps the first": {
			inputs:    []merge.Input{pkg("a", file("bin/sh", "x", 0o755)), pkg("b", file("bin/sh", "x", 0o644))},
			policies:  []merge.Policy{merge.PolicyPriority},
			want:      []string{"bin d755 0", "bin/sh f755 0"},
			conflicts: []merge.Conflict{conflict("bin/sh", merge.KindMode, "a", "b", "0755 and 0644")},
		},
		"mode-only conflict: keep-both": {
			inputs:    []merge.Input{pkg("a", file("bin/sh", "x", 0o755)), pkg("b", file("bin/sh", "x", 0o644))},
			policies:  []merge.Policy{merge.PolicyKeepBoth},
			want:      []string{"bin d755 0", "bin/sh f755 0", "bin/sh.b f644 1:bin/sh"},
			conflicts: []merge.Conflict{kept(conflict("bin/sh", merge.KindMode, "a", "b", "0755 and 0644"), "bin/sh.b")},
		},
		"content conflict: sizes differ, error": {
			inputs:   []merge.Input{pkg("vim", file("bin/vi", "1", 0o755)), pkg("busybox", file("bin/vi", "22", 0o755))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("bin/vi", merge.KindContent, "vim", "busybox", "1 and 2 bytes")},
		},
		"content conflict: same size, priority": {
			inputs:    []merge.Input{pkg("vim", file("bin/vi", "1", 0o755)), pkg("busybox", file("bin/vi", "2", 0o644))},
			policies:  []merge.Policy{merge.PolicyPriority},
			want:      []string{"bin d755 0", "bin/vi f755 0"},
			conflicts: []merge.Conflict{conflict("bin/vi", merge.KindContent, "vim", "busybox", "")},
		},
		"symlink target conflict: error": {
			inputs:   []merge.Input{pkg("a", link("lib/l", "x")), pkg("b", link("lib/l", "y"))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("lib/l", merge.KindTarget, "a", "b", `"x" and "y"`)},
		},
		"symlink target conflict: keep-both": {
			inputs:    []merge.Input{pkg("a", link("lib/l", "x")), pkg("b", link("lib/l", "y"))},
			policies:  []merge.Policy{merge.PolicyKeepBoth},
			want:      []string{"lib d755 0", "lib/l l777 0 -> x", "lib/l.b l777 1:lib/l -> y"},
			conflicts: []merge.Conflict{kept(conflict("lib/l", merge.KindTarget, "a", "b", `"x" and "y"`), "lib/l.b")},
		},

		"file then directory: error": {
			inputs:   []merge.Input{pkg("a", file("x", "", 0o644)), pkg("b", dir("x", 0o755), file("x/y", "", 0o644))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("x", merge.KindType, "a", "b", "a file and a directory")},
		},
		"file then directory: priority drops the directory's subtree": {
			inputs:    []merge.Input{pkg("a", file("x", "", 0o644)), pkg("b", dir("x", 0o755), file("x/y", "", 0o644), file("x-z", "", 0o644))},
			policies:  []merge.Policy{merge.PolicyPriority},
			want:      []string{"x f644 0", "x-z f644 1"},
			conflicts: []merge.Conflict{conflict("x", merge.KindType, "a", "b", "a file and a directory")},
		},
		"file then directory: keep-both cannot keep a directory": {
			inputs:   []merge.Input{pkg("a", file("x", "", 0o644)), pkg("b", dir("x", 0o755), file("x/y", "", 0o644))},
			policies: []merge.Policy{merge.PolicyKeepBoth},
			blocking: []merge.Conflict{conflict("x", merge.KindType, "a", "b", "a file and a directory")},
		},
		"directory then file: error": {
			inputs:   []merge.Input{pkg("a", dir("x", 0o755)), pkg("b", file("x", "", 0o644))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("x", merge.KindType, "a", "b", "a directory and a file")},
		},
		"directory then file: priority keeps the directory": {
			inputs:    []merge.Input{pkg("a", dir("x", 0o755), file("x/y", "", 0o644)), pkg("b", file("x", "", 0o644))},
			policies:  []merge.Policy{merge.PolicyPriority},
			want:      []string{"x d755 0", "x/y f644 0"},
			conflicts: []merge.Conflict{conflict("x", merge.KindType, "a", "b", "a directory and a file")},
		},
		"directory then file: keep-both renames the file": {
			inputs:    []merge.Input{pkg("a", dir("x", 0o755), file("x/y", "", 0o644)), pkg("b", file("x", "", 0o644))},
			policies:  []merge.Policy{merge.PolicyKeepBoth},
			want:      []string{"x d755 0", "x.b f644 1:x", "x/y f644 0"},
			conflicts: []merge.Conflict{kept(conflict("x", merge.KindType, "a", "b", "a directory and a file"), "x.b")},
		},
		"implied parent directory against a later file": {
			inputs:   []merge.Input{pkg("a", file("bin/x", "", 0o755)), pkg("b", file("bin", "", 0o755))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("bin", merge.KindType, "a", "b", "a directory and a file")},
		},
		"implied parent directory against an earlier file: one conflict, not one per entry": {
			inputs:   []merge.Input{pkg("a", file("bin", "", 0o755)), pkg("b", file("bin/x", "", 0o755), file("bin/y/z", "", 0o755))},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{conflict("bin", merge.KindType, "a", "b", "a file and a directory")},
		},
		"priority drops a subtree under another package's symlink": {
			inputs: []merge.Input{
				pkg("a", link("lib", "lib64"), file("lib64/libc.so", "c", 0o755)),
				pkg("b", file("lib/libc.so", "c", 0o755), file("lib/x/y", "", 0o644), file("lib64/libc.so", "c", 0o755)),
			},
			policies:  []merge.Policy{merge.PolicyPriority},
			want:      []string{"lib l777 0 -> lib64", "lib64 d755 0", "lib64/libc.so f755 0"},
			conflicts: []merge.Conflict{conflict("lib", merge.KindType, "a", "b", "a symlink and a directory")},
		},

		"keep-both naming: extensions, dotfiles, trailing dots, taken names, repeated package names": {
			inputs: []merge.Input{
				pkg("busybox", file("bin/vi", "1", 0o755), file("bin/vi.vim", "other", 0o755),
					file("share/man/man1/vi.1", "1", 0o644), file("lib/libx.so.1", "1", 0o644),
					file(".bashrc", "1", 0o644), file("etc/foo.", "1", 0o644), file("etc/noext", "1", 0o644)),
				pkg("vim", file("bin/vi", "22", 0o755), file("share/man/man1/vi.1", "22", 0o644),
					file("lib/libx.so.1", "22", 0o644), file(".bashrc", "22", 0o644),
					file("etc/foo.", "22", 0o644), file("etc/noext", "22", 0o644)),
				pkg("vim", file("bin/vi", "333", 0o755)),
			},
			policies: []merge.Policy{merge.PolicyKeepBoth},
			want: []string{
				".bashrc f644 0", ".bashrc.vim f644 1:.bashrc",
				"bin d755 0", "bin/vi f755 0", "bin/vi.vim f755 0", "bin/vi.vim.2 f755 1:bin/vi", "bin/vi.vim.3 f755 2:bin/vi",
				"etc d755 0", "etc/foo. f644 0", "etc/foo..vim f644 1:etc/foo.", "etc/noext f644 0", "etc/noext.vim f644 1:etc/noext",
				"lib d755 0", "lib/libx.so.1 f644 0", "lib/libx.so.vim.1 f644 1:lib/libx.so.1",
				"share d755 0", "share/man d755 0", "share/man/man1 d755 0",
				"share/man/man1/vi.1 f644 0", "share/man/man1/vi.vim.1 f644 1:share/man/man1/vi.1",
			},
			conflicts: []merge.Conflict{
				kept(conflict(".bashrc", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), ".bashrc.vim"),
				kept(conflict("bin/vi", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), "bin/vi.vim.2"),
				kept(conflict("bin/vi", merge.KindContent, "busybox", "vim", "1 and 3 bytes"), "bin/vi.vim.3"),
				kept(conflict("etc/foo.", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), "etc/foo..vim"),
				kept(conflict("etc/noext", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), "etc/noext.vim"),
				kept(conflict("lib/libx.so.1", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), "lib/libx.so.vim.1"),
				kept(conflict("share/man/man1/vi.1", merge.KindContent, "busybox", "vim", "1 and 2 bytes"), "share/man/man1/vi.vim.1"),
			},
		},
		"three inputs at one path: each later one is compared with the first": {
			inputs: []merge.Input{
				pkg("a", file("f", "1", 0o644)),
				pkg("b", file("f", "2", 0o644)),
				pkg("c", file("f", "2", 0o644)),
				pkg("d", file("f", "1", 0o644)),
			},
			policies: []merge.Policy{merge.PolicyError},
			blocking: []merge.Conflict{
				conflict("f", merge.KindContent, "a", "b", ""),
				conflict("f", merge.KindContent, "a", "c", ""),
			},
		},
		"error lists every conflict, sorted by path then input": {
			inputs: []merge.Input{
				pkg("a", file("z", "1", 0o644), file("m/n", "", 0o644), file("bin/a", "1", 0o644)),
				pkg("b", file("bin/a", "2", 0o644), file("m", "", 0o644), file("z", "22", 0o644)),
				pkg("c", file("bin/a", "1", 0o644), file("bin/b", "", 0o644)),
				pkg("d", file("bin/a", "3", 0o644)),
			},
			policies: []merge.Policy{merge.PolicyError, ""},
			blocking: []merge.Conflict{
				conflict("bin/a", merge.KindContent, "a", "b", ""),
				conflict("bin/a", merge.KindContent, "a", "d", ""),
				conflict("m", merge.KindType, "a", "b", "a directory and a file"),
				conflict("z", merge.KindContent, "a", "b", "1 and 2 bytes"),
			},
		},
	}
	for name, tc := range tests {
		policies := tc.policies
		if policies == nil {
			policies = allPolicies
		}
		for _, policy := range policies {
			t.Run(name+"/"+string(policy), func(t *testing.T) {
				res, err := merge.Merge(tc.inputs, policy)
				if tc.blocking != nil {
					var ce *merge.ConflictError
					if !errors.As(err, &ce) {
						t.Fatalf("Merge: got %v, want a *ConflictError", err)
					}
					if diff := cmp.Diff(tc.blocking, ce.Conflicts); diff != "" {
						t.Errorf("ConflictError.Conflicts (-want +got):\n%s", diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("Merge: %v", err)
				}
				if diff := cmp.Diff(tc.want, render(res)); diff != "" {
					t.Errorf("placed (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.conflicts, res.Conflicts); diff != "" {
					t.Errorf("conflicts (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestConflictErrorMessage(t *testing.T) {
	inputs := []merge.Input{
		{Name: "vim", Label: "vim 9.1.0-1 (3f2a9c1b)", Entries: []merge.Entry{
			file("bin/vi", "vim", 0o755).Entry, file("bin/vim", "vim", 0o755).Entry, file("share/x", "", 0o644).Entry}},
		{Name: "busybox", Label: "busybox 1.36.1-1 (aa01)", Entries: []merge.Entry{
			file("bin/vi", "busybox", 0o755).Entry, file("bin/vim", "vim", 0o555).Entry, link("share", "x").Entry}},
	}
	_, err := merge.Merge(inputs, merge.PolicyError)
	want := `3 file conflicts:
  bin/vi: vim 9.1.0-1 (3f2a9c1b) and busybox 1.36.1-1 (aa01) ship different content (3 and 7 bytes)
  bin/vim: vim 9.1.0-1 (3f2a9c1b) and busybox 1.36.1-1 (aa01) ship the same content with different modes (0755 and 0555)
  share: vim 9.1.0-1 (3f2a9c1b) and busybox 1.36.1-1 (aa01) ship different types (a directory and a symlink)`
	if err == nil || err.Error() != want {
		t.Errorf("Merge error:\n%v\nwant:\n%s", err, want)
	}

	_, err = merge.Merge([]merge.Input{inputs[0], {Name: "b", Entries: []merge.Entry{file("bin", "", 0o644).Entry}}}, merge.PolicyKeepBoth)
	if err != nil {
		t.Errorf("keep-both of a later file against a directory: %v", err)
	}
	_, err = merge.Merge([]merge.Input{{Name: "b", Entries: []merge.Entry{file("bin", "", 0o644).Entry}}, inputs[0]}, merge.PolicyKeepBoth)
	want = `1 file conflict that keep-both cannot resolve (a directory cannot be kept beside a file or symlink):
  bin: b and vim 9.1.0-1 (3f2a9c1b) ship different types (a file and a directory)`
	if err == nil || err.Error() != want {
		t.Errorf("Merge error:\n%v\nwant:\n%s", err, want)
	}

	c := merge.Conflict{Path: "bin/vi", Kind: merge.KindContent, First: "a", Second: "b", KeptAs: "bin/vi.b"}
	if got, want := c.String(), "bin/vi: a and b ship different content; b's copy is bin/vi.b"; got != want {
		t.Errorf("Conflict.String() = %q, want %q", got, want)
	}
}

func TestMergeDefaultPolicyIsError(t *testing.T) {
	_, err := merge.Merge([]merge.Input{pkg("a", file("f", "1", 0o644)), pkg("b", file("f", "2", 0o644))}, "")
	var ce *merge.ConflictError
	if !errors.As(err, &ce) || ce.Policy != merge.PolicyError {
		t.Errorf("Merge with policy \"\": got %v, want a *ConflictError under %q", err, merge.PolicyError)
	}
}

func TestMergeRejects(t *testing.T) {
	digestErr := errors.New("store unreadable")
	failing := file("f", "1", 0o644)
	failing.Digest = func() ([32]byte, error) { return [32]byte{}, digestErr }
	one := func(e ent) []merge.Input { return []merge.Input{pkg("a", e)} }
	entry := func(e merge.Entry) []merge.Input {
		return []merge.Input{{Name: "a", Label: "a 1.0", Entries: []merge.Entry{e}}}
	}

	tests := map[string]struct {
		inputs  []merge.Input
		policy  merge.Policy
		err     error  // errors.Is
		pkg     string // EntryError.Package; "" if not an *EntryError
		path    string // EntryError.Path
		blocked bool   // the error wraps no EntryError
	}{
		"empty path":           {inputs: one(file("", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0"},
		"dot":                  {inputs: one(dir(".", 0o755)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "."},
		"absolute path":        {inputs: one(file("/etc/passwd", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "/etc/passwd"},
		"dot-dot inside":       {inputs: one(file("a/../b", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "a/../b"},
		"dot-dot first":        {inputs: one(file("../b", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "../b"},
		"empty component":      {inputs: one(file("a//b", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "a//b"},
		"trailing slash":       {inputs: one(dir("a/", 0o755)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "a/"},
		"leading dot slash":    {inputs: one(file("./a", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "./a"},
		"dot component":        {inputs: one(file("a/./b", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "a/./b"},
		"NUL":                  {inputs: one(file("a\x00b", "", 0o644)), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "a\x00b"},
		"path listed twice":    {inputs: []merge.Input{pkg("a", file("f", "", 0o644), dir("f", 0o755))}, err: merge.ErrInvalidInput, pkg: "a 1.0", path: "f"},
		"beneath own file":     {inputs: []merge.Input{pkg("a", file("f/g", "", 0o644), file("f", "", 0o644))}, err: merge.ErrInvalidInput, pkg: "a 1.0", path: "f/g"},
		"beneath own symlink":  {inputs: []merge.Input{pkg("a", link("l", "d"), file("l/g", "", 0o644))}, err: merge.ErrInvalidInput, pkg: "a 1.0", path: "l/g"},
		"unknown type":         {inputs: entry(merge.Entry{Path: "x", Type: 9}), err: merge.ErrInvalidInput, pkg: "a 1.0", path: "x"},
		"zero type":            {inputs: entry(merge.Entry{Path: "x"}), err: merge.ErrInvalidInput, pkg: "a 1.0", path: "x"},
		"negative size":        {inputs: entry(merge.Entry{Path: "x", Type: merge.File, Size: -1, Digest: failing.Digest}), err: merge.ErrInvalidInput, pkg: "a 1.0", path: "x"},
		"file without digest":  {inputs: entry(merge.Entry{Path: "x", Type: merge.File}), err: merge.ErrInvalidInput, pkg: "a 1.0", path: "x"},
		"empty name":           {inputs: []merge.Input{{Label: "l"}}, err: merge.ErrInvalidInput, pkg: "l"},
		"name with a slash":    {inputs: []merge.Input{{Name: "a/b"}}, err: merge.ErrInvalidInput, pkg: "a/b"},
		"name dot-dot":         {inputs: []merge.Input{{Name: ".."}}, err: merge.ErrInvalidInput, pkg: ".."},
		"name with NUL":        {inputs: []merge.Input{{Name: "a\x00"}}, err: merge.ErrInvalidInput, pkg: "a\x00"},
		"empty symlink target": {inputs: one(link("l", "")), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "l"},
		"NUL in target":        {inputs: one(link("l", "a\x00")), err: merge.ErrUnsafePath, pkg: "a 1.0", path: "l"},
		"digest failure": {
			inputs: []merge.Input{pkg("a", file("f", "2", 0o644)), pkg("b", failing)},
			err:    digestErr, pkg: "b 1.0", path: "f"},
		"unknown policy": {inputs: one(file("f", "", 0o644)), policy: "first-wins", err: merge.ErrInvalidInput, blocked: true},
		"first rejected entry in tree order wins, whatever the check": {
			inputs: []merge.Input{pkg("a", ent{Entry: merge.Entry{Path: "b", Type: 9}}, file("a/x", "", 0o644), link("a", "b"), link("a-", "/x"))},
			err:    merge.ErrInvalidInput, pkg: "a 1.0", path: "a/x"},
		"first rejected input in order wins": {
			inputs: []merge.Input{pkg("a", file("ok", "", 0o644), link("z", "/x"), file("../y", "", 0o644)), pkg("b", file("/abs", "", 0o644))},
			err:    merge.ErrUnsafePath, pkg: "a 1.0", path: "../y"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			policy := tc.policy
			if policy == "" {
				policy = merge.PolicyPriority
			}
			res, err := merge.Merge(tc.inputs, policy)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Merge: got %v (result %v), want %v", err, render(res), tc.err)
			}
			var ee *merge.EntryError
			if tc.blocked {
				if errors.As(err, &ee) {
					t.Errorf("got an *EntryError %v, want a plain error", err)
				}
				return
			}
			if !errors.As(err, &ee) {
				t.Fatalf("got %T %v, want an *EntryError", err, err)
			}
			if ee.Package != tc.pkg || ee.Path != tc.path {
				t.Errorf("EntryError names (%q, %q), want (%q, %q): %v", ee.Package, ee.Path, tc.pkg, tc.path, err)
			}
		})
	}
}

// TestMergeSymlinksAreData: a symlink's target is data, never followed or judged: absolute,
// leaving the tree, through other packages' links, loops, all merge as shipped.
func TestMergeSymlinksAreData(t *testing.T) {
	tests := map[string][]merge.Input{
		"absolute":                           {pkg("a", link("usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt"))},
		"above the root":                     {pkg("a", link("etc/x", "../../etc/x"))},
		"to the root":                        {pkg("a", link("d/up", ".."))},
		"to itself":                          {pkg("a", link("x", "."))},
		"dangling":                           {pkg("a", link("x", "missing/file"))},
		"loop across packages":               {pkg("a", link("x", "y")), pkg("b", link("y", "x/.."))},
		"out through another package's link": {pkg("a", link("d/up", "..")), pkg("b", link("d/x", "up/.."))},
		"out through a chain":                {pkg("a", link("d/e/up", "../.."), link("d/e/l", "up")), pkg("b", link("d/x", "e/l/.."))},
	}
	for name, inputs := range tests {
		t.Run(name, func(t *testing.T) {
			res := mustMerge(t, merge.PolicyError, inputs...)
			targets := map[string]string{}
			for _, in := range inputs {
				for _, e := range in.Entries {
					targets[e.Path] = e.Target
				}
			}
			for _, p := range res.Placed {
				if p.Type == merge.Symlink && p.Target != targets[p.Path] {
					t.Errorf("%s -> %q; shipped %q", p.Path, p.Target, targets[p.Path])
				}
			}
		})
	}
}

// TestMergeNeverBeneathAnotherSymlink: a package's path beneath another package's symlink
// (here an absolute one) would be written through the link; it is a type conflict at the link,
// refused under error and keep-both, and dropped, with all beneath it, under priority.
func TestMergeNeverBeneathAnotherSymlink(t *testing.T) {
	inputs := []merge.Input{
		pkg("a", link("usr/lib", "/lib")),
		pkg("b", file("usr/lib/libx.so", "x", 0o644), dir("usr/lib/d", 0o755)),
	}
	want := merge.Conflict{Path: "usr/lib", Kind: merge.KindType, First: "a 1.0", Second: "b 1.0",
		Detail: "a symlink and a directory"}
	for _, policy := range []merge.Policy{merge.PolicyError, merge.PolicyKeepBoth} {
		_, err := merge.Merge(inputs, policy)
		var ce *merge.ConflictError
		if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0] != want {
			t.Errorf("%s: Merge = %v; want one conflict %v", policy, err, want)
		}
	}
	res := mustMerge(t, merge.PolicyPriority, inputs...)
	if diff := cmp.Diff([]string{"usr d755 0", "usr/lib l777 0 -> /lib"}, render(res)); diff != "" {
		t.Errorf("priority (-want +got):\n%s", diff)
	}
}

// TestMergeSetID: set-id bits survive only for the files of an input that allows them.
func TestMergeSetID(t *testing.T) {
	su := file("bin/su", "su", 0o755|fs.ModeSetuid)
	wall := file("bin/wall", "wall", 0o755|fs.ModeSetgid)
	allowed := pkg("util-linux", su, wall)
	allowed.AllowSetID = true
	res := mustMerge(t, merge.PolicyError, allowed, pkg("other", file("bin/mount", "m", 0o755|fs.ModeSetuid|fs.ModeSetgid)))
	modes := map[string]fs.FileMode{}
	for _, p := range res.Placed {
		modes[p.Path] = p.Mode
	}
	for path, want := range map[string]fs.FileMode{
		"bin/su": 0o755 | fs.ModeSetuid, "bin/wall": 0o755 | fs.ModeSetgid, "bin/mount": 0o755,
	} {
		if modes[path] != want {
			t.Errorf("%s: mode %v; want %v", path, modes[path], want)
		}
	}
	// The same file with and without its kept bit: a mode conflict.
	plain := pkg("plain", file("bin/su", "su", 0o755))
	_, err := merge.Merge([]merge.Input{allowed, plain}, merge.PolicyError)
	var ce *merge.ConflictError
	if !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].Kind != merge.KindMode {
		t.Errorf("setuid su against plain su: %v; want one mode conflict", err)
	}
	// Not allowed, the bit is dropped before comparing: the same file.
	allowed.AllowSetID = false
	mustMerge(t, merge.PolicyError, allowed, plain)
}

// TestMergeDigestCalls checks that Digest is called only for files two inputs ship at one path
// with the same size, and at most once per entry however many inputs share the path.
func TestMergeDigestCalls(t *testing.T) {
	calls := map[string]int{}
	inputs := []merge.Input{
		pkg("a", counted(file("shared", "same", 0o644), calls, "a/shared"),
			counted(file("sized", "x", 0o644), calls, "a/sized"),
			counted(file("only-a", "x", 0o644), calls, "a/only-a"),
			counted(file("d/shared", "same", 0o644), calls, "a/d/shared")),
		pkg("b", counted(file("shared", "same", 0o644), calls, "b/shared"),
			counted(file("sized", "yy", 0o644), calls, "b/sized"),
			counted(file("only-b", "x", 0o644), calls, "b/only-b"),
			counted(file("e/shared", "same", 0o644), calls, "b/e/shared")),
		pkg("c", counted(file("shared", "same", 0o644), calls, "c/shared")),
	}
	res := mustMerge(t, merge.PolicyPriority, inputs...)
	want := map[string]int{"a/shared": 1, "b/shared": 1, "c/shared": 1}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("Digest calls (-want +got):\n%s", diff)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Path != "sized" {
		t.Errorf("conflicts = %v, want the one at sized", res.Conflicts)
	}
}

// TestMergeOrderIndependent merges random inputs with each input's entries shuffled: the
// result, or the error, must not change.
func TestMergeOrderIndependent(t *testing.T) {
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 1))
		data := make([]byte, 64)
		for i := range data {
			data[i] = byte(r.UintN(256))
		}
		for _, policy := range allPolicies {
			inputs := genInputs(data)
			want, wantErr := merge.Merge(inputs, policy)
			for range 5 {
				shuffled := slices.Clone(inputs)
				for i := range shuffled {
					shuffled[i].Entries = slices.Clone(shuffled[i].Entries)
					r.Shuffle(len(shuffled[i].Entries), func(a, b int) {
						shuffled[i].Entries[a], shuffled[i].Entries[b] = shuffled[i].Entries[b], shuffled[i].Entries[a]
					})
				}
				got, gotErr := merge.Merge(shuffled, policy)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("seed %d, %s: result depends on entry order (-first +shuffled):\n%s", seed, policy, diff)
				}
				if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
					t.Fatalf("seed %d, %s: error depends on entry order: %v, then %v", seed, policy, wantErr, gotErr)
				}
			}
		}
	}
}

// TestMergeDoesNotModifyInputs: Merge normalises modes on its own copies.
func TestMergeDoesNotModifyInputs(t *testing.T) {
	inputs := []merge.Input{pkg("a", file("b", "x", 0o4755), file("a", "y", 0o644))}
	before := slices.Clone(inputs[0].Entries)
	mustMerge(t, merge.PolicyError, inputs...)
	for i := range before {
		if before[i].Path != inputs[0].Entries[i].Path || before[i].Mode != inputs[0].Entries[i].Mode {
			t.Fatalf("entries changed: %v became %v", before, inputs[0].Entries)
		}
	}
}
