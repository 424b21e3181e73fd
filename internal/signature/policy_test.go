package signature

import (
	"errors"
	"fmt"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	for in, want := range map[string]Policy{"": PolicyDefault, "require": Require, "warn": Warn, "off": Off} {
		got, err := ParsePolicy(in)
		if err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", in, got, err)
		}
		if in != "" && got.String() != in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	for _, in := range []string{"Require", "strict", "on", " warn"} {
		if _, err := ParsePolicy(in); err == nil {
			t.Errorf("ParsePolicy(%q) succeeded", in)
		}
	}
}

func TestEffective(t *testing.T) {
	for _, tc := range []struct {
		p        Policy
		haveKeys bool
		want     Policy
	}{
		{PolicyDefault, true, Require},
		{PolicyDefault, false, Off},
		{Require, false, Require},
		{Warn, true, Warn},
		{Off, true, Off},
	} {
		if got := tc.p.Effective(tc.haveKeys); got != tc.want {
			t.Errorf("%v.Effective(%v) = %v, want %v", tc.p, tc.haveKeys, got, tc.want)
		}
	}
}

// TestJudge: Require refuses every failure; Warn lets signature failures through with a warning
// but refuses files that contradict a verified signature; Off accepts all.
func TestJudge(t *testing.T) {
	wrap := func(sentinel error) error { return &Error{Source: FileName, Err: sentinel} }
	signatureFailures := []error{ErrMissing, ErrMalformed, ErrUntrustedKey, ErrKeyExpired, ErrBadSignature}
	contentFailures := []error{ErrHashMismatch, ErrFileMissing, ErrNotSigned}
	for _, p := range []Policy{Require, Warn, Off, PolicyDefault} {
		if got := p.Judge(nil); got != Accept {
			t.Errorf("%v.Judge(nil) = %v", p, got)
		}
		for _, s := range signatureFailures {
			want := map[Policy]Outcome{Require: Refuse, Warn: AcceptWithWarning, Off: Accept, PolicyDefault: Refuse}[p]
			if got := p.Judge(fmt.Errorf("pkg: %w", wrap(s))); got != want {
				t.Errorf("%v.Judge(%v) = %v, want %v", p, s, got, want)
			}
		}
		for _, s := range contentFailures {
			want := map[Policy]Outcome{Require: Refuse, Warn: Refuse, Off: Accept, PolicyDefault: Refuse}[p]
			if got := p.Judge(wrap(s)); got != want {
				t.Errorf("%v.Judge(%v) = %v, want %v", p, s, got, want)
			}
		}
	}
	if got := Warn.Judge(errors.New("reading manifest.sig: I/O error")); got != Refuse {
		t.Errorf("Warn.Judge(foreign error) = %v, want refuse", got)
	}
}
