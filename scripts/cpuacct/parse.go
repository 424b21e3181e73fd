//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// record is one process's CPU: its command name with digits folded to N (so kworker/1:2 and
// kworker/0:1 sum together), user and system seconds, and for exited processes its wall time.
type record struct {
	comm            string
	user, sys, wall float64
}

// The acct_v3 record (linux/acct.h): 64 bytes, ac_version at 1, ac_etime (a float, in AHZ
// ticks) at 28, ac_utime and ac_stime (comp_t) at 32 and 34, ac_comm at 48.
const (
	acctSize = 64
	acctHZ   = 100 // AHZ, and the USER_HZ of /proc/PID/stat on every Linux architecture Go runs
)

var digits = regexp.MustCompile(`[0-9]+`)

// parseAcct decodes a process accounting file of version 3 records.
func parseAcct(b []byte) ([]record, error) {
	if len(b)%acctSize != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte records", len(b), acctSize)
	}
	recs := make([]record, 0, len(b)/acctSize)
	for off := 0; off < len(b); off += acctSize {
		r := b[off : off+acctSize]
		if r[1] != 3 {
			return nil, fmt.Errorf("record %d: version %d, want 3", off/acctSize, r[1])
		}
		recs = append(recs, record{
			comm: digits.ReplaceAllString(strings.TrimRight(string(r[48:64]), "\x00"), "N"),
			user: compT(binary.LittleEndian.Uint16(r[32:])) / acctHZ,
			sys:  compT(binary.LittleEndian.Uint16(r[34:])) / acctHZ,
			wall: float64(math.Float32frombits(binary.LittleEndian.Uint32(r[28:]))) / acctHZ,
		})
	}
	return recs, nil
}

// compT decodes comp_t: a 13-bit mantissa and a 3-bit base-8 exponent.
func compT(v uint16) float64 {
	return float64(v&0x1fff) * math.Pow(8, float64(v>>13))
}

// parseStat reads the command and CPU times of one /proc/PID/stat line. The command is in
// parentheses and may hold spaces and parentheses itself, so the fields start after the last ')'.
func parseStat(s string) (record, error) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return record{}, errors.New("no (command) in stat line")
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 { // state is field 0 here; utime and stime are fields 11 and 12
		return record{}, fmt.Errorf("%d fields after the command, want at least 13", len(f))
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return record{}, err
	}
	return record{comm: digits.ReplaceAllString(s[open+1:end], "N"), user: ut / acctHZ, sys: st / acctHZ}, nil
}

// total is the sum of one command's records.
type total struct {
	comm            string
	n               int
	user, sys, wall float64
}

// sumRecords sums records by command, the most CPU first.
func sumRecords(recs []record) []total {
	by := map[string]*total{}
	for _, r := range recs {
		t := by[r.comm]
		if t == nil {
			t = &total{comm: r.comm}
			by[r.comm] = t
		}
		t.n++
		t.user += r.user
		t.sys += r.sys
		t.wall += r.wall
	}
	out := make([]total, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := out[i].user+out[i].sys, out[j].user+out[j].sys; a != b {
			return a > b
		}
		return out[i].comm < out[j].comm
	})
	return out
}

// write prints the totals (the first 25 commands), each line starting "== cpu" like the
// sampler's, so test-realzfs.sh's output keeps them. Wall time is known for exited processes
// only.
func write(w io.Writer, what string, ts []total) {
	var u, s float64
	for _, t := range ts {
		u += t.user
		s += t.sys
	}
	fmt.Fprintf(w, "== cpu by command, %s: user %.1f s, system %.1f s\n", what, u, s)
	for i, t := range ts {
		if i == 25 {
			break
		}
		wall := ""
		if t.wall > 0 {
			wall = fmt.Sprintf(", %.2f s wall", t.wall/float64(t.n))
		}
		fmt.Fprintf(w, "== cpu   %-16s n=%-6d user %7.1f s  system %7.1f s  per process %.3f s CPU%s\n",
			t.comm, t.n, t.user, t.sys, (t.user+t.sys)/float64(t.n), wall)
	}
}
