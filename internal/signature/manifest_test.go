package signature

import (
	"errors"
	"strings"
	"testing"
)

// goldenLines returns golden-sorted.sig, with the line starting with prefix replaced by
// repl (a whole line, or "" to drop it); with no prefix, unchanged.
func goldenWith(t *testing.T, prefix, repl string) []byte {
	t.Helper()
	data := string(readTestdata(t, "golden-sorted.sig"))
	if prefix == "" {
		return []byte(data)
	}
	lines := strings.SplitAfter(data, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			if repl != "" {
				repl += "\n"
			}
			lines[i] = repl
			return []byte(strings.Join(lines, ""))
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return nil
}

// TestParseManifestRefuses: everything the format does not allow is refused as malformed, with
// a message saying what.
func TestParseManifestRefuses(t *testing.T) {
	const hello = `  - path: "root/usr/bin/hello"`
	tests := []struct {
		name   string
		data   []byte
		detail string
	}{
		{"too large", make([]byte, MaxManifestSize+1), "at most"},
		{"two documents", append(goldenWith(t, "", ""), "---\nversion: 1\n"...), "more than one"},
		{"a list", []byte("- version: 1\n"), "not a YAML mapping"},
		{"a scalar", []byte("hello\n"), "not a YAML mapping"},
		{"anchor and alias", goldenWith(t, "timestamp:", "timestamp: &t 1\nx: *t"), "anchors and aliases"},
		{"explicit tag", goldenWith(t, "key_id:", "key_id: !!str D75A980182B10AB7"), "explicit tag"},
		{"repeated key", goldenWith(t, "timestamp:", "timestamp: 1\ntimestamp: 2"), "already defined"},
		{"unknown key", goldenWith(t, "timestamp:", "timestamp: 1\nexpires: 2"), "expires"},
		{"no version", goldenWith(t, "version:", ""), "no version"},
		{"version 2", goldenWith(t, "version:", "version: 2"), "version 2"},
		{"no algorithm", goldenWith(t, "algorithm:", ""), "no algorithm"},
		{"other algorithm", goldenWith(t, "algorithm:", "algorithm: rsa"), `"rsa"`},
		{"no key_id", goldenWith(t, "key_id:", ""), "no key_id"},
		{"short key_id", goldenWith(t, "key_id:", "key_id: D75A980182B10AB"), "key_id"},
		{"key_id not hex", goldenWith(t, "key_id:", "key_id: D75A980182B10ABZ"), "key_id"},
		{"no timestamp", goldenWith(t, "timestamp:", ""), "no timestamp"},
		{"timestamp not a number", goldenWith(t, "timestamp:", "timestamp: yesterday"), "cannot unmarshal"},
		{"no signature", goldenWith(t, "signature:", ""), "no signature"},
		{"short signature", goldenWith(t, "signature:", "signature: abcd"), "want 128"},
		{"signature not hex", goldenWith(t, "signature:", "signature: "+strings.Repeat("g", 128)), "not hexadecimal"},
		{"signer with quote", goldenWith(t, "signer:", `signer: "a \"b\""`), "signer"},
		{"signer with tab", goldenWith(t, "signer:", `signer: "a\tb"`), "control character"},
		{"file without path", goldenWith(t, hello, `  - name: "x"`), "name"},
		{"file without hash", goldenWith(t, hello, hello+"\n  - path: \"x\""), "no sha256"},
		{"short hash", goldenWith(t, "    sha256: 568c", "    sha256: 568c"), "want 64"},
		{"path listed twice", goldenWith(t, hello, `  - path: "manifest.yaml"`), "listed twice"},
		{"path with ..", goldenWith(t, hello, `  - path: "root/../etc/passwd"`), `".." component`},
		{"absolute path", goldenWith(t, hello, `  - path: "/etc/passwd"`), "not clean"},
		{"path with ./", goldenWith(t, hello, `  - path: "./root/usr/bin/hello"`), `"." component`},
		{"trailing slash", goldenWith(t, hello, `  - path: "root/usr/bin/"`), "not clean"},
		{"empty path", goldenWith(t, hello, `  - path: ""`), "empty"},
		{"manifest.sig listed", goldenWith(t, hello, `  - path: "manifest.sig"`), "cannot sign itself"},
		{"path with backslash", goldenWith(t, hello, `  - path: "root\\bin"`), "contains"},
		{"path with newline", goldenWith(t, hello, `  - path: "root/a\nb"`), "control character"},
		{"path with C1 control", goldenWith(t, hello, `  - path: "root/a\u0085b"`), "control character"},
		{"path not a string", goldenWith(t, hello, `  - path: [a]`), "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest(tc.data)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseManifest error = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.detail) || !strings.HasPrefix(err.Error(), "manifest.sig: ") {
				t.Errorf("message %q: want prefix manifest.sig: and %q", err, tc.detail)
			}
		})
	}
}

