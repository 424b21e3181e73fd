package zfs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The observation reads two commands' output (see observe.go for the commands):
//
//	list: name, type, guid, createtxg, creation, origin, userrefs, clones, mountpoint per dataset
//	get:  name, property, source, value per set property (local, inherited or received)
//
// Each comes as -H -p text (tab-separated, one record per line) or, on OpenZFS 2.3+, as JSON.
// Dataset names cannot contain tabs or newlines; property values can, so in text the value is the
// last column and a line that does not start a new record continues the previous value.

var listColumns = []string{"name", "type", "guid", "createtxg", "creation", "origin", "userrefs", "clones", "mountpoint"}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// parseListText parses `zfs list -H -p -o <listColumns>` output.
func parseListText(out string) ([]Dataset, error) {
	var ds []Dataset
	for i, line := range splitLines(out) {
		f := strings.SplitN(line, "\t", len(listColumns))
		if len(f) != len(listColumns) {
			return nil, fmt.Errorf("zfs list output line %d: want %d columns, got %d: %q", i+1, len(listColumns), len(f), line)
		}
		d, err := datasetFromColumns(f)
		if err != nil {
			return nil, fmt.Errorf("zfs list output line %d: %w", i+1, err)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

func datasetFromColumns(f []string) (Dataset, error) {
	d := Dataset{Name: f[0], Type: parseType(f[1])}
	if d.Type == 0 {
		return d, fmt.Errorf("%s: unknown type %q", f[0], f[1])
	}
	// ZFS' own rules, not ValidateName's: a foreign dataset may be named "-x" or "@-daily".
	if r := checkListed(d.Name); r != "" {
		return d, fmt.Errorf("unexpected name %q: %s", d.Name, r)
	}
	if (d.Type == Snapshot) != strings.Contains(d.Name, "@") || strings.Contains(d.Name, "#") {
		return d, fmt.Errorf("unexpected name %q for a %s", d.Name, d.Type)
	}
	var err error
	if d.GUID, err = parseUint(f[2]); err != nil {
		return d, fmt.Errorf("%s: guid: %w", d.Name, err)
	}
	if d.CreateTxg, err = parseUint(f[3]); err != nil {
		return d, fmt.Errorf("%s: createtxg: %w", d.Name, err)
	}
	creation, err := parseUint(f[4])
	if err != nil {
		return d, fmt.Errorf("%s: creation: %w", d.Name, err)
	}
	d.Creation = time.Unix(int64(creation), 0).UTC()
	if f[5] != "-" {
		d.Origin = f[5]
	}
	if d.UserRefs, err = parseUint(f[6]); err != nil {
		return d, fmt.Errorf("%s: userrefs: %w", d.Name, err)
	}
	if f[7] != "-" && f[7] != "" {
		d.Clones = strings.Split(f[7], ",")
		slices.Sort(d.Clones)
	}
	if mp := f[8]; strings.HasPrefix(mp, "/") {
		d.Mountpoint = mp
	}
	return d, nil
}

// parseUint reads a -p number; "-" (not applicable) is 0.
func parseUint(s string) (uint64, error) {
	if s == "-" || s == "" {
		return 0, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// propRecord is one row of `zfs get`.
type propRecord struct {
	dataset, prop string
	p             Prop
}

// parseGetText parses `zfs get -H -p -o name,property,source,value` output. known reports whether
// a name is an observed dataset; it tells a new record from a value's continuation line.
func parseGetText(out string, known func(string) bool) ([]propRecord, error) {
	var recs []propRecord
	for i, line := range splitLines(out) {
		f := strings.SplitN(line, "\t", 4)
		if len(f) == 4 && known(f[0]) && validPropName(f[1]) {
			src, from, ok := parseSourceText(f[2])
			if ok {
				recs = append(recs, propRecord{dataset: f[0], prop: f[1], p: Prop{Value: f[3], Source: src, From: from}})
				continue
			}
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("zfs get output line %d: not a property record: %q", i+1, line)
		}
		last := &recs[len(recs)-1]
		last.p.Value += "\n" + line
	}
	return recs, nil
}

// checkRecords holds the records parsed from `zfs get -H` text to listed, the output of the same
// query printing only name and property (one line per record, since neither can hold a
// newline). Records the listing lacks, or has fewer of, came from inside a value: the output is
// ambiguous and [ErrAmbiguous] names them.
func checkRecords(recs []propRecord, listed string) error {
	want := map[string]int{}
	for _, line := range splitLines(listed) {
		want[line]++
	}
	var forged []string
	for _, r := range recs {
		k := r.dataset + "\t" + r.prop
		if want[k] == 0 {
			forged = append(forged, fmt.Sprintf("%s %s", r.dataset, r.prop))
			continue
		}
		want[k]--
	}
	if len(forged) > 0 {
		return fmt.Errorf("%w: a property value holds a line that reads as a record (%s); "+
			"remove the newline from the value, or use OpenZFS 2.3 or later, whose JSON output has no such ambiguity",
			ErrAmbiguous, strings.Join(forged, ", "))
	}
	return nil
}

func validPropName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '.' || c == '_' || c == '-' || c == '@' || c == '#') {
			return false
		}
	}
	return true
}

func parseSourceText(s string) (Source, string, bool) {
	switch {
	case s == "local":
		return SourceLocal, "", true
	case s == "received":
		return SourceReceived, "", true
	case s == "default":
		return SourceDefault, "", true
	case s == "temporary":
		return SourceTemporary, "", true
	case s == "-" || s == "none":
		return SourceNone, "", true
	case strings.HasPrefix(s, "inherited from "):
		return SourceInherited, strings.TrimPrefix(s, "inherited from "), true
	}
	return SourceNone, "", false
}

// JSON output (OpenZFS 2.3, `-j -p`): {"output_version": {...}, "datasets": {NAME:
// {"name", "type", "properties": {PROP: {"value", "source": {"type", "data"}}}}}}.
type jsonOutput struct {
	Datasets map[string]jsonDataset `json:"datasets"`
}

type jsonDataset struct {
	Name       string              `json:"name"`
	Type       string              `json:"type"`
	Properties map[string]jsonProp `json:"properties"`
}

type jsonProp struct {
	Value  json.RawMessage `json:"value"`
	Source struct {
		Type string `json:"type"`
		Data string `json:"data"`
	} `json:"source"`
}

func (p jsonProp) text() string {
	var s string
	if json.Unmarshal(p.Value, &s) == nil {
		return s
	}
	return string(p.Value) // numbers, should a ZFS print them unquoted
}

func jsonSource(typ, data string) Source {
	switch strings.ToUpper(typ) {
	case "LOCAL":
		return SourceLocal
	case "INHERITED":
		return SourceInherited
	case "RECEIVED":
		return SourceReceived
	case "DEFAULT":
		return SourceDefault
	case "TEMPORARY":
		return SourceTemporary
	}
	return SourceNone
}

// parseListJSON parses `zfs list -j -p -o <listColumns>` output.
func parseListJSON(out []byte) ([]Dataset, error) {
	var o jsonOutput
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, fmt.Errorf("zfs list -j output: %w", err)
	}
	ds := make([]Dataset, 0, len(o.Datasets))
	for key, jd := range o.Datasets {
		name := jd.Name
		if name == "" {
			name = key
		}
		f := []string{name, jd.Type}
		for _, col := range listColumns[2:] {
			v := "-"
			if p, ok := jd.Properties[col]; ok {
				v = p.text()
			}
			f = append(f, v)
		}
		d, err := datasetFromColumns(f)
		if err != nil {
			return nil, fmt.Errorf("zfs list -j output: %w", err)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// parseGetJSON parses `zfs get -j -p` output.
func parseGetJSON(out []byte) ([]propRecord, error) {
	var o jsonOutput
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, fmt.Errorf("zfs get -j output: %w", err)
	}
	var recs []propRecord
	for key, jd := range o.Datasets {
		name := jd.Name
		if name == "" {
			name = key
		}
		for prop, jp := range jd.Properties {
			p := Prop{Value: jp.text(), Source: jsonSource(jp.Source.Type, jp.Source.Data)}
			if p.Source == SourceInherited {
				p.From = jp.Source.Data
			}
			recs = append(recs, propRecord{dataset: name, prop: prop, p: p})
		}
	}
	return recs, nil
}
