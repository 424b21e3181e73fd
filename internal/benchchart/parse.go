// Package benchchart turns `go test -bench` output into an SVG chart: for each benchmark, the
// time and the number of zfs processes per operation against the store's size, ours beside the
// baselines. `make bench` runs it (scripts/benchchart) and the chart lands in docs/.
//
// The naming convention it reads (benchmarks are named so for it):
//
//	BenchmarkPlan/pkgs=1000                 a store-size series: x = 1000, series "ours"
//	BenchmarkPlan/baseline=zfs-list/pkgs=1000   the same point of the baseline "zfs-list"
//	... 12.0 zfs-procs/op                  zfs processes per operation (b.ReportMetric)
//	... 3.5 ours-ms/op  9.1 cp-a-ms/op     times of ours and a baseline from one loop, as metrics
//
// Time comes from NAME-ms/op metrics when a line has any, else from ns/op. Everything else
// (lines of other tools, benchmarks without pkgs=N, other metrics) is skipped: the tool must
// never fail on output it does not understand, only draw less.
package benchchart

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Metric kinds a chart draws.
const (
	Time  = "time"      // milliseconds per operation
	Procs = "zfs-procs" // zfs processes per operation
)

// Point is one measurement: of Metric, for Series, in benchmark Group, at store size X.
type Point struct {
	Group, Metric, Series string
	X                     float64
	Y                     float64
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// Parse reads benchmark output and returns its points in the order read (one per metric
// and line; repeated runs give repeated points, which Collect averages).
func Parse(r io.Reader) ([]Point, error) {
	var out []Point
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, parseLine(sc.Text())...)
	}
	return out, sc.Err()
}

// parseLine returns the points of one line; none for a line that is not a benchmark result
// following the convention.
func parseLine(line string) []Point {
	m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return nil
	}
	group, series, x, ok := parseName(m[1])
	if !ok {
		return nil
	}
	fields := strings.Fields(m[2])
	var out []Point
	var nsop float64
	haveNs, haveMs := false, false
	for i := 0; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			continue
		}
		unit := fields[i+1]
		switch {
		case unit == "ns/op":
			nsop, haveNs = v, true
		case unit == "zfs-procs/op":
			out = append(out, Point{group, Procs, series, x, v})
		case strings.HasSuffix(unit, "-zfs-procs/op"):
			out = append(out, Point{group, Procs, strings.TrimSuffix(unit, "-zfs-procs/op"), x, v})
		case strings.HasSuffix(unit, "-ms/op"):
			name := strings.TrimSuffix(unit, "-ms/op")
			out = append(out, Point{group, Time, name, x, v})
			haveMs = true
		}
	}
	if haveNs && !haveMs {
		out = append(out, Point{group, Time, series, x, nsop / 1e6})
	}
	return out
}

// parseName splits a benchmark's name (without "Benchmark" and the -GOMAXPROCS suffix) into
// its group (the other path components), series (baseline=NAME, else "ours") and store size
// (pkgs=N, required).
func parseName(name string) (group, series string, x float64, ok bool) {
	series = "ours"
	var rest []string
	for _, part := range strings.Split(name, "/") {
		switch {
		case strings.HasPrefix(part, "pkgs="):
			n, err := strconv.ParseFloat(strings.TrimPrefix(part, "pkgs="), 64)
			if err != nil || n < 0 {
				return "", "", 0, false
			}
			x, ok = n, true
		case strings.HasPrefix(part, "baseline="):
			if series = strings.TrimPrefix(part, "baseline="); series == "" {
				return "", "", 0, false
			}
		default:
			rest = append(rest, part)
		}
	}
	return strings.Join(rest, "/"), series, x, ok
}
