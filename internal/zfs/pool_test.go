package zfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Pool runs zpool through the exec seam: counted, with the context, its errors classified.
func TestPoolThroughTheSeam(t *testing.T) {
	c := fakeZFS(t, "")
	bin := filepath.Join(t.TempDir(), "zpool")
	script := `#!/bin/sh
echo "$*" > "$0.args"
case "$*" in *nosuch*) echo "cannot open 'nosuch': no such pool" >&2; exit 1;; esac
printf 'health\tONLINE\nsize\t1000\nallocated\t400\nfree\t600\nreadonly\toff\n'
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c.zpoolBin = bin
	info, err := c.Pool(context.Background(), "tank/axiom/store")
	if err != nil {
		t.Fatal(err)
	}
	if info != (PoolInfo{Name: "tank", Health: "ONLINE", Size: 1000, Allocated: 400, Free: 600}) {
		t.Fatalf("info %+v", info)
	}
	args, _ := os.ReadFile(bin + ".args")
	if got := strings.TrimSpace(string(args)); got != "get -Hp -o property,value "+poolProps+" tank" {
		t.Fatalf("zpool ran with %q", got)
	}
	if procs, mutating := c.Stats(); procs != 1 || mutating != 0 {
		t.Fatalf("%d processes (%d mutating), want 1 (0)", procs, mutating)
	}
	_, err = c.Pool(context.Background(), "nosuch")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNotExist) || !slices.Equal(e.Argv[:2], []string{bin, "get"}) {
		t.Fatalf("a missing pool: %#v, want ErrNotExist with the command", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Pool(ctx, "tank"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context: %v", err)
	}
}

func TestParsePoolGet(t *testing.T) {
	ok := "health\tDEGRADED\nsize\t10\nallocated\t3\nfree\t7\nreadonly\ton\n"
	info, err := parsePoolGet("p", ok)
	if err != nil || info != (PoolInfo{Name: "p", Health: "DEGRADED", Size: 10, Allocated: 3, Free: 7, ReadOnly: true}) {
		t.Fatalf("%+v, %v", info, err)
	}
	for name, text := range map[string]string{
		"missing property": "health\tONLINE\nsize\t10\nallocated\t3\nfree\t7\n",
		"repeated":         ok + "free\t7\n",
		"not a number":     strings.Replace(ok, "size\t10", "size\t10G", 1),
		"readonly yes":     strings.Replace(ok, "readonly\ton", "readonly\tyes", 1),
		"unknown":          ok + "dedup\t1.00\n",
		"no tab":           "health ONLINE\n",
		"empty":            "",
	} {
		if _, err := parsePoolGet("p", text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParsePoolGet: whatever zpool prints, the parser returns an error or a complete PoolInfo,
// and never panics.
func FuzzParsePoolGet(f *testing.F) {
	f.Add("health\tONLINE\nsize\t1000\nallocated\t400\nfree\t600\nreadonly\toff\n")
	f.Add("health\t\nsize\t-1\n")
	f.Fuzz(func(t *testing.T, text string) {
		info, err := parsePoolGet("p", text)
		if err == nil && (info.Name != "p" || !strings.Contains(text, "health\t")) {
			t.Fatalf("accepted %q as %+v", text, info)
		}
	})
}
