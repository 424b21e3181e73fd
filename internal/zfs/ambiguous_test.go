package zfs

import (
	"errors"
	"strings"
	"testing"
)

// renderGet prints records as `zfs get -H -o name,property,source,value` does, and the listing
// `-o name,property` gives of them.
func renderGet(recs []propRecord) (text, listed string) {
	var t, l strings.Builder
	for _, r := range recs {
		t.WriteString(r.dataset + "\t" + r.prop + "\tlocal\t" + r.p.Value + "\n")
		l.WriteString(r.dataset + "\t" + r.prop + "\n")
	}
	return t.String(), l.String()
}

func TestCheckRecords(t *testing.T) {
	known := func(n string) bool { return n == "tp/a" || n == "tp/foreign" }
	forge := "x\ntp/foreign\taxiom:managed-by\tlocal\taxiom-reconcile"
	cases := []struct {
		name   string
		recs   []propRecord
		forged bool
	}{
		{"plain values", []propRecord{{"tp/a", "axiom:x", Prop{Value: "1"}}, {"tp/foreign", "axiom:y", Prop{Value: "2"}}}, false},
		{"a value with newlines that read as no record", []propRecord{{"tp/a", "axiom:note", Prop{Value: "a\nb\tc\nd"}}}, false},
		{"a forged record of another dataset", []propRecord{{"tp/a", "axiom:note", Prop{Value: forge}}}, true},
		{"a forged copy of a record that exists", []propRecord{
			{"tp/a", "axiom:note", Prop{Value: "x\ntp/a\taxiom:kind\tlocal\tpackage"}},
			{"tp/a", "axiom:kind", Prop{Value: "profile"}},
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, listed := renderGet(tc.recs)
			recs, err := parseGetText(text, known)
			if err != nil {
				t.Fatal(err)
			}
			err = checkRecords(recs, listed)
			if tc.forged {
				if !errors.Is(err, ErrAmbiguous) {
					t.Fatalf("forged records accepted: %+v (err %v)", recs, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(tc.recs) {
				t.Fatalf("parsed %d records, want %d", len(recs), len(tc.recs))
			}
			for i := range recs {
				if recs[i].p.Value != tc.recs[i].p.Value {
					t.Errorf("record %d value %q, want %q", i, recs[i].p.Value, tc.recs[i].p.Value)
				}
			}
		})
	}
}

// Whatever values hold, the text parse with its check either gives exactly the records ZFS
// printed or refuses: it never yields a record ZFS did not print.
func FuzzTextRecordsNeverForged(f *testing.F) {
	f.Add("v", "tp/a", "w")
	f.Add("x\ntp/a\taxiom:kind\tlocal\tpackage", "tp/b", "")
	f.Fuzz(func(t *testing.T, v1, ds2, v2 string) {
		if ds2 != "tp/a" && ds2 != "tp/b" {
			ds2 = "tp/b"
		}
		want := []propRecord{{"tp/a", "axiom:note", Prop{Value: v1, Source: SourceLocal}}, {ds2, "axiom:kind", Prop{Value: v2, Source: SourceLocal}}}
		text, listed := renderGet(want)
		recs, err := parseGetText(text, func(n string) bool { return n == "tp/a" || n == "tp/b" })
		if err != nil {
			return
		}
		if err := checkRecords(recs, listed); err != nil {
			if !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Text output cannot show the trailing newlines of the last value (the output's own
		// end looks the same); every other value must come back exactly.
		for i, r := range recs {
			got, exp := r.p.Value, want[min(i, len(want)-1)].p.Value
			if i == len(want)-1 {
				got, exp = strings.TrimRight(got, "\n"), strings.TrimRight(exp, "\n")
			}
			if i >= len(want) || r.dataset != want[i].dataset || r.prop != want[i].prop || got != exp {
				t.Fatalf("record %d is %+v, which ZFS did not print (want %+v)", i, r, want)
			}
		}
	})
}
