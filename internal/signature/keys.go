package signature

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// Key constants.
const (
	// KeyIDLen is the length of a key id: 16 upper-case hexadecimal digits.
	KeyIDLen = 16
	// MaxKeyFileSize bounds a public or secret key file.
	MaxKeyFileSize = 64 << 10
	// inlineSource names an inline key in errors.
	inlineSource = "inline key"
)

// KeyID returns the id of an Ed25519 public key: its first 8 bytes in upper-case hexadecimal.
func KeyID(pub ed25519.PublicKey) string {
	return strings.ToUpper(hex.EncodeToString(pub[:8]))
}

// parseKeyID checks a key id (16 hexadecimal digits of either case) and returns it upper-case.
func parseKeyID(s string) (string, error) {
	if len(s) != KeyIDLen {
		return "", fmt.Errorf("%q is not %d hexadecimal digits", s, KeyIDLen)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", fmt.Errorf("%q is not %d hexadecimal digits", s, KeyIDLen)
	}
	return strings.ToUpper(s), nil
}

// PublicKey is a trusted Ed25519 public key with upstream's descriptive fields.
type PublicKey struct {
	// ID is [KeyID](Key), always derived from the key.
	ID  string
	Key ed25519.PublicKey
	// Owner and Email describe the key's holder; empty when unknown.
	Owner, Email string
	// Created is when the key was made, in Unix seconds; 0 when unknown.
	Created int64
	// Expires is when the key stops being trusted, in Unix seconds; 0 for never.
	Expires int64
}

// Expired reports whether k has expired at now.
func (k PublicKey) Expired(now time.Time) bool {
	return k.Expires != 0 && now.Unix() > k.Expires
}

// newPublicKey wraps 32 key bytes.
func newPublicKey(b []byte) PublicKey {
	key := ed25519.PublicKey(bytes.Clone(b))
	return PublicKey{ID: KeyID(key), Key: key}
}

// ParsePublicKey parses an inline public key, as written in configuration: the 32 key bytes as
// 64 hexadecimal digits (upstream's key_data) or in standard base64, padded or not.
func ParsePublicKey(s string) (PublicKey, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	switch len(s) {
	case 2 * ed25519.PublicKeySize:
		b, err = hex.DecodeString(s)
	case base64.StdEncoding.EncodedLen(ed25519.PublicKeySize):
		b, err = base64.StdEncoding.Strict().DecodeString(s)
	case base64.RawStdEncoding.EncodedLen(ed25519.PublicKeySize):
		b, err = base64.RawStdEncoding.Strict().DecodeString(s)
	default:
		return PublicKey{}, malformed(inlineSource, "%d characters; want 64 hexadecimal digits or 44 base64 characters for a 32-byte Ed25519 key", len(s))
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return PublicKey{}, malformed(inlineSource, "not a 32-byte Ed25519 key in hexadecimal or base64")
	}
	return newPublicKey(b), nil
}

// rawPublicKey is upstream's public key file (axiom key-generate's NAME.pub).
type rawPublicKey struct {
	KeyID   *string `yaml:"key_id"`
	KeyData *string `yaml:"key_data"`
	Owner   *string `yaml:"owner"`
	Email   *string `yaml:"email"`
	Created *int64  `yaml:"created"`
	Expires *int64  `yaml:"expires"`
}

