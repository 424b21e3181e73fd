package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const testPubHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

// TestParsePublicKey: the inline forms configuration accepts, and what it refuses.
func TestParsePublicKey(t *testing.T) {
	raw, _ := hex.DecodeString(testPubHex)
	for name, tc := range map[string]struct {
		in string
		ok bool
	}{
		"hex":                  {testPubHex, true},
		"upper-case hex":       {strings.ToUpper(testPubHex), true},
		"hex with spaces":      {"  " + testPubHex + "\n", true},
		"base64":               {base64.StdEncoding.EncodeToString(raw), true},
		"unpadded base64":      {base64.RawStdEncoding.EncodeToString(raw), true},
		"empty":                {"", false},
		"short hex":            {testPubHex[:62], false},
		"hex with a g":         {"g" + testPubHex[1:], false},
		"url base64":           {strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))), false},
		"base64 of 31 bytes":   {base64.StdEncoding.EncodeToString(raw[:31]) + "AA", false},
		"base64 non-canonical": {base64.RawStdEncoding.EncodeToString(raw)[:42] + "B", false},
	} {
		k, err := ParsePublicKey(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", name, err, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "inline key: ") {
				t.Errorf("%s: error %q", name, err)
			}
			continue
		}
		if !bytes.Equal(k.Key, raw) || k.ID != testKeyID {
			t.Errorf("%s: key %x id %s", name, k.Key, k.ID)
		}
	}
}

// TestPublicKeyFile: upstream's key file reads, round trips, and bad ones are refused with the
// file's name.
func TestPublicKeyFile(t *testing.T) {
	data := readTestdata(t, "test.pub")
	k, err := ParsePublicKeyFile("test.pub", data)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != testKeyID || hex.EncodeToString(k.Key) != testPubHex || k.Created != 1735689600 {
		t.Errorf("parsed %+v", k)
	}
	if got := MarshalPublicKeyFile(k); !bytes.Equal(got, data) {
		t.Errorf("Marshal differs:\n%s", got)
	}
	full := k
	full.Owner, full.Email, full.Expires = "Release Team", "release@example.org", 1798761600
	back, err := ParsePublicKeyFile("full.pub", MarshalPublicKeyFile(full))
	if err != nil || back.Owner != full.Owner || back.Email != full.Email || back.Expires != full.Expires {
		t.Errorf("round trip: %+v, %v", back, err)
	}

	base := string(data)
	for name, in := range map[string]string{
		"too large":        strings.Repeat("#", MaxKeyFileSize+1),
		"empty":            "",
		"no key_data":      "key_id: " + testKeyID + "\n",
		"no key_id":        "key_data: " + testPubHex + "\n",
		"wrong key_id":     strings.Replace(base, testKeyID, "0000000000000000", 1),
		"short key_data":   strings.Replace(base, testPubHex, testPubHex[:60], 1),
		"unknown field":    base + "trusted: true\n",
		"quote in owner":   base + `owner: "a \"b\""` + "\n",
		"expires zero":     base + "expires: 0\n",
		"two documents":    base + "---\n" + base,
		"alias":            "key_id: &a " + testKeyID + "\nkey_data: *a\n",
		"created not int":  strings.Replace(base, "1735689600", "soon", 1),
		"upstream toml":    "[[key]]\nkey_id = \"" + testKeyID + "\"\n",
		"key_data as list": "key_id: " + testKeyID + "\nkey_data: [1]\n",
	} {
		_, err := ParsePublicKeyFile("bad.pub", []byte(in))
		if !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "bad.pub: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// upstream writes key ids upper-case but its lookups would take either
	if _, err := ParsePublicKeyFile("lower.pub", []byte(strings.ToLower(base))); err != nil {
		t.Errorf("lower-case key id: %v", err)
	}
}

// TestPrivateKeyFile: upstream's secret key file reads back to the RFC 8032 key; a file whose
// halves or id do not belong together is refused.
func TestPrivateKeyFile(t *testing.T) {
	data := readTestdata(t, "test.key")
	priv, err := ParsePrivateKeyFile("test.key", data)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Equal(testKey(t)) {
		t.Error("parsed key is not the test key")
	}
	if got := MarshalPrivateKeyFile(priv); !bytes.Equal(got, data) {
		t.Errorf("Marshal differs:\n%s", got)
	}
	other := hex.EncodeToString(otherKey(t).Public().(ed25519.PublicKey))
	base := string(data)
	for name, in := range map[string]string{
		"mismatched halves": strings.Replace(base, testPubHex, other, 1),
		"wrong key_id":      strings.Replace(base, testKeyID, "0000000000000000", 1),
		"no key_id":         "secret_key: " + hex.EncodeToString(priv) + "\n",
		"seed only":         strings.Replace(base, testPubHex, "", 1),
		"public key file":   string(readTestdata(t, "test.pub")),
	} {
		if _, err := ParsePrivateKeyFile("bad.key", []byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestGenerateKey: a generated pair signs and verifies, and its files read back.
func TestGenerateKey(t *testing.T) {
	pub, priv, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKeyFile("gen.key", MarshalPrivateKeyFile(priv))
	if err != nil || !back.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	pub2, err := ParsePublicKeyFile("gen.pub", MarshalPublicKeyFile(pub))
	if err != nil || !pub2.Key.Equal(pub.Key) || pub2.ID != KeyID(priv.Public().(ed25519.PublicKey)) {
		t.Fatalf("public key round trip: %+v %v", pub2, err)
	}
	sig, err := Sign(priv, testFiles(), SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTrustStore(pub2).Verify(sig, testFiles(), testNow); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if _, _, err := GenerateKey(bytes.NewReader(nil)); err == nil {
		t.Error("GenerateKey with an empty reader succeeded")
	}
}
