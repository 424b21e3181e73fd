package zfs

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// getColumns are the native properties a single-get observation reads: the list columns,
// readonly and mounted (whether a filesystem is mounted: files read from an unmounted one are
// those of the directory underneath, usually none).
var getColumns = append(append([]string(nil), listColumns[1:]...), "readonly", "mounted")

// Observe lists the trees under roots in a constant number of zfs processes, whatever their
// size. With WithProps, one:
//
//	zfs get -j -p -r -t filesystem,volume,snapshot -o name,property,source,value type,guid,createtxg,creation,origin,userrefs,clones,mountpoint,readonly,mounted,PROPS ROOTS
//
// Without, two: a `zfs list` of the same columns, then
//
//	zfs get -j -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all ROOTS
//
// for every user property (measured on OpenZFS 2.3: `get all` costs about twice the single get
// of a known list). -j is JSON (OpenZFS 2.3), so no value can break parsing; on an older ZFS the
// first observation finds out (it refuses -j) and -H text is used from then on. Not --json-int,
// which turns a user property "007" into the number 7. No per-dataset process is ever started.
// With JSON, a missing root makes zfs print nothing at all for the others, so the command is
// repeated once without the missing ones.
func (c *CLI) Observe(ctx context.Context, roots ...string) (*Tree, error) {
	for _, r := range roots {
		if err := ValidateDataset(r); err != nil {
			return nil, err
		}
	}
	if len(roots) == 0 {
		return NewTree(nil), nil
	}
	if c.props != nil {
		return c.observeOne(ctx, roots, nil)
	}

	out, err := c.query(ctx, "list", roots, "-r", "-t", "filesystem,volume,snapshot", "-o", strings.Join(listColumns, ","))
	if err != nil {
		return nil, err
	}
	var ds []Dataset
	if len(strings.TrimSpace(string(out))) > 0 {
		if c.json.Load() == jsonYes {
			ds, err = parseListJSON(out)
		} else {
			ds, err = parseListText(string(out))
		}
		if err != nil {
			return nil, err
		}
	}
	tree := NewTree(ds)
	var present []string
	for _, r := range roots {
		if _, ok := tree.Get(r); ok {
			present = append(present, r)
		}
	}
	if len(present) == 0 {
		return tree, nil
	}
	recs, err := c.get(ctx, present, func(n string) bool { _, ok := tree.Get(n); return ok },
		"-r", "-t", "filesystem,volume", "-s", "local,inherited,received", "-o", "name,property,source,value", "all")
	if err != nil {
		return nil, err
	}
	attachProps(tree, recs)
	return tree, nil
}

// observeOne is the one-process observation (WithProps), reading the extra columns too
// (written@ properties, attached by attachWritten).
func (c *CLI) observeOne(ctx context.Context, roots, extra []string) (*Tree, error) {
	for _, r := range roots {
		if err := ValidateDataset(r); err != nil {
			return nil, err
		}
	}
	if len(roots) == 0 {
		return NewTree(nil), nil
	}
	under := func(n string) bool {
		for _, r := range roots {
			if n == r || strings.HasPrefix(n, r+"/") || strings.HasPrefix(n, r+"@") {
				return true
			}
		}
		return false
	}
	cols := append(append(append([]string(nil), getColumns...), c.props...), extra...)
	recs, err := c.get(ctx, roots, under, "-r", "-t", "filesystem,volume,snapshot", "-o", "name,property,source,value", strings.Join(cols, ","))
	if err != nil {
		return nil, err
	}
	tree, err := datasetsFromRecords(recs)
	if err != nil {
		return nil, err
	}
	attachWritten(tree, recs)
	return tree, nil
}

// get runs `zfs get` and parses its records; known tells a dataset name from a value's
// continuation line in -H text.
func (c *CLI) get(ctx context.Context, roots []string, known func(string) bool, args ...string) ([]propRecord, error) {
	out, err := c.query(ctx, "get", roots, args...)
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		return nil, err
	}
	if c.json.Load() == jsonYes {
		return parseGetJSON(out)
	}
	recs, err := parseGetText(string(out), known)
	if err != nil {
		return nil, err
	}
	// In -H text a value's continuation line and a record look alike, so a value set to
	// "x\n<dataset>\taxiom:managed-by\tlocal\t..." would forge a property. Listing the same
	// records without their values (names and property names cannot hold a newline) says which
	// lines are records: the parse must have found exactly those.
	listed, err := c.query(ctx, "get", roots, withoutValues(args)...)
	if err != nil {
		return nil, err
	}
	if err := checkRecords(recs, string(listed)); err != nil {
		return nil, &Error{Op: "get", Name: strings.Join(roots, " "), ExitCode: -1, Err: err}
	}
	return recs, nil
}

