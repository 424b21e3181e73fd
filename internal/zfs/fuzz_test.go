package zfs

import (
	"errors"
	"strings"
	"testing"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func FuzzParseListText(f *testing.F) {
	f.Add("tp/a\tfilesystem\t1\t9\t1764260000\t-\t-\t-\t/tp/a\n")
	f.Add("tp/a@s\tsnapshot\t1\t9\t1764260000\t-\t3\ttp/c,tp/d\t-\n")
	f.Add("tp/c\tfilesystem\t1\t9\t1\ttp/a@s\t-\t-\tnone\n\n")
	f.Add("tp/-x@-daily\tsnapshot\t1\t9\t1\t-\t0\t-\t-\n")
	f.Fuzz(func(t *testing.T, in string) {
		ds, err := parseListText(in)
		if err != nil {
			return
		}
		for _, d := range ds {
			if checkListed(d.Name) != "" || d.Type == 0 || strings.ContainsAny(d.Name, "\t\n") {
				t.Fatalf("accepted %+v", d)
			}
		}
	})
}

func FuzzParseGetText(f *testing.F) {
	f.Add("tp/a\taxiom:x\tlocal\tv\n")
	f.Add("tp/a\taxiom:x\tinherited from tp\ta\tb\nc\ntp/a\treadonly\tlocal\ton\n")
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := parseGetText(in, func(n string) bool { return n == "tp/a" })
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.dataset != "tp/a" || !validPropName(r.prop) {
				t.Fatalf("accepted record %+v", r)
			}
			// Every value line is kept: the values' lines plus the record lines make the input.
			if strings.Count(r.p.Value, "\n") > strings.Count(in, "\n") {
				t.Fatal("value grew lines")
			}
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"datasets":{"tp/a":{"name":"tp/a","type":"FILESYSTEM","properties":{"guid":{"value":"1","source":{"type":"NONE","data":"-"}}}}}}`))
	f.Add([]byte(`{"datasets":{"tp/a":{"properties":{"axiom:x":{"value":7,"source":{"type":"LOCAL"}}}}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if ds, err := parseListJSON(in); err == nil {
			for _, d := range ds {
				if checkListed(d.Name) != "" {
					t.Fatalf("accepted invalid name %q", d.Name)
				}
			}
		}
		_, _ = parseGetJSON(in)
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"zroot/axiom", "zroot/a@s", "zroot/a#b", "-x", "a//b", "zroot/..", "p/a b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateName(s) != nil {
			return
		}
		if strings.HasPrefix(s, "-") || strings.Contains(s, "//") || len(s) > MaxNameLen || strings.ContainsAny(s, "\x00\n\t$") {
			t.Fatalf("accepted %q", s)
		}
		for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '@' || r == '#' }) {
			if c == "." || c == ".." || c == "" {
				t.Fatalf("accepted %q with component %q", s, c)
			}
		}
	})
}

// FuzzCheckListed holds the listing rule to what matters: everything ValidateName accepts is
// accepted (our rule is stricter), and what is accepted has no character that could break a
// listing or a command line built from it.
func FuzzCheckListed(f *testing.F) {
	for _, s := range []string{"tp/a", "tp/-x@-daily", "tp/a#b", "tp/%recv", "tp//a", "tp/..", "-tp", "tp/a@b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := checkListed(s) == ""
		if ValidateName(s) == nil && !ok {
			t.Fatalf("ValidateName accepts %q, checkListed does not: %s", s, checkListed(s))
		}
		if ok && (strings.ContainsAny(s, "\x00\t\n,'\"$") || strings.HasPrefix(s, "-") || len(s) > MaxNameLen || strings.Count(s, "@")+strings.Count(s, "#") > 1) {
			t.Fatalf("accepted %q", s)
		}
	})
}

// FuzzParseVersion: whatever `zfs version` prints, reading it never panics, and a version read
// is one the output names.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"zfs-2.3.2-2~bpo12+2\nzfs-kmod-2.3.2-2~bpo12+2\n", "zfs-2.1.11-1\nzfs-kmod-2.1.11-1\n", "zfs-0.8.6-1\n", "zfs-kmod-2.2.0\n", "", "zfs-\n", "zfs-99999999999999999999.1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseVersion(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(c.Userland, "zfs-") || !strings.Contains(s, c.Userland) {
			t.Fatalf("parseVersion(%q) = %+v", s, c)
		}
		if c.JSON && !c.ChannelPrograms {
			t.Fatalf("parseVersion(%q): JSON output without channel programs: %+v", s, c)
		}
	})
}
