package zfs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The fixtures in testdata are real OpenZFS output, written by scripts/zfsvm/capture-fixtures.sh
// in the test VM (OpenZFS 2.3.2, Debian 12; testdata/version.txt) and not edited since. The tree
// and the exact commands are in scripts/zfsvm/capture-guest.sh:
//
//	list-2.3.txt, .json:    zfs list -H|-j -p -r -t filesystem,volume,snapshot -o <listColumns> tp
//	get-2.3.txt, .json:     zfs get -H|-j -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all tp/a
//	getcols-2.3.txt, .json: zfs get -H|-j -p -r -t filesystem,volume,snapshot -o name,property,source,value <getColumns>,PROPS tp
//	stderr-2.3.txt:         the stderr and exit status of failing commands, each headed by the condition it must classify as
//
// The tree has `axiom:weird` set to "a<TAB>b<NEWLINE>c ü", clones of tp/a@s1 inside and outside
// tp/a, and a foreign filesystem and snapshot named with a leading '-' (tp/b/-x@-daily).

func wantProps() map[string]map[string]Prop {
	weird := "a\tb\nc ü"
	return map[string]map[string]Prop{
		"tp/a": {
			"axiom:weird":      {Value: weird, Source: SourceLocal},
			"axiom:managed-by": {Value: "axiom-reconcile", Source: SourceLocal},
		},
		"tp/a/b": {
			"axiom:weird":      {Value: weird, Source: SourceInherited, From: "tp/a"},
			"axiom:managed-by": {Value: "axiom-reconcile", Source: SourceInherited, From: "tp/a"},
			"axiom:x":          {Value: "007", Source: SourceLocal},
			"readonly":         {Value: "on", Source: SourceLocal},
		},
	}
}

func TestParseGet(t *testing.T) {
	for _, tc := range []struct {
		file  string
		parse func([]byte) ([]propRecord, error)
	}{
		{"get-2.3.json", parseGetJSON},
		{"get-2.3.txt", func(b []byte) ([]propRecord, error) {
			return parseGetText(string(b), func(n string) bool { return n == "tp/a" || n == "tp/a/b" })
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := tc.parse(b)
			if err != nil {
				t.Fatal(err)
			}
			tree := NewTree([]Dataset{{Name: "tp/a", Type: Filesystem}, {Name: "tp/a/b", Type: Filesystem}})
			attachProps(tree, recs)
			got := map[string]map[string]Prop{}
			for _, d := range tree.Datasets {
				got[d.Name] = d.Props
			}
			if diff := cmp.Diff(wantProps(), got); diff != "" {
				t.Fatalf("props (-want +got):\n%s", diff)
			}
		})
	}
}

