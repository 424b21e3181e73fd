package zfs

import (
	"context"
	"errors"
	"strings"
)

// Observe lists the trees under roots in exactly two zfs processes (after the one-time version
// probe), whatever their size:
//
//	zfs list -H -p -r -t filesystem,volume,snapshot -o name,type,guid,createtxg,creation,origin,userrefs,clones,mountpoint ROOTS
//	zfs get  -H -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all ROOTS
//
// (with -j instead of -H where ZFS has JSON output, so no value can break parsing; not
// --json-int, which turns a user property "007" into the number 7). The second command is skipped
// when nothing exists. No per-dataset process is ever started. With JSON, a missing root makes zfs
// print nothing at all for the others, so the listing is repeated once without the missing ones.
func (c *CLI) Observe(ctx context.Context, roots ...string) (*Tree, error) {
	for _, r := range roots {
		if err := ValidateDataset(r); err != nil {
			return nil, err
		}
	}
	if len(roots) == 0 {
		return NewTree(nil), nil
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return nil, err
	}
	format := []string{"-H", "-p"}
	if caps.JSON {
		format = []string{"-j", "-p"}
	}
	args := append([]string{"list"}, format...)
	args = append(args, "-r", "-t", "filesystem,volume,snapshot", "-o", strings.Join(listColumns, ","))
	out, err := c.run(ctx, "list", strings.Join(roots, " "), false, append(args, roots...)...)
	if err != nil && !onlyMissing(err) {
		return nil, err
	}
	if err != nil && caps.JSON && len(roots) > 1 {
		if rest := withoutMissing(roots, err); len(rest) > 0 {
			out, err = c.run(ctx, "list", strings.Join(rest, " "), false, append(args, rest...)...)
			if err != nil && !onlyMissing(err) {
				return nil, err
			}
		}
	}
	var ds []Dataset
	switch {
	case len(strings.TrimSpace(string(out))) == 0:
	case caps.JSON:
		ds, err = parseListJSON(out)
	default:
		ds, err = parseListText(string(out))
	}
	if err != nil && !onlyMissing(err) {
		return nil, err
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

	args = append([]string{"get"}, format...)
	args = append(args, "-r", "-t", "filesystem,volume", "-s", "local,inherited,received", "-o", "name,property,source,value", "all")
	out, err = c.run(ctx, "get", strings.Join(present, " "), false, append(args, present...)...)
	if err != nil && !onlyMissing(err) {
		return nil, err
	}
	var recs []propRecord
	switch {
	case len(strings.TrimSpace(string(out))) == 0:
	case caps.JSON:
		recs, err = parseGetJSON(out)
	default:
		recs, err = parseGetText(string(out), func(n string) bool { _, ok := tree.Get(n); return ok })
	}
	if err != nil && !onlyMissing(err) {
		return nil, err
	}
	attachProps(tree, recs)
	return tree, nil
}

// attachProps keeps user properties (from any source) and a locally set readonly.
func attachProps(tree *Tree, recs []propRecord) {
	for _, r := range recs {
		d, ok := tree.Get(r.dataset)
		if !ok {
			continue // created between the two commands; the next observation sees it whole
		}
		if !strings.Contains(r.prop, ":") && !(r.prop == "readonly" && r.p.Source == SourceLocal) {
			continue
		}
		if d.Props == nil {
			d.Props = map[string]Prop{}
		}
		d.Props[r.prop] = r.p
	}
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
