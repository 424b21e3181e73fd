package zfs

import (
	"slices"
	"testing"
)

// The one-process observation reads `mounted`: a filesystem that is not mounted is Unmounted;
// mounted ones, snapshots and datasets without the column are not.
func TestObservationReadsMounted(t *testing.T) {
	rec := func(ds, prop, value string) propRecord {
		return propRecord{dataset: ds, prop: prop, p: Prop{Value: value, Source: SourceNone}}
	}
	tree, err := datasetsFromRecords([]propRecord{
		rec("tp/a", "type", "filesystem"), rec("tp/a", "mounted", "no"), rec("tp/a", "mountpoint", "/tp/a"),
		rec("tp/b", "type", "filesystem"), rec("tp/b", "mounted", "yes"),
		rec("tp/c", "type", "filesystem"),
		rec("tp/a@s", "type", "snapshot"), rec("tp/a@s", "mounted", "-"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"tp/a": true, "tp/b": false, "tp/c": false, "tp/a@s": false} {
		d, ok := tree.Get(name)
		if !ok || d.Unmounted != want {
			t.Errorf("%s: Unmounted = %v (found %v), want %v", name, d != nil && d.Unmounted, ok, want)
		}
	}
	if !slices.Contains(getColumns, "mounted") {
		t.Errorf("the observation does not ask for mounted: %v", getColumns)
	}
}