// TestParseManifestAccepts: what upstream writes or tolerates and this package defines as
// acceptable, including scalars YAML would otherwise read as numbers.
func TestParseManifestAccepts(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		check func(*Manifest) bool
	}{
		{"golden", goldenWith(t, "", ""), func(m *Manifest) bool { return len(m.Files) == 4 }},
		{"lower-case key id", goldenWith(t, "key_id:", "key_id: d75a980182b10ab7"), func(m *Manifest) bool { return m.KeyID == testKeyID }},
		{"all-digit key id keeps its zeros", goldenWith(t, "key_id:", "key_id: 0123456789012345"), func(m *Manifest) bool { return m.KeyID == "0123456789012345" }},
		{"float-like key id", goldenWith(t, "key_id:", "key_id: 1E10000000000000"), func(m *Manifest) bool { return m.KeyID == "1E10000000000000" }},
		{"all-digit hash", goldenWith(t, "    sha256: 568c", "    sha256: "+strings.Repeat("0123456789", 6)+"0123"), func(m *Manifest) bool {
			return m.Files[0].SHA256[0] == 0x01 && m.Files[0].SHA256[31] == 0x23
		}},
		{"upper-case hash", goldenWith(t, "    sha256: 568c", "    sha256: 568C092A1D4F28424E3DF8D8AA2D2FC738E14C32D8854F970D69BB480E476AFD"), func(m *Manifest) bool {
			return m.Files[0] == hashed("deps.yaml")
		}},
		{"no signer", goldenWith(t, "signer:", ""), func(m *Manifest) bool { return m.Signer == "" }},
		{"unquoted path", goldenWith(t, `  - path: "deps.yaml"`, `  - path: deps.yaml`), func(m *Manifest) bool { return m.Files[0].Path == "deps.yaml" }},
		{"no files", []byte("version: 1\nalgorithm: ed25519\nkey_id: D75A980182B10AB7\ntimestamp: 0\nsignature: " + strings.Repeat("ab", 64) + "\nfiles:\n"), func(m *Manifest) bool { return len(m.Files) == 0 }},
		{"CRLF line ends", []byte(strings.ReplaceAll(string(goldenWith(t, "", "")), "\n", "\r\n")), func(m *Manifest) bool { return len(m.Files) == 4 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(m) {
				t.Errorf("parsed %+v", m)
			}
		})
	}
}

// TestCheckPath: the path rules, directly.
func TestCheckPath(t *testing.T) {
	for p, ok := range map[string]bool{
		"manifest.yaml":                   true,
		"root/usr/bin/hello":              true,
		"root/a b/c:d/#e":                 true,
		"root/caf\u00e9":                  true,
		"root/manifest.sig":               true, // only the top-level one is the signature
		"":                                false,
		"/abs":                            false,
		"a//b":                            false,
		"a/./b":                           false,
		"a/../b":                          false,
		"a/":                              false,
		"manifest.sig":                    false,
		"a\"b":                            false,
		"a\\b":                            false,
		"a\x00b":                          false,
		"a\x7fb":                          false,
		"a\xffb":                          false,
		"a\u2028b":                        false,
		strings.Repeat("a", MaxPathLen):   true,
		strings.Repeat("a", MaxPathLen+1): false,
	} {
		if err := CheckPath(p); (err == nil) != ok {
			t.Errorf("CheckPath(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}

// TestSignRefuses: Sign will not write what it could not read back.
func TestSignRefuses(t *testing.T) {
	priv := testKey(t)
	for name, tc := range map[string]struct {
		files  []File
		signer string
		key    []byte
	}{
		"bad path":      {files: []File{{Path: "../x"}}},
		"quote in path": {files: []File{{Path: `a"b`}}},
		"twice":         {files: []File{{Path: "a"}, {Path: "a", SHA256: [32]byte{1}}}},
		"bad signer":    {signer: "a\nb"},
		"short key":     {key: []byte(priv[:32])},
	} {
		key := priv
		if tc.key != nil {
			key = tc.key
		}
		if _, err := Sign(key, tc.files, SignOptions{Signer: tc.signer}); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
	}
	sig, err := Sign(priv, []File{{Path: FileName}, {Path: "a"}}, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ParseManifest(sig); err != nil || len(m.Files) != 1 || m.Files[0].Path != "a" {
		t.Errorf("manifest.sig not skipped: %v %+v", err, m)
	}
}
