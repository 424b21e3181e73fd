package benchchart

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/chart.svg")

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want []Point
	}{
		{"ours", "BenchmarkPlan/pkgs=100-2   5   2000000 ns/op   4.000 zfs-procs/op   12 B/op",
			[]Point{{"Plan", Procs, "ours", 100, 4}, {"Plan", Time, "ours", 100, 2}}},
		{"baseline in the path", "BenchmarkPlan/baseline=zfs-list/pkgs=10-8 3 1000000 ns/op",
			[]Point{{"Plan", Time, "zfs-list", 10, 1}}},
		{"baselines as metrics", "BenchmarkRealize/pkgs=50-2 5 1.5 ours-ms/op 6 cp-a-ms/op 0.2 x-baseline 99 ns/op",
			[]Point{{"Realize", Time, "ours", 50, 1.5}, {"Realize", Time, "cp-a", 50, 6}}},
		{"named process counts", "BenchmarkGC/pkgs=5 1 7 ns/op 3 ours-zfs-procs/op 9 naive-zfs-procs/op",
			[]Point{{"GC", Procs, "ours", 5, 3}, {"GC", Procs, "naive", 5, 9}, {"GC", Time, "ours", 5, 7e-6}}},
		{"nested group", "BenchmarkApply/cold/pkgs=20-4 1 1000000 ns/op", []Point{{"Apply/cold", Time, "ours", 20, 1}}},
		{"no pkgs", "BenchmarkResolve-2 1000 1234567 ns/op", nil},
		{"bad pkgs", "BenchmarkPlan/pkgs=many-2 5 100 ns/op", nil},
		{"negative pkgs", "BenchmarkPlan/pkgs=-3 5 100 ns/op", nil},
		{"empty baseline", "BenchmarkPlan/baseline=/pkgs=3 5 100 ns/op", nil},
		{"no iterations", "BenchmarkPlan/pkgs=10", nil},
		{"not a benchmark", "ok  	github.com/x/y	12.3s", nil},
		{"unparsable value", "BenchmarkPlan/pkgs=10 5 abc ns/op 2 zfs-procs/op", []Point{{"Plan", Procs, "ours", 10, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parseLine(tc.line)); diff != "" {
				t.Errorf("parseLine(%q) (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

func TestCollect(t *testing.T) {
	got := Collect([]Point{
		{"B", Time, "zz", 10, 4}, {"B", Time, "ours", 10, 1}, {"B", Time, "ours", 10, 3},
		{"B", Procs, "ours", 10, 2}, {"A", Time, "ours", 100, 5}, {"A", Time, "ours", 10, 1},
	})
	want := []Panel{
		{Group: "A", Metric: Time, Series: []Series{{"ours", [][2]float64{{10, 1}, {100, 5}}}}},
		{Group: "B", Metric: Time, Series: []Series{{"ours", [][2]float64{{10, 2}}}, {"zz", [][2]float64{{10, 4}}}}},
		{Group: "B", Metric: Procs, Series: []Series{{"ours", [][2]float64{{10, 2}}}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Collect (-want +got):\n%s", diff)
	}
}

// TestGolden: the sample output (with lines of every kind the tool must skip) draws the chart
// in testdata/chart.svg; -update rewrites it after a deliberate change.
func TestGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	points, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, "axiom-reconcile benchmarks", Collect(points)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "chart.svg")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("SVG differs from %s (-want +got):\n%s", golden, diff)
	}
	for _, s := range []string{"PlanReal: ms per operation", "PlanReal: zfs processes per operation", "Realize: ms per operation", ">zfs-get-per-dataset<", ">cp-a<"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("the chart lacks %q", s)
		}
	}
}

func TestEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, "t", nil); err != nil || !strings.Contains(b.String(), "no benchmark followed") {
		t.Errorf("empty chart: %v\n%s", err, b.String())
	}
}

func TestNiceCeilAndLabel(t *testing.T) {
	for _, tc := range []struct{ v, want float64 }{{0, 1}, {0.7, 1}, {3, 5}, {12, 20}, {1002, 2000}, {100, 100}} {
		if got := niceCeil(tc.v); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {2.5, "2.5"}, {1500, "1.5k"}, {2e6, "2M"}} {
		if got := label(tc.v); got != tc.want {
			t.Errorf("label(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// FuzzParse: no input makes Parse fail or panic, and every point it returns has a store size.
func FuzzParse(f *testing.F) {
	f.Add("BenchmarkPlan/pkgs=100-2 5 2000000 ns/op 4.000 zfs-procs/op")
	f.Add("BenchmarkRealize/baseline=cp/pkgs=1e3 1 NaN ours-ms/op")
	f.Fuzz(func(t *testing.T, s string) {
		points, err := Parse(strings.NewReader(s))
		if err != nil && !strings.Contains(err.Error(), "too long") {
			t.Fatalf("Parse: %v", err)
		}
		for _, p := range points {
			if p.X < 0 {
				t.Fatalf("negative store size in %+v", p)
			}
		}
		var b bytes.Buffer
		if err := WriteSVG(&b, "t", Collect(points)); err != nil {
			t.Fatal(err)
		}
	})
}
