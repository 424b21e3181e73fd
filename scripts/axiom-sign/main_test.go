package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sigTestdata is internal/signature's testdata: the RFC 8032 test key and the golden
// manifest.sig of the package writePackage makes.
const sigTestdata = "../../internal/signature/testdata"

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writePackage makes the package internal/signature's golden files sign, plus a symlink.
func writePackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for path, content := range map[string]string{
		"manifest.yaml":                   "name: hello\nversion: 1.0.0\n",
		"deps.yaml":                       "dependencies: []\n",
		"root/usr/bin/hello":              "#!/bin/sh\necho hello\n",
		"root/usr/share/doc/hello/README": "Hello, world.\n",
	} {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("hello", filepath.Join(dir, "root/usr/bin/hi")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSignGolden: signing a package directory with the test key writes, byte for byte, the
// golden manifest.sig, and signing again (manifest.sig now present) gives the same file.
func TestSignGolden(t *testing.T) {
	dir := writePackage(t)
	key := filepath.Join(sigTestdata, "test.key")
	for range 2 {
		code, out, errOut := runCmd(t, "-key", key, "-signer", "Test Signer <test@example.com>", "-timestamp", "1735689600", dir)
		if code != 0 || !strings.Contains(out, "signed 4 files with key D75A980182B10AB7 (1 symbolic link(s) not covered") {
			t.Fatalf("sign: %d %q %q", code, out, errOut)
		}
		got, err := os.ReadFile(filepath.Join(dir, "manifest.sig"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(sigTestdata, "golden-sorted.sig"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("manifest.sig:\n%s\nwant:\n%s", got, want)
		}
	}
}

// TestKeygenSignVerify: a generated pair signs a package that then verifies; a changed,
// added or removed file, or another key, fails verification with exit status 1.
func TestKeygenSignVerify(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "ops")
	if code, out, errOut := runCmd(t, "-keygen", keys, "-owner", "Ops", "-email", "ops@example.org"); code != 0 || !strings.Contains(out, "key ") {
		t.Fatalf("keygen: %d %q %q", code, out, errOut)
	}
	if fi, err := os.Stat(keys + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key file: %v %v", fi, err)
	}
	if code, _, errOut := runCmd(t, "-keygen", keys); code != 2 || !strings.Contains(errOut, "exists") {
		t.Errorf("keygen over existing files: %d %q", code, errOut)
	}
	pub, _ := os.ReadFile(keys + ".pub")
	if !strings.Contains(string(pub), `owner: "Ops"`) {
		t.Errorf("public key file:\n%s", pub)
	}

	tests := []struct {
		name   string
		change func(dir string) error
		code   int
		out    string
	}{
		{"unchanged", func(string) error { return nil }, 0, "OK: 4 files signed by key"},
		{"content changed", func(d string) error {
			return os.WriteFile(filepath.Join(d, "root/usr/bin/hello"), []byte("evil"), 0o644)
		}, 1, "root/usr/bin/hello: file does not match its signed hash"},
		{"file added", func(d string) error { return os.WriteFile(filepath.Join(d, "root/usr/bin/evil"), nil, 0o755) }, 1, "not covered"},
		{"file removed", func(d string) error { return os.Remove(filepath.Join(d, "deps.yaml")) }, 1, "deps.yaml: signed file is missing"},
		{"unsigned", func(d string) error { return os.Remove(filepath.Join(d, "manifest.sig")) }, 1, "not signed"},
		{"empty manifest.sig", func(d string) error { return os.WriteFile(filepath.Join(d, "manifest.sig"), nil, 0o644) }, 1, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writePackage(t)
			if code, out, errOut := runCmd(t, "-key", keys+".key", dir); code != 0 {
				t.Fatalf("sign: %d %q %q", code, out, errOut)
			}
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "-verify", keys+".pub", dir)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("verify: %d %q %q; want %d and %q", code, out, errOut, tc.code, tc.out)
			}
		})
	}
	dir := writePackage(t)
	runCmd(t, "-key", keys+".key", dir)
	if code, out, _ := runCmd(t, "-verify", filepath.Join(sigTestdata, "test.pub"), dir); code != 1 || !strings.Contains(out, "not trusted") {
		t.Errorf("verify with another key: %d %q", code, out)
	}
}

// TestUsage: bad command lines exit 2 with a reason, and nothing is written.
func TestUsage(t *testing.T) {
	dir := writePackage(t)
	for _, args := range [][]string{
		{},
		{dir},
		{"-key", "k", "-verify", "p", dir},
		{"-keygen", "x", dir},
		{"-key", filepath.Join(sigTestdata, "test.key")},
		{"-verify", "p", "-signer", "s", dir},
		{"-key", filepath.Join(sigTestdata, "test.key"), "-owner", "o", dir},
		{"-key", filepath.Join(sigTestdata, "test.pub"), dir},
		{"-key", filepath.Join(sigTestdata, "test.key"), filepath.Join(dir, "nonexistent")},
		{"-bogus"},
	} {
		if code, _, errOut := runCmd(t, args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.sig")); err == nil {
		t.Error("a failed command wrote manifest.sig")
	}
}
