package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayTarChanged runs the second pass over a different archive than the first pass
// listed, as happens when the file is replaced between the passes.
func TestReplayTarChanged(t *testing.T) {
	write := func(name string, entries ...[2]string) string {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e[0], Mode: 0o644, Size: int64(len(e[1]))}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(e[1])); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orig := write("a.tar", [2]string{"a", "1"}, [2]string{"b", "2"})
	ctx := context.Background()
	tr, err := scanTar(ctx, orig, plain, Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]string{
		"renamed entry":  write("b.tar", [2]string{"a", "1"}, [2]string{"c", "2"}),
		"resized entry":  write("c.tar", [2]string{"a", "1"}, [2]string{"b", "22"}),
		"extra entry":    write("d.tar", [2]string{"a", "1"}, [2]string{"b", "2"}, [2]string{"c", "3"}),
		"missing entry":  write("e.tar", [2]string{"a", "1"}),
		"reordered tree": write("f.tar", [2]string{"b", "2"}, [2]string{"a", "1"}),
	} {
		t.Run(name, func(t *testing.T) {
			err := replayTar(ctx, other, plain, tr, func(e Entry, r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if !errors.Is(err, ErrChanged) {
				t.Fatalf("replay = %v; want ErrChanged", err)
			}
		})
	}
	same := write("g.tar", [2]string{"a", "1"}, [2]string{"b", "3"})
	if err := replayTar(ctx, same, plain, tr, func(Entry, io.Reader) error { return nil }); err != nil {
		t.Fatalf("replay over an archive of the same shape = %v; want nil (content is the caller's to verify)", err)
	}
}

func TestCleanName(t *testing.T) {
	for name, want := range map[string]string{
		"a":          "a",
		"./a":        "a",
		"a//b/":      "a/b",
		"./":         "",
		".":          "",
		"a/./b":      "a/b",
		"...":        "...",
		"..a":        "..a",
		"a%2":        "a%2",
		"a%zz":       "a%zz",
		"a%41":       "a%41",
		"%":          "%",
		"x%20y":      "x%20y",
		"ünïcödé":    "ünïcödé",
		"a/b/c/d/e/": "a/b/c/d/e",
	} {
		got, err := cleanName(name, 1024)
		if err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{
		"", "/a", "..", "../a", "a/..", "a/../b", "a\\b", "a\x00b", "a\x01b", "a\x1fb", "a\x7f",
		"%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%00", "%0c", "%0e", "%0f", "%7f", "a%2e%2e",
	} {
		if got, err := cleanName(name, 1024); err == nil {
			t.Errorf("cleanName(%q) = %q; want an error", name, got)
		}
	}
	if _, err := cleanName("abcdef", 5); err == nil {
		t.Error("cleanName accepted a name longer than the limit")
	}
}

// TestNormMode pins the mode rule of doc.go: only the type, the presence of an execute bit and,
// for a regular file, the setuid and setgid bits matter.
func TestNormMode(t *testing.T) {
	cases := []struct {
		typ  Type
		in   fs.FileMode
		want fs.FileMode
	}{
		{Regular, 0o644, 0o644},
		{Regular, 0o664, 0o644},
		{Regular, 0o666, 0o644},
		{Regular, 0o600, 0o644},
		{Regular, 0o400, 0o644},
		{Regular, 0, 0o644},
		{Regular, 0o644 | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky, 0o644 | fs.ModeSetuid | fs.ModeSetgid},
		{Regular, 0o644 | fs.ModeSticky, 0o644},
		{Regular, 0o755, 0o755},
		{Regular, 0o775, 0o755},
		{Regular, 0o777, 0o755},
		{Regular, 0o700, 0o755},
		{Regular, 0o754, 0o755},
		{Regular, 0o100, 0o755},
		{Regular, 0o010, 0o755},
		{Regular, 0o001, 0o755},
		{Regular, 0o755 | fs.ModeSetuid, 0o755 | fs.ModeSetuid},
		{Regular, 0o750 | fs.ModeSetgid, 0o755 | fs.ModeSetgid},
		{Regular, 0o4777, 0o755}, // unix bits are not fs.FileMode bits: callers convert
		{Dir, 0o755 | fs.ModeSetgid, 0o755},
		{Dir, 0o755 | fs.ModeSetuid, 0o755},
		{Dir, 0o755, 0o755},
		{Dir, 0o775, 0o755},
		{Dir, 0o777 | fs.ModeSticky, 0o755},
		{Dir, 0o700, 0o755},
		{Dir, 0o555, 0o755},
		{Dir, 0o644, 0o755},
		{Dir, 0, 0o755},
		{Symlink, 0o777, 0o777},
		{Symlink, 0o755, 0o777},
		{Symlink, 0, 0o777},
		{Symlink, 0o777 | fs.ModeSetuid, 0o777},
	}
	for _, tc := range cases {
		if got := normMode(tc.typ, tc.in); got != tc.want {
			t.Errorf("normMode(%v, %v) = %v; want %v", tc.typ, tc.in, got, tc.want)
		}
	}
}

// TestCheckTarget: a symlink target is data; only what no file system can store, or what is
// over the limit, is refused.
func TestCheckTarget(t *testing.T) {
	for target, ok := range map[string]bool{
		"/etc/ssl/certs/ca-certificates.crt": true,
		"../../etc/x":                        true,
		`a\b%2e%2e`:                          true,
		"..":                                 true,
		"":                                   false,
		"a\x00b":                             false,
		strings.Repeat("x", 65):              false,
		strings.Repeat("x", 64):              true,
	} {
		if err := checkTarget(target, 64); (err == nil) != ok {
			t.Errorf("checkTarget(%q) = %v; want ok=%v", target, err, ok)
		}
	}
}
