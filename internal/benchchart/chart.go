package benchchart

import (
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// Panel is one plot: a metric of a benchmark group, with a line per series.
type Panel struct {
	Group, Metric string
	Series        []Series
}

// Series is one line: points sorted by X, each the mean of the measurements at that X.
type Series struct {
	Name   string
	Points [][2]float64
}

// Collect groups points into panels (sorted by group, time before processes) and averages
// repeated measurements. Series are sorted with "ours" first.
func Collect(points []Point) []Panel {
	type key struct{ group, metric string }
	sums := map[key]map[string]map[float64][2]float64{} // series -> x -> (sum, n)
	for _, p := range points {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			continue
		}
		k := key{p.Group, p.Metric}
		if sums[k] == nil {
			sums[k] = map[string]map[float64][2]float64{}
		}
		if sums[k][p.Series] == nil {
			sums[k][p.Series] = map[float64][2]float64{}
		}
		s := sums[k][p.Series][p.X]
		sums[k][p.Series][p.X] = [2]float64{s[0] + p.Y, s[1] + 1}
	}
	keys := slices.SortedFunc(maps.Keys(sums), func(a, b key) int {
		if c := strings.Compare(a.group, b.group); c != 0 {
			return c
		}
		return strings.Compare(a.metric, b.metric) // "time" before "zfs-procs"
	})
	var out []Panel
	for _, k := range keys {
		p := Panel{Group: k.group, Metric: k.metric}
		names := slices.SortedFunc(maps.Keys(sums[k]), func(a, b string) int {
			switch {
			case a == b:
				return 0
			case a == "ours":
				return -1
			case b == "ours":
				return 1
			}
			return strings.Compare(a, b)
		})
		for _, n := range names {
			s := Series{Name: n}
			for _, x := range slices.Sorted(maps.Keys(sums[k][n])) {
				v := sums[k][n][x]
				s.Points = append(s.Points, [2]float64{x, v[0] / v[1]})
			}
			p.Series = append(p.Series, s)
		}
		out = append(out, p)
	}
	return out
}

// Layout of the SVG, in pixels.
const (
	panelW, panelH = 420, 260
	marginL        = 64
	marginR        = 16
	marginT        = 36
	marginB        = 44
	columns        = 2
)

// palette colors the series: ours first (blue), then the baselines.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"}

// WriteSVG draws the panels, two per row, with a title. The output depends only on panels, so
// it can be compared with a golden file.
func WriteSVG(w io.Writer, title string, panels []Panel) error {
	rows := max(1, (len(panels)+columns-1)/columns)
	width, height := columns*panelW, rows*panelH+30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" text-anchor="middle">%s</text>`+"\n", width/2, html.EscapeString(title))
	if len(panels) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="60" text-anchor="middle">no benchmark followed the pkgs=N convention</text>`+"\n", width/2)
	}
	for i, p := range panels {
		drawPanel(&b, p, float64((i%columns)*panelW), float64(30+(i/columns)*panelH))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func drawPanel(b *strings.Builder, p Panel, ox, oy float64) {
	x0, x1 := ox+marginL, ox+panelW-marginR
	y0, y1 := oy+panelH-marginB, oy+marginT
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			xmin, xmax, ymax = math.Min(xmin, pt[0]), math.Max(xmax, pt[0]), math.Max(ymax, pt[1])
		}
	}
	logX := xmin > 0 && xmax/xmin >= 100
	tx := func(x float64) float64 {
		lo, hi, v := xmin, xmax, x
		if logX {
			lo, hi, v = math.Log10(xmin), math.Log10(xmax), math.Log10(x)
		}
		if hi == lo {
			return (x0 + x1) / 2
		}
		return x0 + (v-lo)/(hi-lo)*(x1-x0)
	}
	ymax = niceCeil(ymax)
	ty := func(y float64) float64 { return y0 - y/ymax*(y0-y1) }

	unit := "ms per operation"
	if p.Metric == Procs {
		unit = "zfs processes per operation"
	}
	fmt.Fprintf(b, `<g><text x="%.1f" y="%.1f" font-size="13" text-anchor="middle">%s: %s</text>`+"\n", ox+panelW/2, oy+18, html.EscapeString(p.Group), unit)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, y0, x1, y0, x0, y0, x0, y1)
	for i := 0; i <= 4; i++ {
		v := ymax * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0, ty(v), x1, ty(v), x0-4, ty(v)+4, label(v))
	}
	xs := map[float64]bool{}
	for _, s := range p.Series {
		for _, pt := range s.Points {
			xs[pt[0]] = true
		}
	}
	for _, x := range slices.Sorted(maps.Keys(xs)) {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", tx(x), y0+14, label(x))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">packages in the store</text>`+"\n", (x0+x1)/2, y0+30)
	for i, s := range p.Series {
		col := palette[i%len(palette)]
		var pts []string
		for _, pt := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", tx(pt[0]), ty(pt[1])))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", tx(pt[0]), ty(pt[1]), col)
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", col, strings.Join(pts, " "))
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="10" height="3" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n", x0+8, y1+4+float64(i)*14, col, x0+22, y1+9+float64(i)*14, html.EscapeString(s.Name))
	}
	b.WriteString("</g>\n")
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for 0), so the axis reads well.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// label formats an axis value briefly: 1500 -> "1.5k".
func label(v float64) string {
	switch {
	case v >= 1e6:
		return trim(v/1e6) + "M"
	case v >= 1e3:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
