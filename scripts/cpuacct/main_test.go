//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// acctRecord encodes one version 3 record as the kernel writes it.
func acctRecord(comm string, utime, stime uint16, etime float32) []byte {
	r := make([]byte, acctSize)
	r[1] = 3
	binary.LittleEndian.PutUint32(r[28:], math.Float32bits(etime))
	binary.LittleEndian.PutUint16(r[32:], utime)
	binary.LittleEndian.PutUint16(r[34:], stime)
	copy(r[48:], comm)
	return r
}

func TestCompT(t *testing.T) {
	for _, c := range []struct {
		in   uint16
		want float64
	}{{0, 0}, {150, 150}, {0x1fff, 8191}, {1<<13 | 3, 24}, {2<<13 | 5, 320}} {
		if got := compT(c.in); got != c.want {
			t.Errorf("compT(%#x) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseAcct(t *testing.T) {
	b := append(acctRecord("zfs", 30, 1<<13|5, 400), acctRecord("kworker/1:2", 0, 7, 100)...)
	recs, err := parseAcct(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []record{{comm: "zfs", user: 0.3, sys: 0.4, wall: 4}, {comm: "kworker/N:N", sys: 0.07, wall: 1}}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if recs[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, recs[i], want[i])
		}
	}
	for name, bad := range map[string][]byte{
		"torn":      b[:70],
		"version 2": append([]byte{0, 2}, make([]byte, acctSize-2)...),
	} {
		if _, err := parseAcct(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseStat(t *testing.T) {
	tail := " S 2 0 0 0 -1 69238880 0 0 0 0 120 4375 0 0 20 0 1 0 3 0 0"
	for _, c := range []struct {
		line string
		want record
		bad  bool
	}{
		{line: "17 (txg_sync)" + tail, want: record{comm: "txg_sync", user: 1.2, sys: 43.75}},
		{line: "9 (a) b (c)" + tail, want: record{comm: "a) b (c", user: 1.2, sys: 43.75}},
		{line: "9 (kworker/u4:1-events)" + tail, want: record{comm: "kworker/uN:N-events", user: 1.2, sys: 43.75}},
		{line: "9 txg_sync" + tail, bad: true},
		{line: "9 (short) S 1 2 3", bad: true},
		{line: "9 (x)", bad: true},
		{line: "9 (nan) S 2 0 0 0 -1 0 0 0 0 0 x 1 0", bad: true},
	} {
		got, err := parseStat(c.line)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, error %v", c.line, got, err, c.want, c.bad)
		}
	}
}

func TestSumRecordsOrdersByCPU(t *testing.T) {
	got := sumRecords([]record{
		{comm: "sh", user: 1}, {comm: "zfs", user: 2, sys: 3, wall: 4}, {comm: "zfs", sys: 1, wall: 2}, {comm: "ash", user: 1},
	})
	want := []total{{comm: "zfs", n: 2, user: 2, sys: 4, wall: 6}, {comm: "ash", n: 1, user: 1}, {comm: "sh", n: 1, user: 1}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("total %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReport(t *testing.T) {
	f := filepath.Join(t.TempDir(), "acct")
	if err := os.WriteFile(f, append(acctRecord("zfs", 50, 50, 300), acctRecord("zfs", 50, 50, 100)...), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"report", f}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"== cpu by command, exited processes: user 1.0 s, system 1.0 s",
		"zfs              n=2      user     1.0 s  system     1.0 s  per process 1.000 s CPU, 2.00 s wall",
		"== cpu by command, live processes and kernel threads:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"report", f + ".missing"}, &out); err == nil {
		t.Error("a missing file: no error")
	}
	if err := run([]string{"sideways"}, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("an unknown command: %v, want the usage", err)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add("17 (txg_sync) S 2 0 0 0 -1 69238880 0 0 0 0 120 4375 0 0 20 0 1 0 3 0 0")
	f.Add("9 (a) b (c)")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseStat(s)
		if err == nil && (!strings.Contains(s, "(") || !strings.Contains(s, ")")) {
			t.Fatalf("parsed %q, which has no (command): %+v", s, r)
		}
	})
}

func FuzzParseAcct(f *testing.F) {
	f.Add(acctRecord("zfs", 1, 2, 3))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := parseAcct(b)
		if err == nil && len(recs)*acctSize != len(b) {
			t.Fatalf("%d bytes gave %d records", len(b), len(recs))
		}
	})
}
