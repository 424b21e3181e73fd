package signature

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParseManifest: the parser never panics, and whatever it accepts writes out in upstream's
// layout and reads back identically.
func FuzzParseManifest(f *testing.F) {
	for _, name := range []string{"golden-sorted.sig", "golden-upstream-order.sig"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("version: 1\nalgorithm: ed25519\nkey_id: 0123456789abcdef\ntimestamp: 0\nsignature: " +
		string(bytes.Repeat([]byte("0"), 128)) + "\nfiles:\n  - path: \"a b\"\n    sha256: " + string(bytes.Repeat([]byte("1"), 64)) + "\n"))
	f.Add([]byte("files: [{path: x, sha256: y}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		out := m.Marshal()
		back, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-parsing Marshal output: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(m, back) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, back)
		}
		_ = Message(m.Files)
	})
}

// FuzzParsePublicKeyFile: never panics; an accepted file writes out and reads back the same key.
func FuzzParsePublicKeyFile(f *testing.F) {
	f.Add(readTestdata(f, "test.pub"))
	f.Add([]byte("key_id: D75A980182B10AB7\nkey_data: " + testPubHex + "\nowner: \"x\"\nexpires: 9\n"))
	f.Add([]byte("key_id: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePublicKeyFile("fuzz.pub", data)
		if err != nil {
			return
		}
		back, err := ParsePublicKeyFile("again.pub", MarshalPublicKeyFile(k))
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		if !reflect.DeepEqual(k, back) {
			t.Fatalf("round trip: %+v vs %+v", k, back)
		}
	})
}

// FuzzParsePublicKey: inline keys never panic, and an accepted one is 32 bytes with its id.
func FuzzParsePublicKey(f *testing.F) {
	f.Add(testPubHex)
	f.Add("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicKey(s)
		if err != nil {
			return
		}
		if len(k.Key) != 32 || k.ID != KeyID(k.Key) {
			t.Fatalf("accepted %q as %+v", s, k)
		}
	})
}

// FuzzParsePrivateKeyFile: never panics; an accepted key is consistent with its public half.
func FuzzParsePrivateKeyFile(f *testing.F) {
	f.Add(readTestdata(f, "test.key"))
	f.Add([]byte("key_id: x\nsecret_key: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		priv, err := ParsePrivateKeyFile("fuzz.key", data)
		if err != nil {
			return
		}
		if back, err := ParsePrivateKeyFile("again.key", MarshalPrivateKeyFile(priv)); err != nil || !back.Equal(priv) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
