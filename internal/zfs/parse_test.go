package zfs

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The fixtures in testdata were captured from OpenZFS 2.3.2 on Debian 12 (the test VM):
//
//	get-2.3.json: zfs get -j -p -r -t filesystem,volume -s local,inherited,received -o name,property,source,value all tp/a
//	get-2.3.txt:  the same with -H instead of -j
//	list-2.3.txt: zfs list -H -p -r -t filesystem,volume,snapshot -o name,type,guid,createtxg,creation,origin,userrefs,clones,mountpoint tp
//
// after `zfs create -o 'axiom:weird=a<TAB>b<NEWLINE>c ü' tp/a` and friends.

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

func TestParseListText(t *testing.T) {
	b, err := os.ReadFile("testdata/list-2.3.txt")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := parseListText(string(b))
	if err != nil {
		t.Fatal(err)
	}
	want := []Dataset{
		{Name: "tp/a", Type: Filesystem, GUID: 1234567890123, CreateTxg: 9, Creation: time.Unix(1764260000, 0).UTC(), Mountpoint: "/tp/a"},
		{Name: "tp/a@s1", Type: Snapshot, GUID: 42, CreateTxg: 12, Creation: time.Unix(1764260100, 0).UTC(), UserRefs: 1, Clones: []string{"tp/b/d", "tp/c"}},
		{Name: "tp/a/b", Type: Filesystem, GUID: 77, CreateTxg: 11, Creation: time.Unix(1764260050, 0).UTC(), Mountpoint: "/tp/a/b"},
		{Name: "tp/c", Type: Filesystem, GUID: 78, CreateTxg: 13, Creation: time.Unix(1764260200, 0).UTC(), Origin: "tp/a@s1"},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Fatalf("datasets (-want +got):\n%s", diff)
	}
}

func TestParseListErrors(t *testing.T) {
	for name, in := range map[string]string{
		"short line":   "tp/a\tfilesystem\t1\n",
		"bad type":     "tp/a\twidget\t1\t2\t3\t-\t-\t-\t/tp/a\n",
		"bad guid":     "tp/a\tfilesystem\tx\t2\t3\t-\t-\t-\t/tp/a\n",
		"invalid name": "-tp\tfilesystem\t1\t2\t3\t-\t-\t-\t/tp\n",
	} {
		if _, err := parseListText(in); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Capabilities{
		"zfs-2.3.2-2~bpo12+2\nzfs-kmod-2.3.2-2~bpo12+2\n": {Userland: "zfs-2.3.2-2~bpo12+2", Kernel: "zfs-kmod-2.3.2-2~bpo12+2", Major: 2, Minor: 3, JSON: true, ChannelPrograms: true},
		"zfs-2.1.11-1\nzfs-kmod-2.1.11-1\n":               {Userland: "zfs-2.1.11-1", Kernel: "zfs-kmod-2.1.11-1", Major: 2, Minor: 1, ChannelPrograms: true},
		"zfs-2.2.6-1\nzfs-kmod-v2024061900-zfs_abc\n":     {Userland: "zfs-2.2.6-1", Kernel: "zfs-kmod-v2024061900-zfs_abc", Major: 2, Minor: 2, ChannelPrograms: true},
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

// Stderr captured from OpenZFS 2.3.2 for each condition the conformance suite provokes.
func TestClassify(t *testing.T) {
	for stderr, want := range map[string]error{
		"cannot create 'tp/a': dataset already exists":                                               ErrExist,
		"cannot rename 'tp/a/b': dataset already exists":                                             ErrExist,
		"cannot hold snapshot 'tp/a@s1': tag already exists on this dataset":                         ErrExist,
		"cannot create 'tp/x/y/z': parent does not exist":                                            ErrNotExist,
		"cannot open 'tp/nope': dataset does not exist":                                              ErrNotExist,
		"could not find any snapshots to destroy; check snapshot names.":                             ErrNotExist,
		"cannot release hold from snapshot 'tp/a@s2': no such tag on this dataset":                   ErrNotExist,
		"cannot destroy 'tp/a': filesystem has children\nuse '-r' to destroy the following":          ErrBusy,
		"cannot destroy snapshot tp/a@s: it's being held. Run 'zfs holds -r tp/a@s' to see holders.": ErrBusy,
		"cannot destroy 'tp/a@s': snapshot has dependent clones\nuse '-R' to destroy":                ErrBusy,
		"cannot unmount '/tp/a': pool or dataset is busy":                                            ErrBusy,
		"cannot create 'tp/bad$name': invalid character '$' in name":                                 ErrInvalidName,
		"cannot create 'tp/a': permission denied":                                                    ErrPermission,
		"unrecognized command 'program'":                                                             ErrUnsupported,
		"cannot create 'tp/q': invalid property 'badprop'":                                           nil,
	} {
		if got := classify(stderr); got != want {
			t.Errorf("classify(%q) = %v, want %v", stderr, got, want)
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
		err := tc.fn(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !isInvalidName(err) {
			t.Errorf("%q: error %v is not ErrInvalidName", tc.name, err)
		}
	}
}

func isInvalidName(err error) bool {
	e, ok := err.(*Error)
	return ok && e.ExitCode == -1 && e.Argv == nil && e.Err != nil && e.Err.Error() != "" &&
		errorsIs(err, ErrInvalidName)
}

func TestCheckSnapshotBatch(t *testing.T) {
	if err := CheckSnapshotBatch([]string{"p/a@s", "p/b@s"}); err != nil {
		t.Fatal(err)
	}
	if err := CheckSnapshotBatch([]string{"p/a@s", "p/a@t"}); !errorsIs(err, ErrInvalidName) {
		t.Fatalf("two snapshots of one filesystem: %v", err)
	}
}
