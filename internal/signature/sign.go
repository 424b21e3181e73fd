package signature

import (
	"cmp"
	"crypto/ed25519"
	"fmt"
	"slices"
)

// SignOptions are manifest.sig's unsigned fields.
type SignOptions struct {
	// Signer is a free-text name written to manifest.sig; empty writes none.
	Signer string
	// Timestamp is written as the signing time, in Unix seconds.
	Timestamp int64
}

// Sign signs files (every regular file of the package, as for [TrustStore.Verify]; an entry
// for manifest.sig is skipped) with priv and returns the manifest.sig to write at the package's
// top. Files are listed in byte order of path, so the same package, key and options give the
// same bytes. A path [CheckPath] refuses, a path given twice, or a Signer with characters the
// format cannot carry is an error.
func Sign(priv ed25519.PrivateKey, files []File, opts SignOptions) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signing: private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	if opts.Signer != "" {
		if err := checkText(opts.Signer); err != nil {
			return nil, fmt.Errorf("signing: signer %q: %w", opts.Signer, err)
		}
	}
	list := make([]File, 0, len(files))
	for _, f := range files {
		if f.Path == FileName {
			continue
		}
		if err := CheckPath(f.Path); err != nil {
			return nil, fmt.Errorf("signing: path %q: %w", f.Path, err)
		}
		list = append(list, f)
	}
	slices.SortFunc(list, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	for i := 1; i < len(list); i++ {
		if list[i].Path == list[i-1].Path {
			return nil, fmt.Errorf("signing: path %q given twice", list[i].Path)
		}
	}
	m := Manifest{
		KeyID:     KeyID(priv.Public().(ed25519.PublicKey)),
		Signer:    opts.Signer,
		Timestamp: opts.Timestamp,
		Files:     list,
	}
	copy(m.Signature[:], ed25519.Sign(priv, Message(list)))
	return m.Marshal(), nil
}