// capturedDatasets is the tree of the fixtures, as the list and getcols fixtures give it.
func capturedDatasets() []Dataset {
	at := func(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
	return []Dataset{
		{Name: "tp", Type: Filesystem, GUID: 11343269008402854014, CreateTxg: 1, Creation: at(1796133434), Mountpoint: "/tp"},
		{Name: "tp/a", Type: Filesystem, GUID: 9663135441655815275, CreateTxg: 9, Creation: at(1796133438), Mountpoint: "/tp/a"},
		{Name: "tp/a/b", Type: Filesystem, GUID: 12224863832319553777, CreateTxg: 11, Creation: at(1796133440), Mountpoint: "/tp/a/b"},
		{Name: "tp/a@s1", Type: Snapshot, GUID: 17331039516151391795, CreateTxg: 13, Creation: at(1796133441), UserRefs: 1, Clones: []string{"tp/b/d", "tp/c"}},
		{Name: "tp/b", Type: Filesystem, GUID: 6980700270371612911, CreateTxg: 15, Creation: at(1796133443), Mountpoint: "/tp/b"},
		{Name: "tp/b/-x", Type: Filesystem, GUID: 1655612826464416055, CreateTxg: 19, Creation: at(1796133445), Mountpoint: "/tp/b/-x"},
		{Name: "tp/b/-x@-daily", Type: Snapshot, GUID: 11645007208683038132, CreateTxg: 20, Creation: at(1796133446)},
		{Name: "tp/b/d", Type: Filesystem, GUID: 15439229704668298994, CreateTxg: 18, Creation: at(1796133444), Origin: "tp/a@s1", Mountpoint: "/tp/b/d"},
		{Name: "tp/c", Type: Filesystem, GUID: 15570047616771214244, CreateTxg: 16, Creation: at(1796133444), Origin: "tp/a@s1"},
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseList(t *testing.T) {
	for file, parse := range map[string]func([]byte) ([]Dataset, error){
		"list-2.3.txt":  func(b []byte) ([]Dataset, error) { return parseListText(string(b)) },
		"list-2.3.json": parseListJSON,
	} {
		t.Run(file, func(t *testing.T) {
			ds, err := parse(readFixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(capturedDatasets(), NewTree(ds).Datasets, cmpopts.IgnoreUnexported(Tree{})); diff != "" {
				t.Fatalf("datasets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDatasetsFromRecords parses the single-get observation (WithProps) in both formats: -H text
// is what production reads on a ZFS before 2.3.
func TestDatasetsFromRecords(t *testing.T) {
	want := capturedDatasets()
	weird := "a\tb\nc ü"
	props := map[string]map[string]Prop{
		"tp/a": {
			"axiom:weird":      {Value: weird, Source: SourceLocal},
			"axiom:managed-by": {Value: "axiom-reconcile", Source: SourceLocal},
		},
		"tp/a/b": {
			"axiom:weird":      {Value: weird, Source: SourceInherited, From: "tp/a"},
			"axiom:managed-by": {Value: "axiom-reconcile", Source: SourceInherited, From: "tp/a"},
			"axiom:x":          {Value: "007", Source: SourceLocal},
			"readonly":         {Value: "on", Source: SourceLocal},
		},
	}
	for i := range want {
		want[i].Props = props[want[i].Name]
	}
	under := func(n string) bool { return n == "tp" || strings.HasPrefix(n, "tp/") || strings.HasPrefix(n, "tp@") }
	for file, parse := range map[string]func([]byte) ([]propRecord, error){
		"getcols-2.3.txt":  func(b []byte) ([]propRecord, error) { return parseGetText(string(b), under) },
		"getcols-2.3.json": parseGetJSON,
	} {
		t.Run(file, func(t *testing.T) {
			recs, err := parse(readFixture(t, file))
			if err != nil {
				t.Fatal(err)
			}
			tree, err := datasetsFromRecords(recs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, tree.Datasets); diff != "" {
				t.Fatalf("datasets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseListErrors(t *testing.T) {
	for name, in := range map[string]string{
		"short line":              "tp/a\tfilesystem\t1\n",
		"bad type":                "tp/a\twidget\t1\t2\t3\t-\t-\t-\t/tp/a\n",
		"bad guid":                "tp/a\tfilesystem\tx\t2\t3\t-\t-\t-\t/tp/a\n",
		"pool not a letter":       "-tp\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
		"empty component":         "tp//a\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
		"dot-dot":                 "tp/../a\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
		"invalid character":       "tp/a$b\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
		"snapshot without @":      "tp/a\tsnapshot\t1\t2\t3\t-\t-\t-\t-\n",
		"filesystem with @":       "tp/a@s\tfilesystem\t1\t2\t3\t-\t-\t-\t-\n",
		"two @":                   "tp/a@s@t\tsnapshot\t1\t2\t3\t-\t-\t-\t-\n",
		"slash after @":           "tp/a@s/t\tsnapshot\t1\t2\t3\t-\t-\t-\t-\n",
		"value shifted into name": "tp/a\tx\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
	} {
		if _, err := parseListText(in); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Capabilities{
		"zfs-2.3.2-2~bpo12+2\nzfs-kmod-2.3.2-2~bpo12+2\n": {Userland: "zfs-2.3.2-2~bpo12+2", Kernel: "zfs-kmod-2.3.2-2~bpo12+2", Major: 2, Minor: 3, JSON: true, ChannelPrograms: true, ProgramSetProp: true},
		"zfs-2.1.11-1\nzfs-kmod-2.1.11-1\n":               {Userland: "zfs-2.1.11-1", Kernel: "zfs-kmod-2.1.11-1", Major: 2, Minor: 1, ChannelPrograms: true},
		"zfs-2.2.6-1\nzfs-kmod-v2024061900-zfs_abc\n":     {Userland: "zfs-2.2.6-1", Kernel: "zfs-kmod-v2024061900-zfs_abc", Major: 2, Minor: 2, ChannelPrograms: true, ProgramSetProp: true},
		"zfs-0.8.6-1\n":  {Userland: "zfs-0.8.6-1", Major: 0, Minor: 8, ChannelPrograms: true},
		"zfs-0.7.13-1\n": {Userland: "zfs-0.7.13-1", Major: 0, Minor: 7},
	} {
		got, err := parseVersion(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got != want {
			t.Errorf("%q: got %+v, want %+v", in, got, want)
		}
	}
	if _, err := parseVersion("something else"); err == nil {
		t.Error("garbage version parsed")
	}
}

func TestClassify(t *testing.T) {
	for stderr, want := range map[string]error{
		"cannot hold snapshot 'tp/a@s1': tag already exists on this dataset": ErrExist,
		"cannot unmount '/tp/a': pool or dataset is busy":                    ErrBusy,
		"cannot create 'tp/a': permission denied":                            ErrPermission,
		"unrecognized command 'program'":                                     ErrUnsupported,
		"invalid option 'j'\nusage:\n\tlist [-Hp] ...":                       ErrUnsupported,
		"cannot create 'tp/q': invalid property 'badprop'":                   nil,
		// Only the first failure's reason counts, not the names listed after it.
		"cannot destroy 'tp/a': filesystem has children\nuse '-r' to destroy the following datasets:\ntp/a/already exists\ntp/a/no such pool": ErrBusy,
		"cannot create 'tp/already exists': permission denied":                                                                                ErrPermission,
		"cannot open 'tp/is busy': dataset does not exist":                                                                                    ErrNotExist,
		"cannot mount 'tp/nm': pool or dataset is busy\nfilesystem successfully created, but not mounted":                                     ErrNotMounted,
	} {
		if got := classify(stderr); got != want {
			t.Errorf("classify(%q) = %v, want %v", stderr, got, want)
		}
	}
}

// capturedFailure is one block of testdata/stderr-2.3.txt.
type capturedFailure struct {
	kind, command string
	args          []string
	stderr        string
	exit          string
}

func capturedFailures(t *testing.T) []capturedFailure {
	t.Helper()
	var out []capturedFailure
	var cur *capturedFailure
	for _, line := range splitLines(string(readFixture(t, "stderr-2.3.txt"))) {
		switch {
		case strings.HasPrefix(line, "== exit "):
			cur.exit = strings.TrimPrefix(line, "== exit ")
			out = append(out, *cur)
			cur = nil
		case strings.HasPrefix(line, "== "):
			kind, command, _ := strings.Cut(strings.TrimPrefix(line, "== "), ": ")
			cur = &capturedFailure{kind: kind, command: command, args: strings.Fields(command)[1:]}
		default:
			cur.stderr += line + "\n"
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d captured failures", len(out))
	}
	return out
}

// TestClassifyCaptured classifies the stderr of every failure captured from real OpenZFS as the
// condition the capture names, and reads which snapshots a partly failed hold or release missed.
func TestClassifyCaptured(t *testing.T) {
	kinds := map[string]error{"ErrExist": ErrExist, "ErrNotExist": ErrNotExist, "ErrBusy": ErrBusy,
		"ErrInvalidName": ErrInvalidName, "ErrNotMounted": ErrNotMounted}
	partial := map[string]map[string]error{
		"zfs hold keep tp/h@s tp/h/child@s":                        {"tp/h@s": ErrExist},
		"zfs release keep tp/h@s tp/h/child@s tp/h@nope tp/nope@s": {"tp/h@nope": ErrNotExist, "tp/nope@s": ErrNotExist},
	}
	for _, f := range capturedFailures(t) {
		if f.exit != "1" {
			t.Errorf("%s: exit %s, want 1", f.command, f.exit)
		}
		if f.kind == "Partial" {
			got := holdFailures(f.stderr, f.args[2:])
			if diff := cmp.Diff(partial[f.command], got, cmpopts.EquateErrors()); diff != "" || got == nil {
				t.Errorf("%s: failures (-want +got):\n%s", f.command, diff)
			}
			continue
		}
		want, ok := kinds[f.kind]
		if !ok {
			t.Fatalf("%s: unknown kind %q", f.command, f.kind)
		}
		if got := classify(f.stderr); got != want {
			t.Errorf("%s: classify(%q) = %v, want %v", f.command, f.stderr, got, want)
		}
		// A failed hold or release names the snapshot that failed.
		if op := f.args[0]; op == "hold" || op == "release" {
			got := holdFailures(f.stderr, f.args[2:])
			if len(got) != 1 || !errors.Is(got[f.args[2]], want) {
				t.Errorf("%s: hold failures %v, want %s: %v", f.command, got, f.args[2], want)
			}
		}
	}
}

func TestValidateNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(string) error
		ok   bool
	}{
		{"zroot/axiom", ValidateDataset, true},
		{"zroot/axiom/store/pkg/bash/5.2.0/1/abc", ValidateDataset, true},
		{"zroot/with space:colon_dash-dot.", ValidateDataset, true},
		{"zroot", ValidateDataset, true},
		{"zroot/a@b", ValidateDataset, false},
		{"zroot/a#b", ValidateDataset, false},
		{"-zroot/a", ValidateDataset, false},
		{"zroot/-a", ValidateDataset, false},
		{"zroot//a", ValidateDataset, false},
		{"zroot/a/", ValidateDataset, false},
		{"/zroot/a", ValidateDataset, false},
		{"zroot/../a", ValidateDataset, false},
		{"zroot/./a", ValidateDataset, false},
		{"zroot/a$b", ValidateDataset, false},
		{"zroot/" + strings.Repeat("a", 249), ValidateDataset, true},
		{"zroot/" + strings.Repeat("a", 250), ValidateDataset, false},
		{"1pool/a", ValidateDataset, false},
		{"mirror/a", ValidateDataset, false},
		{"raidz1/a", ValidateDataset, false},
		{"c0t0d0/a", ValidateDataset, false},
		{"", ValidateDataset, false},
		{"zroot/a@snap", ValidateSnapshot, true},
		{"zroot/a@", ValidateSnapshot, false},
		{"zroot/a@b@c", ValidateSnapshot, false},
		{"zroot/a@b/c", ValidateSnapshot, false},
		{"zroot/a", ValidateSnapshot, false},
		{"zroot/a@-x", ValidateSnapshot, false},
		{"zroot/a#mark", ValidateBookmark, true},
		{"zroot/a#b#c", ValidateBookmark, false},
		{"zroot/a@s", ValidateName, true},
		{"zroot/a#s", ValidateName, true},
		{"zroot/a@s#t", ValidateName, false},
	} {
		checkValidation(t, fmt.Sprintf("%q", tc.name), tc.fn(tc.name), tc.ok)
	}
}

// checkValidation fails the test unless err is nil exactly when ok, and, when it is not nil, an
// ErrInvalidName raised before any process ran.
func checkValidation(t *testing.T, what string, err error, ok bool) {
	t.Helper()
	if (err == nil) != ok {
		t.Errorf("%s: err = %v, want ok=%v", what, err, ok)
	}
	if err != nil && !isInvalidName(err) {
		t.Errorf("%s: error %v is not ErrInvalidName before a process", what, err)
	}
}

func isInvalidName(err error) bool {
	e, ok := err.(*Error)
	return ok && e.ExitCode == -1 && e.Argv == nil && e.Err != nil && e.Err.Error() != "" &&
		errorsIs(err, ErrInvalidName)
}

// TestCheckListed: names as ZFS lists them. A leading '-' in a component or a snapshot name is
// legal in ZFS (and in testdata/list-2.3.txt); everything else libzfs refuses is refused.
func TestCheckListed(t *testing.T) {
	for name, ok := range map[string]bool{
		"tp": true, "tp/a": true, "tp/-x": true, "tp/a@-daily": true, "tp/a#-mark": true, "tp/-x/-y@-z": true,
		"tp/with space:colon_dash-dot.": true, "tp/a/%recv": true, "tp/" + strings.Repeat("a", 252): true,
		"": false, "-tp/a": false, "1tp": false, "/tp": false, "tp/": false, "tp//a": false, "tp/./a": false,
		"tp/..": false, "tp/a@": false, "tp/a@b@c": false, "tp/a@b#c": false, "tp/a@b/c": false,
		"tp/a$b": false, "tp/a\tb": false, "tp/a\nb": false, "tp/a,b": false, "tp/" + strings.Repeat("a", 253): false,
	} {
		if got := checkListed(name) == ""; got != ok {
			t.Errorf("checkListed(%q) = %q, want ok=%v", name, checkListed(name), ok)
		}
	}
}

func TestCheckRename(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"p/a", "p/b", true},
		{"p/a", "p/x/y/b", true},
		{"p/a@s", "p/a@t", true},
		{"p/a#m", "p/a#n", true},
		{"p/a", "p/ab", true},
		{"p/a@s", "p/b", false},   // zfs would read "p/b" as a short snapshot name
		{"p/a@s", "p/b@s", false}, // another filesystem
		{"p/a@s", "p/a#s", false},
		{"p/a", "p/a@s", false},
		{"p/a", "p/a#m", false},
		{"p/a", "q/a", false},
		{"p/a", "p/a/b", false},
		{"p", "q", false},
		{"p/a", "-p/b", false},
		{"p/-a", "p/b", false},
	} {
		checkValidation(t, fmt.Sprintf("CheckRename(%q, %q)", tc.from, tc.to), CheckRename(tc.from, tc.to), tc.ok)
	}
}

func TestValidateTagsAndProps(t *testing.T) {
	for _, tc := range []struct {
		s  string
		fn func(string) error
		ok bool
	}{
		{"axiom-env:dev:1", ValidateHoldTag, true},
		{".t", ValidateHoldTag, false}, // zfs hold: "tag may not start with '.'"
		{".t", ValidateTag, true},      // zfs release accepts it
		{"-t", ValidateTag, false},
		{"a b", ValidateTag, false},
		{"", ValidateTag, false},
		{strings.Repeat("t", MaxNameLen+1), ValidateTag, false},
		{"axiom:managed-by", ValidateProp, true},
		{"readonly", ValidateProp, true},
		{"-x", ValidateProp, false},
		{"a=b", ValidateProp, false},
		{"", ValidateProp, false},
	} {
		checkValidation(t, fmt.Sprintf("%q", tc.s), tc.fn(tc.s), tc.ok)
	}
}

func TestCheckSnapshotBatch(t *testing.T) {
	if err := CheckSnapshotBatch([]string{"p/a@s", "p/b@s"}); err != nil {
		t.Fatal(err)
	}
	if err := CheckSnapshotBatch([]string{"p/a@s", "p/a@t"}); !errorsIs(err, ErrInvalidName) {
		t.Fatalf("two snapshots of one filesystem: %v", err)
	}
}
