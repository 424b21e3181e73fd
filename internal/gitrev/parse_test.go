package gitrev

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"strings"
	"testing"
)

// index builds an index from a header and raw entry bytes, with a correct checksum.
func index(version, count uint32, body []byte) []byte {
	b := []byte("DIRC")
	b = binary.BigEndian.AppendUint32(b, version)
	b = binary.BigEndian.AppendUint32(b, count)
	b = append(b, body...)
	sum := sha1.Sum(b)
	return append(b, sum[:]...)
}

// v4entry is one version-4 entry: stat data and object name zero, mode 100644.
func v4entry(strip byte, suffix string) []byte {
	e := make([]byte, 62)
	binary.BigEndian.PutUint32(e[24:], 0o100644)
	binary.BigEndian.PutUint16(e[60:], uint16(0xfff))
	e = append(e, strip)
	return append(append(e, suffix...), 0)
}

func TestParseIndexBounds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr string
		paths   string
	}{
		{"v4 prefix compression", index(4, 2, append(v4entry(0, "hosts/h1.hcl"), v4entry(6, "h2.hcl")...)), "", "hosts/h1.hcl hosts/h2.hcl"},
		{"v4 strips more than there is", index(4, 1, v4entry(3, "x")), "strips 3 bytes", ""},
		{"count cannot fit", index(2, 1<<30, nil), "cannot fit", ""},
		{"version 5", index(5, 0, nil), "version 5", ""},
		{"bad signature", append([]byte("DIRX"), make([]byte, 28)...), "signature", ""},
		{"extension past the end", index(2, 0, []byte("TREE\x00\x00\x10\x00")), "runs past the end", ""},
		{"required extension", index(2, 0, []byte("abcd\x00\x00\x00\x00")), "unsupported", ""},
		{"split index", index(2, 0, []byte("link\x00\x00\x00\x00")), "split index", ""},
		{"optional extension skipped", index(2, 0, []byte("ZZZZ\x00\x00\x00\x02hi")), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			_, err := parseIndex(bytes.NewReader(tc.in), int64(len(tc.in)), sha1Format, func(e *indexEntry) error {
				paths = append(paths, e.path)
				return nil
			})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if got := strings.Join(paths, " "); tc.wantErr == "" && got != tc.paths {
				t.Errorf("paths %q, want %q", got, tc.paths)
			}
		})
	}
}

func TestScanPackedRefs(t *testing.T) {
	const a, b = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	for _, tc := range []struct {
		name, in, want, wantErr string
	}{
		{"refs with a peeled tag", "# pack-refs with: peeled\n" + a + " refs/heads/main\n" + b + " refs/tags/v1\n^" + a + "\n", "refs/heads/main=" + a + " refs/tags/v1=" + b + "^" + a, ""},
		{"no header", a + " refs/heads/main\n", "refs/heads/main=" + a, ""},
		{"peeled line first", "^" + a + "\n", "", "line 1"},
		{"two peeled lines", a + " refs/tags/v1\n^" + a + "\n^" + a + "\n", "", "line 3"},
		{"comment later", a + " refs/heads/main\n# x\n", "", "line 2"},
		{"short hash", "abc refs/heads/main\n", "", "line 1"},
		{"escaping name", a + " refs/../x\n", "", `".."`},
		{"line too long", a + " refs/" + strings.Repeat("x", maxRefName) + "\n", "", "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := scanPackedRefs(strings.NewReader(tc.in), sha1Format, func(name, hash, peeled string) {
				s := name + "=" + hash
				if peeled != "" {
					s += "^" + peeled
				}
				got = append(got, s)
			})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr == "" && strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}
