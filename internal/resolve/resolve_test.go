package resolve

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestResolve(t *testing.T) {
	tests := map[string]struct {
		reqs     []Request
		universe []Package
		want     []string
	}{
		"pick newest": {
			reqs:     []Request{req("bash", "*")},
			universe: []Package{p("bash=5.1.0"), p("bash=5.2.0"), p("bash=4.4.0")},
			want:     []string{"+bash=5.2.0/1/x"},
		},
		"revision tie-break": {
			reqs:     []Request{req("bash", "*")},
			universe: []Package{p("bash=5.2.0/1"), p("bash=5.2.0/3"), p("bash=5.2.0/2")},
			want:     []string{"+bash=5.2.0/3/x"},
		},
		"build-id tie-break": {
			reqs:     []Request{req("bash", "*")},
			universe: []Package{p("bash=5.2.0/1/bbb"), p("bash=5.2.0/1/aaa"), p("bash=5.2.0/1/ccc")},
			want:     []string{"+bash=5.2.0/1/aaa"},
		},
		"version beats revision": {
			reqs:     []Request{req("bash", "*")},
			universe: []Package{p("bash=5.1.0/9"), p("bash=5.2.0/1")},
			want:     []string{"+bash=5.2.0/1/x"},
		},
		"request constraint": {
			reqs:     []Request{req("bash", "^4.0.0")},
			universe: []Package{p("bash=5.2.0"), p("bash=4.4.0"), p("bash=4.2.0"), p("bash=3.2.0")},
			want:     []string{"+bash=4.4.0/1/x"},
		},
		"two requests on one name": {
			reqs:     []Request{req("bash", "^5.0.0"), req("bash", "<5.2.0")},
			universe: []Package{p("bash=5.2.0"), p("bash=5.1.0"), p("bash=5.0.0"), p("bash=4.4.0")},
			want:     []string{"+bash=5.1.0/1/x"},
		},
		"dependency constraint forces older version": {
			reqs: []Request{req("app", "*")},
			universe: []Package{
				p("app=1.0.0", dep("lib", "<2.0.0")),
				p("lib=2.1.0"), p("lib=1.9.0"), p("lib=1.5.0"),
			},
			want: []string{"+app=1.0.0/1/x", "lib=1.9.0/1/x"},
		},
		"diamond with intersecting constraints": {
			reqs: []Request{req("app", "*")},
			universe: []Package{
				p("app=1.0.0", dep("left", "*"), dep("right", "*")),
				p("left=1.0.0", dep("base", ">=1.2.0")),
				p("right=1.0.0", dep("base", "<1.5.0")),
				p("base=1.6.0"), p("base=1.4.0"), p("base=1.3.0"), p("base=1.1.0"),
			},
			want: []string{"+app=1.0.0/1/x", "base=1.4.0/1/x", "left=1.0.0/1/x", "right=1.0.0/1/x"},
		},
		// The newest a needs b >=2, but b 2.x conflicts with the requested c: backtrack to the
		// older a, whose b >=1 admits b 1.x.
		"backtrack over a conflict declared by the dependency": {
			reqs: []Request{req("a", "*"), req("c", "*")},
			universe: []Package{
				p("a=2.0.0", dep("b", ">=2.0.0")), p("a=1.0.0", dep("b", ">=1.0.0")),
				p("b=2.1.0", conflictsWith("c", "*")), p("b=2.0.0", conflictsWith("c", "*")), p("b=1.0.0"),
				p("c=1.0.0"),
			},
			want: []string{"+a=1.0.0/1/x", "b=1.0.0/1/x", "+c=1.0.0/1/x"},
		},
		"backtrack over a conflict declared by the request": {
			reqs: []Request{req("a", "*"), req("c", "*")},
			universe: []Package{
				p("a=2.0.0", dep("b", ">=2.0.0")), p("a=1.0.0", dep("b", ">=1.0.0")),
				p("b=2.1.0"), p("b=1.0.0"),
				p("c=1.0.0", conflictsWith("b", ">=2.0.0")),
			},
			want: []string{"+a=1.0.0/1/x", "b=1.0.0/1/x", "+c=1.0.0/1/x"},
		},
		"conflict with a version range only": {
			reqs:     []Request{req("a", "*"), req("b", "*")},
			universe: []Package{p("a=1.0.0", conflictsWith("b", ">=2.0.0")), p("b=2.0.0"), p("b=1.5.0")},
			want:     []string{"+a=1.0.0/1/x", "+b=1.5.0/1/x"},
		},
		"conflict outside its range is no conflict": {
			reqs:     []Request{req("a", "*"), req("b", "*")},
			universe: []Package{p("a=1.0.0", conflictsWith("b", "<2.0.0")), p("b=2.0.0"), p("b=1.5.0")},
			want:     []string{"+a=1.0.0/1/x", "+b=2.0.0/1/x"},
		},
		"cycle": {
			reqs:     []Request{req("a", "*")},
			universe: []Package{p("a=1.0.0", dep("b", "*")), p("b=1.0.0", dep("a", "*"))},
			want:     []string{"+a=1.0.0/1/x", "b=1.0.0/1/x"},
		},
		"cycle that constrains its own start": {
			reqs: []Request{req("a", "*")},
			universe: []Package{
				p("a=2.0.0", dep("b", "*")), p("a=1.0.0", dep("b", "*")),
				p("b=1.0.0", dep("a", "<2.0.0")),
			},
			want: []string{"+a=1.0.0/1/x", "b=1.0.0/1/x"},
		},
		"self dependency": {
			reqs:     []Request{req("a", "*")},
			universe: []Package{p("a=2.0.0", dep("a", "<2.0.0")), p("a=1.0.0", dep("a", "*"))},
			want:     []string{"+a=1.0.0/1/x"},
		},
		"virtual: provider when no real package": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("bash=5.2.0", provides("sh")), p("zsh=5.9.0")},
			want:     []string{"+bash=5.2.0/1/x"},
		},
		"virtual: real package first": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("bash=5.2.0", provides("sh")), p("sh=1.0.0")},
			want:     []string{"+sh=1.0.0/1/x"},
		},
		"virtual: providers of one name, newest first": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("bash=5.1.0", provides("sh")), p("bash=5.2.0/2", provides("sh")), p("bash=5.2.0/3", provides("sh"))},
			want:     []string{"+bash=5.2.0/3/x"},
		},
		// With providers of several names none is chosen, but one selected anyway satisfies the
		// name, whatever the names sort like.
		"virtual: several providers, one requested": {
			reqs:     []Request{req("sh", "*"), req("zsh", "*")},
			universe: []Package{p("zsh=5.9.0", provides("sh")), p("dash=0.5.0", provides("sh")), p("bash=5.2.0", provides("sh"))},
			want:     []string{"+zsh=5.9.0/1/x"},
		},
		"virtual: several providers, one a dependency": {
			reqs: []Request{req("app", "*")},
			universe: []Package{
				p("app=1.0.0", dep("sh", "*"), dep("tool", "*")), p("tool=1.0.0", dep("bash", "*")),
				p("dash=0.5.0", provides("sh")), p("bash=5.2.0", provides("sh")),
			},
			want: []string{"+app=1.0.0/1/x", "bash=5.2.0/1/x", "tool=1.0.0/1/x"},
		},
		"virtual: several providers, two selected": {
			reqs:     []Request{req("sh", "*"), req("dash", "*"), req("bash", "*")},
			universe: []Package{p("dash=0.5.0", provides("sh")), p("bash=5.2.0", provides("sh"))},
			want:     []string{"+bash=5.2.0/1/x", "+dash=0.5.0/1/x"},
		},
		// The audit's case: whether the request for sh gets sh must not depend on how the
		// provider is named.
		"virtual: a requested real package beside a provider sorting before it": {
			reqs:     []Request{req("busybox", "*"), req("sh", "*")},
			universe: []Package{p("busybox=1.36.0", provides("sh")), p("sh=1.0.0")},
			want:     []string{"+busybox=1.36.0/1/x", "+sh=1.0.0/1/x"},
		},
		"virtual: a requested real package beside a provider sorting after it": {
			reqs:     []Request{req("zbox", "*"), req("sh", "*")},
			universe: []Package{p("zbox=1.36.0", provides("sh")), p("sh=1.0.0")},
			want:     []string{"+sh=1.0.0/1/x", "+zbox=1.36.0/1/x"},
		},
		"virtual: a selected provider stands in once the real package cannot be selected": {
			reqs: []Request{req("sh", "*"), req("x", "*"), req("zbox", "*")},
			universe: []Package{
				p("sh=1.0.0", conflictsWith("x", "*")),
				p("zbox=1.36.0", provides("sh")),
				p("x=1.0.0"),
			},
			want: []string{"+x=1.0.0/1/x", "+zbox=1.36.0/1/x"},
		},
		"virtual: no fallback to providers of several names": {
			reqs: []Request{req("app", "*"), req("bash", "*")},
			universe: []Package{
				p("app=2.0.0", dep("sh", "*")), p("app=1.0.0"),
				p("sh=1.0.0", conflictsWith("app", "*")),
				p("bash=5.2.0", provides("sh")), p("dash=0.5.0", provides("sh")),
			},
			want: []string{"+app=1.0.0/1/x", "+bash=5.2.0/1/x"},
		},
		"virtual: newest of the provider": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("bash=5.1.0", provides("sh")), p("bash=5.2.0", provides("sh")), p("bash=4.0.0")},
			want:     []string{"+bash=5.2.0/1/x"},
		},
		"virtual: a selected provider does not pre-empt the real package": {
			reqs: []Request{req("app", "*"), req("bash", "*")},
			universe: []Package{
				p("app=1.0.0", dep("sh", "*")),
				p("bash=5.2.0", provides("sh")),
				p("sh=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "+bash=5.2.0/1/x", "sh=1.0.0/1/x"},
		},
		"virtual: selected provider is reused for a virtual name": {
			reqs: []Request{req("app", "*"), req("bash", "*")},
			universe: []Package{
				p("app=1.0.0", dep("sh", "*")),
				p("bash=5.2.0", provides("sh")),
			},
			want: []string{"+app=1.0.0/1/x", "+bash=5.2.0/1/x"},
		},
		"virtual: provider when the real package conflicts": {
			reqs: []Request{req("sh", "*"), req("x", "*")},
			universe: []Package{
				p("sh=1.0.0", conflictsWith("x", "*")),
				p("bash=5.2.0", provides("sh")),
				p("x=1.0.0"),
			},
			want: []string{"+bash=5.2.0/1/x", "+x=1.0.0/1/x"},
		},
		"virtual: versioned demand needs the real package": {
			reqs: []Request{req("app", "*"), req("bash", "*")},
			universe: []Package{
				p("app=1.0.0", dep("sh", ">=1.0.0")),
				p("bash=5.2.0", provides("sh")),
				p("sh=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "+bash=5.2.0/1/x", "sh=1.0.0/1/x"},
		},
		"replaces: stands in for the replaced name": {
			reqs:     []Request{req("old", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "*"))},
			want:     []string{"+new=2.0.0/1/x"},
		},
		"replaces: real package first": {
			reqs:     []Request{req("old", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "*")), p("old=1.0.0")},
			want:     []string{"+old=1.0.0/1/x"},
		},
		"replaces: satisfies a request for the replaced name": {
			reqs:     []Request{req("new", "*"), req("old", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "*")), p("old=1.0.0")},
			want:     []string{"+new=2.0.0/1/x"},
		},
		"replaces: never both": {
			reqs:     []Request{req("new", "*"), req("old", "^1.0.0")},
			universe: []Package{p("new=2.0.0", replacing("old", "*")), p("new=1.0.0"), p("old=1.0.0")},
			want:     []string{"+new=1.0.0/1/x", "+old=1.0.0/1/x"},
		},
		"replaces: only the versions it names": {
			reqs:     []Request{req("new", "*"), req("old", "^2.0.0")},
			universe: []Package{p("new=2.0.0", replacing("old", "<2.0.0")), p("old=2.0.0"), p("old=1.0.0")},
			want:     []string{"+new=2.0.0/1/x", "+old=2.0.0/1/x"},
		},
		// The audit's case: new replaces only old <2.0.0, so it does not stand in for a request
		// for old while old 2.0.0 exists.
		"replaces: does not stand in for versions it does not cover": {
			reqs:     []Request{req("new", "*"), req("old", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "<2.0.0")), p("old=2.0.0"), p("old=1.0.0")},
			want:     []string{"+new=2.0.0/1/x", "+old=2.0.0/1/x"},
		},
		"replaces: stands in when it covers every version": {
			reqs:     []Request{req("new", "*"), req("old", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "<2.0.0")), p("old=1.5.0"), p("old=1.0.0")},
			want:     []string{"+new=2.0.0/1/x"},
		},
		"replaces: stands in when it covers every version, whatever the names": {
			reqs:     []Request{req("a-new", "*"), req("old", "*")},
			universe: []Package{p("a-new=2.0.0", replacing("old", "<2.0.0")), p("old=1.5.0")},
			want:     []string{"+a-new=2.0.0/1/x"},
		},
		"replaces: the dependency is satisfied by the replacement already selected": {
			reqs: []Request{req("app", "*"), req("new", "*")},
			universe: []Package{
				p("app=1.0.0", dep("old", "*")),
				p("new=2.0.0", replacing("old", "*")),
				p("old=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "+new=2.0.0/1/x"},
		},
		// axiom-model.md §3.2: upstream never checks a constraint from a later dependant against
		// a package already resolved, so which way it goes depends on hash order.
		"upstream 3.2: later sibling constraint": {
			reqs: []Request{req("app", "*"), req("tool", "*")},
			universe: []Package{
				p("app=1.0.0", dep("lib", "*")),
				p("tool=1.0.0", dep("lib", "<2.0.0")),
				p("lib=2.0.0"), p("lib=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "lib=1.0.0/1/x", "+tool=1.0.0/1/x"},
		},
		"upstream 3.2: later deeper constraint": {
			reqs: []Request{req("app", "*")},
			universe: []Package{
				p("app=1.0.0", dep("lib", "*"), dep("mid", "*")),
				p("mid=1.0.0", dep("leaf", "*")),
				p("leaf=1.0.0", dep("lib", "<2.0.0")),
				p("lib=2.0.0"), p("lib=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "leaf=1.0.0/1/x", "lib=1.0.0/1/x", "mid=1.0.0/1/x"},
		},
		"upstream 3.2: later constraint on a requested package": {
			reqs: []Request{req("lib", "*"), req("app", "*")},
			universe: []Package{
				p("app=2.0.0", dep("lib", ">=3.0.0")), p("app=1.0.0", dep("lib", "<2.0.0")),
				p("lib=2.0.0"), p("lib=1.0.0"),
			},
			want: []string{"+app=1.0.0/1/x", "+lib=1.0.0/1/x"},
		},
		"identical duplicates are harmless": {
			reqs:     []Request{req("a", "*")},
			universe: []Package{p("a=1.0.0", dep("b", "*")), p("b=1.0.0"), p("a=1.0.0", dep("b", "*")), p("b=1.0.0")},
			want:     []string{"+a=1.0.0/1/x", "b=1.0.0/1/x"},
		},
		"no requests": {
			universe: []Package{p("a=1.0.0")},
			want:     []string{},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(context.Background(), "dev", tt.reqs, tt.universe, Options{})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if g := show(got); !slices.Equal(g, tt.want) {
				t.Errorf("Resolve = %q; want %q", g, tt.want)
			}
			if err := Check("dev", tt.reqs, packagesOf(got), tt.universe); err != nil {
				t.Errorf("Check of the resolution: %v", err)
			}
		})
	}
}

func packagesOf(sel []Selected) []Package {
	out := make([]Package, len(sel))
	for i, s := range sel {
		out[i] = s.Package
	}
	return out
}

func TestResolveErrors(t *testing.T) {
	tests := map[string]struct {
		reqs     []Request
		universe []Package
		want     string
		missing  string
	}{
		"dependency has only older versions": {
			reqs:     []Request{req("bash", "^5.0.0")},
			universe: []Package{p("bash=5.2.0", dep("readline", ">=8.0.0")), p("readline=7.0.0")},
			want:     "dev → bash ^5.0.0 → bash 5.2.0 needs readline >=8.0.0 → the store has readline 7.0.0",
		},
		"every candidate fails: the newest's failure is told": {
			reqs: []Request{req("bash", "^5.0.0")},
			universe: []Package{
				p("bash=5.2.0", dep("readline", ">=8.0.0")), p("bash=5.1.0", dep("readline", ">=7.5.0")),
				p("readline=7.0.0"), p("readline=6.3.0"),
			},
			want: "dev → bash ^5.0.0 → bash 5.2.0 needs readline >=8.0.0 → the store has readline 7.0.0, 6.3.0",
		},
		"missing dependency": {
			reqs:     []Request{req("vim", "*")},
			universe: []Package{p("vim=9.0.0", dep("libx", "*"))},
			want:     `dev → vim → vim 9.0.0 needs libx → no package named "libx"`,
			missing:  "libx",
		},
		"missing request": {
			reqs:     []Request{req("bash", "*"), req("nope", "^1.0.0")},
			universe: []Package{p("bash=5.2.0")},
			want:     `dev → nope ^1.0.0 → no package named "nope"`,
			missing:  "nope",
		},
		"the deepest failure is told": {
			reqs: []Request{req("a", "*")},
			universe: []Package{
				p("a=2.0.0", dep("b", "*")), p("a=1.0.0", dep("gone", "*")),
				p("b=1.0.0", dep("c", ">=2.0.0")), p("c=1.0.0"),
			},
			want: "dev → a → a 2.0.0 needs b → b 1.0.0 needs c >=2.0.0 → the store has c 1.0.0",
		},
		"ruled out by another dependant": {
			reqs:     []Request{req("app", "*"), req("lib", "^2.0.0")},
			universe: []Package{p("app=1.0.0", dep("lib", "<2.0.0")), p("lib=2.1.0"), p("lib=1.0.0")},
			want:     "dev → app → app 1.0.0 needs lib <2.0.0 → lib 1.0.0 is ruled out: dev requests lib ^2.0.0",
		},
		"ruled out by a dependency of another package": {
			reqs: []Request{req("app", "*"), req("tool", "*")},
			universe: []Package{
				p("app=1.0.0", dep("lib", ">=2.0.0")), p("tool=1.0.0", dep("lib", "<2.0.0")),
				p("lib=2.0.0"), p("lib=1.0.0"),
			},
			want: "dev → tool → tool 1.0.0 needs lib <2.0.0 → lib 1.0.0 is ruled out: app 1.0.0 (from dev → app) needs lib >=2.0.0",
		},
		"conflict declared by the selected package": {
			reqs:     []Request{req("a", "*"), req("b", "*")},
			universe: []Package{p("a=1.0.0", conflictsWith("b", "*")), p("b=1.0.0")},
			want:     "dev → b → a 1.0.0 (from dev → a) conflicts with b 1.0.0",
		},
		"conflict declared by the candidate": {
			reqs:     []Request{req("a", "*"), req("b", "*")},
			universe: []Package{p("a=1.0.0"), p("b=1.0.0", conflictsWith("a", "^1.0.0"))},
			want:     "dev → b → b 1.0.0 conflicts with a 1.0.0 (from dev → a)",
		},
		"replaced package requested by version too": {
			reqs:     []Request{req("new", "*"), req("old", "^1.0.0")},
			universe: []Package{p("new=2.0.0", replacing("old", "*")), p("old=1.0.0")},
			want:     "dev → old ^1.0.0 → new 2.0.0 (from dev → new) replaces old 1.0.0",
		},
		"conflict declared by the dependency of a request": {
			reqs: []Request{req("lib", "*"), req("app", "*")},
			universe: []Package{
				p("lib=2.0.0"), p("lib=1.0.0", conflictsWith("app", "*")),
				p("app=1.0.0", dep("lib", "<2.0.0")),
			},
			want: "dev → app → app 1.0.0 needs lib <2.0.0 → lib 1.0.0 conflicts with app 1.0.0 (from dev → app)",
		},
		"dependency needs another version than selected": {
			reqs: []Request{req("a", "*"), req("b", "*")},
			universe: []Package{
				p("a=2.0.0"), p("a=1.0.0", conflictsWith("b", "*")),
				p("b=1.0.0", dep("a", "<2.0.0")),
			},
			want: "dev → b → b 1.0.0 needs a <2.0.0, but a 2.0.0 (from dev → a) is selected",
		},
		"virtual: providers of several names, none selected": {
			reqs:     []Request{req("sh", "*")},
			universe: []Package{p("zsh=5.9.0", provides("sh")), p("dash=0.5.0", provides("sh")), p("bash=5.2.0", provides("sh"))},
			want:     "dev → sh → sh is provided by bash, dash and zsh, and none of them is selected: with several providers, none is chosen for sh (request the one you want)",
		},
		"virtual: providers of several names, as a dependency": {
			reqs:     []Request{req("app", "*")},
			universe: []Package{p("app=1.0.0", dep("sh", "*")), p("dash=0.5.0", provides("sh")), p("bash=5.2.0", provides("sh"))},
			want:     "dev → app → app 1.0.0 needs sh → sh is provided by bash and dash, and none of them is selected: with several providers, none is chosen for sh (request the one you want)",
		},
		"replaces: no stand-in for versions it does not cover": {
			reqs:     []Request{req("old", "*"), req("x", "*")},
			universe: []Package{p("new=2.0.0", replacing("old", "<2.0.0")), p("old=2.0.0", conflictsWith("x", "*")), p("x=1.0.0")},
			want:     "dev → x → old 2.0.0 (from dev → old) conflicts with x 1.0.0",
		},
		"a provider does not satisfy a versioned request": {
			reqs:     []Request{req("sh", ">=1.0.0")},
			universe: []Package{p("bash=5.2.0", provides("sh"))},
			want:     `dev → sh >=1.0.0 → no package named "sh" (bash 5.2.0 provides it, but a provider only stands in where any version will do)`,
		},
		"ambiguous versions name revision and build": {
			reqs: []Request{req("app", "*")},
			universe: []Package{
				p("app=1.0.0/2/b", dep("lib", "^2.0.0")), p("app=1.0.0/2/a", dep("lib", "^3.0.0")),
				p("lib=1.0.0"),
			},
			want: "dev → app → app 1.0.0 rev 2 build a needs lib ^3.0.0 → the store has lib 1.0.0",
		},
		"many versions are summed up": {
			reqs: []Request{req("a", ">=9.0.0")},
			universe: []Package{
				p("a=1.0.0"), p("a=2.0.0"), p("a=3.0.0"), p("a=4.0.0"), p("a=5.0.0"), p("a=6.0.0"), p("a=7.0.0"),
			},
			want: "dev → a >=9.0.0 → the store has a 7.0.0, 6.0.0, 5.0.0, 4.0.0, 3.0.0 and 2 older",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resolve(context.Background(), "dev", tt.reqs, tt.universe, Options{})
			if err == nil {
				t.Fatalf("Resolve = %q; want an error", show(got))
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is not a *resolve.Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, ErrUnsatisfiable) {
				t.Error("error does not match ErrUnsatisfiable")
			}
			if re.Missing != tt.missing || errors.Is(err, ErrNotFound) != (tt.missing != "") {
				t.Errorf("Missing = %q, Is(ErrNotFound) = %v; want %q", re.Missing, errors.Is(err, ErrNotFound), tt.missing)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	tests := map[string]struct {
		reqs     []Request
		universe []Package
	}{
		"request without name":    {reqs: []Request{{}}},
		"package without name":    {universe: []Package{{}}},
		"dependency without name": {universe: []Package{p("a=1.0.0", dep("", "*"))}},
		"empty provides":          {universe: []Package{p("a=1.0.0", provides(""))}},
		"same package, different metadata": {
			universe: []Package{p("a=1.0.0", dep("b", "*")), p("a=1.0.0", dep("c", "*"))},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Resolve(context.Background(), "dev", tt.reqs, tt.universe, Options{})
			if !errors.Is(err, ErrInvalidInput) {
				t.Errorf("error %v; want ErrInvalidInput", err)
			}
		})
	}
}

// TestInputsNotAliased: Resolve sorts its own copies, leaving the caller's slices in their order,
// and the result does not share slices with the caller's packages.
func TestInputsNotAliased(t *testing.T) {
	universe := []Package{p("a=1.0.0", dep("c", "*"), dep("b", "*"), provides("z", "y")), p("b=1.0.0"), p("c=1.0.0")}
	got, err := Resolve(context.Background(), "dev", []Request{req("a", "*")}, universe, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if universe[0].Depends[0].Name != "c" || universe[0].Provides[0] != "z" {
		t.Error("Resolve reordered the caller's slices")
	}
	if got[0].Depends[0].Name != "b" {
		t.Errorf("the result's Depends are not sorted: %v", got[0].Depends)
	}
	got[0].Depends[0].Name = "changed"
	if universe[0].Depends[0].Name == "changed" || universe[0].Depends[1].Name == "changed" {
		t.Error("the result aliases the caller's slices")
	}
}

func TestCheck(t *testing.T) {
	universe := []Package{
		p("bash=5.2.0", dep("readline", ">=8.0.0"), provides("sh")),
		p("readline=8.2.0"), p("readline=7.0.0"),
		p("zsh=5.9.0", conflictsWith("bash", "*")),
		p("new=1.0.0", replacing("bash", "<6.0.0")),
		p("part=1.0.0", replacing("readline", ">=8.0.0")),
		p("dash=0.5.0", provides("sh", "ksh")),
		p("ksh=93.0.0"), p("mksh=59.0.0", provides("ksh")),
	}
	tests := map[string]struct {
		reqs []Request
		sel  []Package
		want string // "" for valid
	}{
		"valid":                  {[]Request{req("bash", "^5.0.0")}, []Package{universe[0], universe[1]}, ""},
		"valid virtual":          {[]Request{req("sh", "*")}, []Package{universe[0], universe[1]}, ""},
		"valid replacement":      {[]Request{req("bash", "*")}, []Package{universe[4]}, ""},
		"replacement needs any":  {[]Request{req("bash", "^5.0.0")}, []Package{universe[4]}, "dev → bash ^5.0.0 → nothing selected is or stands in for bash"},
		"replacement must cover": {[]Request{req("readline", "*")}, []Package{universe[5]}, "dev → readline → nothing selected is or stands in for readline"},
		"virtual, any provider":  {[]Request{req("sh", "*")}, []Package{universe[6]}, ""},
		"real name, providers of several names": {
			[]Request{req("ksh", "*")}, []Package{universe[6]}, "dev → ksh → nothing selected is or stands in for ksh",
		},
		"request unmet":          {[]Request{req("bash", "^6.0.0")}, []Package{universe[0], universe[1]}, "dev → bash ^6.0.0 → bash 5.2.0 is selected"},
		"dependency unmet":       {[]Request{req("bash", "*")}, []Package{universe[0], universe[2]}, "dev → bash 5.2.0 needs readline >=8.0.0 → readline 7.0.0 is selected"},
		"dependency missing":     {[]Request{req("bash", "*")}, []Package{universe[0]}, "dev → bash 5.2.0 needs readline >=8.0.0 → nothing selected is or stands in for readline"},
		"conflict":               {nil, []Package{universe[0], universe[1], universe[3]}, "dev → zsh 5.9.0 conflicts with bash 5.2.0, and both are selected"},
		"replaced and replacing": {nil, []Package{universe[0], universe[1], universe[4]}, "dev → new 1.0.0 replaces bash 5.2.0, and both are selected"},
		"two of a name":          {nil, []Package{universe[1], universe[2]}, "dev → readline 8.2.0 and readline 7.0.0 are both selected"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := Check("dev", tt.reqs, tt.sel, universe)
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrUnsatisfiable) {
					t.Errorf("error does not match ErrUnsatisfiable")
				}
			}
			if got != tt.want {
				t.Errorf("Check = %q; want %q", got, tt.want)
			}
		})
	}
}