// ParsePublicKeyFile parses a public key file in upstream's format (see the package
// documentation). name is used in errors. The key_id it states must be the one derived from
// key_data.
func ParsePublicKeyFile(name string, data []byte) (PublicKey, error) {
	if len(data) > MaxKeyFileSize {
		return PublicKey{}, malformed(name, "%d bytes; at most %d are allowed", len(data), MaxKeyFileSize)
	}
	var raw rawPublicKey
	if err := decodeStrict(data, &raw); err != nil {
		return PublicKey{}, malformed(name, "%v", err)
	}
	if raw.KeyID == nil || raw.KeyData == nil {
		return PublicKey{}, malformed(name, "key_id and key_data are required")
	}
	var b [ed25519.PublicKeySize]byte
	if err := decodeHex(b[:], *raw.KeyData); err != nil {
		return PublicKey{}, malformed(name, "key_data: %v", err)
	}
	k := newPublicKey(b[:])
	if id, err := parseKeyID(*raw.KeyID); err != nil || id != k.ID {
		return PublicKey{}, malformed(name, "key_id %q is not the id of key_data, %s", *raw.KeyID, k.ID)
	}
	for _, f := range []struct {
		name string
		p    *string
	}{{"owner", raw.Owner}, {"email", raw.Email}} {
		if f.p == nil {
			continue
		}
		if err := checkText(*f.p); err != nil {
			return PublicKey{}, malformed(name, "%s: %v", f.name, err)
		}
	}
	k.Owner, k.Email = deref(raw.Owner), deref(raw.Email)
	if raw.Created != nil {
		k.Created = *raw.Created
	}
	if raw.Expires != nil {
		if *raw.Expires <= 0 {
			return PublicKey{}, malformed(name, "expires must be a positive Unix time")
		}
		k.Expires = *raw.Expires
	}
	return k, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// MarshalPublicKeyFile writes k in upstream's public key file layout.
func MarshalPublicKeyFile(k PublicKey) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Axiom Public Key\nkey_id: %s\nkey_data: %x\n", KeyID(k.Key), []byte(k.Key))
	if k.Owner != "" {
		fmt.Fprintf(&b, "owner: \"%s\"\n", k.Owner)
	}
	if k.Email != "" {
		fmt.Fprintf(&b, "email: \"%s\"\n", k.Email)
	}
	fmt.Fprintf(&b, "created: %d\n", k.Created)
	if k.Expires != 0 {
		fmt.Fprintf(&b, "expires: %d\n", k.Expires)
	}
	return []byte(b.String())
}

// rawSecretKey is upstream's secret key file (axiom key-generate's NAME.key).
type rawSecretKey struct {
	KeyID     *string `yaml:"key_id"`
	SecretKey *string `yaml:"secret_key"`
}

// ParsePrivateKeyFile parses a secret key file in upstream's format: key_id and secret_key, the
// 64-byte Ed25519 private key (seed followed by public key) in hexadecimal. The public half
// must be the one the seed derives, and key_id its id.
func ParsePrivateKeyFile(name string, data []byte) (ed25519.PrivateKey, error) {
	if len(data) > MaxKeyFileSize {
		return nil, malformed(name, "%d bytes; at most %d are allowed", len(data), MaxKeyFileSize)
	}
	var raw rawSecretKey
	if err := decodeStrict(data, &raw); err != nil {
		return nil, malformed(name, "%v", err)
	}
	if raw.KeyID == nil || raw.SecretKey == nil {
		return nil, malformed(name, "key_id and secret_key are required")
	}
	var b [ed25519.PrivateKeySize]byte
	if err := decodeHex(b[:], *raw.SecretKey); err != nil {
		return nil, malformed(name, "secret_key: %v", err)
	}
	priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
	if !bytes.Equal(priv[ed25519.SeedSize:], b[ed25519.SeedSize:]) {
		return nil, malformed(name, "secret_key: the public half is not the one its seed derives")
	}
	id := KeyID(priv.Public().(ed25519.PublicKey))
	if got, err := parseKeyID(*raw.KeyID); err != nil || got != id {
		return nil, malformed(name, "key_id %q is not the id of secret_key, %s", *raw.KeyID, id)
	}
	return priv, nil
}

// MarshalPrivateKeyFile writes priv in upstream's secret key file layout. Keep it private
// (mode 0600).
func MarshalPrivateKeyFile(priv ed25519.PrivateKey) []byte {
	id := KeyID(priv.Public().(ed25519.PublicKey))
	return fmt.Appendf(nil, "# Axiom Secret Key - KEEP PRIVATE!\nkey_id: %s\nsecret_key: %x\n", id, []byte(priv))
}

// GenerateKey makes a new key pair from rand (crypto/rand.Reader in production).
func GenerateKey(rand io.Reader) (PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return PublicKey{}, nil, fmt.Errorf("generating an Ed25519 key: %w", err)
	}
	return newPublicKey(pub), priv, nil
}