// withoutValues turns `-o name,property,source,value` into `-o name,property`.
func withoutValues(args []string) []string {
	out := slices.Clone(args)
	for i := range out {
		if i > 0 && out[i-1] == "-o" {
			out[i] = "name,property"
		}
	}
	return out
}

// query runs `zfs list` or `zfs get` with -j (or, where ZFS has no JSON, -H) and -p over roots,
// tolerating roots that do not exist.
func (c *CLI) query(ctx context.Context, cmd string, roots []string, args ...string) ([]byte, error) {
	run := func(roots []string) ([]byte, error) {
		format := []string{"-H", "-p"}
		if c.json.Load() != jsonNo {
			format = []string{"-j", "-p"}
		}
		argv := append(append(append([]string{cmd}, format...), args...), roots...)
		out, err := c.run(ctx, cmd, strings.Join(roots, " "), false, argv...)
		if err != nil && c.json.Load() == jsonUnknown && errors.Is(err, ErrUnsupported) {
			c.json.Store(jsonNo) // a ZFS before 2.3: no -j
			return c.run(ctx, cmd, strings.Join(roots, " "), false, append(append(append([]string{cmd}, "-H", "-p"), args...), roots...)...)
		}
		if err == nil || onlyMissing(err) {
			c.json.CompareAndSwap(jsonUnknown, jsonYes)
		}
		return out, err
	}
	out, err := run(roots)
	if err != nil && !onlyMissing(err) {
		return nil, err
	}
	if err != nil && c.json.Load() == jsonYes && len(roots) > 1 {
		if rest := withoutMissing(roots, err); len(rest) > 0 {
			out, err = run(rest)
			if err != nil && !onlyMissing(err) {
				return nil, err
			}
		}
	}
	return out, nil
}

// attachProps keeps user properties (from any source) and a locally set readonly.
func attachProps(tree *Tree, recs []propRecord) {
	for _, r := range recs {
		d, ok := tree.Get(r.dataset)
		if !ok {
			continue // created between the two commands; the next observation sees it whole
		}
		keepProp(d, r)
	}
}

func keepProp(d *Dataset, r propRecord) {
	if r.p.Source == SourceNone || r.p.Source == SourceDefault {
		return // unset
	}
	if !strings.Contains(r.prop, ":") && !(r.prop == "readonly" && r.p.Source == SourceLocal) {
		return
	}
	if d.Props == nil {
		d.Props = map[string]Prop{}
	}
	d.Props[r.prop] = r.p
}

// datasetsFromRecords builds datasets from one `zfs get` of the native columns and properties.
func datasetsFromRecords(recs []propRecord) (*Tree, error) {
	cols := map[string]map[string]string{}
	var order []string
	for _, r := range recs {
		if cols[r.dataset] == nil {
			cols[r.dataset] = map[string]string{}
			order = append(order, r.dataset)
		}
		cols[r.dataset][r.prop] = r.p.Value
	}
	ds := make([]Dataset, 0, len(order))
	for _, name := range order {
		c := cols[name]
		f := []string{name}
		for _, col := range listColumns[1:] {
			v, ok := c[col]
			if !ok {
				v = "-"
			}
			f = append(f, v)
		}
		d, err := datasetFromColumns(f)
		if err != nil {
			return nil, err
		}
		d.Unmounted = d.Type == Filesystem && c["mounted"] == "no"
		ds = append(ds, d)
	}
	tree := NewTree(ds)
	for _, r := range recs {
		// Snapshots only inherit user properties; like the two-process observation, keep
		// properties of filesystems and volumes.
		if d, ok := tree.Get(r.dataset); ok && d.Type != Snapshot {
			keepProp(d, r)
		}
	}
	return tree, nil
}

// onlyMissing reports whether err is a listing that failed only because roots did not exist; the
// output for the other roots is still complete.
func onlyMissing(err error) bool {
	var e *Error
	if !errors.As(err, &e) || !errors.Is(e.Err, ErrNotExist) {
		return false
	}
	for _, line := range splitLines(e.Stderr) {
		if !strings.Contains(line, "does not exist") {
			return false
		}
	}
	return true
}

// withoutMissing drops the roots that stderr reports as missing ("cannot open 'X': ...").
func withoutMissing(roots []string, err error) []string {
	var e *Error
	errors.As(err, &e)
	missing := map[string]bool{}
	for _, line := range splitLines(e.Stderr) {
		if _, rest, ok := strings.Cut(line, "'"); ok {
			if name, _, ok := strings.Cut(rest, "'"); ok {
				missing[name] = true
			}
		}
	}
	var out []string
	for _, r := range roots {
		if !missing[r] {
			out = append(out, r)
		}
	}
	return out
}
