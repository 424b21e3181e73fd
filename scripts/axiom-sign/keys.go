package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// keygen writes a new key pair to o.keygen.key and o.keygen.pub, refusing to replace either.
func keygen(o options, now time.Time, stdout io.Writer) error {
	pub, priv, err := signature.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pub.Owner, pub.Email, pub.Created = o.owner, o.email, now.Unix()
	pubFile := signature.MarshalPublicKeyFile(pub)
	if _, err := signature.ParsePublicKeyFile(o.keygen+".pub", pubFile); err != nil {
		return fmt.Errorf("-owner or -email: %w", err)
	}
	if err := writeNew(o.keygen+".key", signature.MarshalPrivateKeyFile(priv), 0o600); err != nil {
		return err
	}
	if err := writeNew(o.keygen+".pub", pubFile, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s: secret key %s.key (keep private), public key %s.pub\n", pub.ID, o.keygen, o.keygen)
	return nil
}

// writeNew creates path, which must not exist, with data.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readBounded reads a key file of at most signature.MaxKeyFileSize bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil // the parsers refuse more than limit bytes
}

func loadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := readBounded(path, signature.MaxKeyFileSize)
	if err != nil {
		return nil, err
	}
	return signature.ParsePrivateKeyFile(path, data)
}

func loadPublicKey(path string) (signature.PublicKey, error) {
	data, err := readBounded(path, signature.MaxKeyFileSize)
	if err != nil {
		return signature.PublicKey{}, err
	}
	return signature.ParsePublicKeyFile(path, data)
}
