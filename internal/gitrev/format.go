package gitrev

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
)

// objectFormat is a repository's hash algorithm (extensions.objectformat).
type objectFormat struct {
	name    string
	size    int // bytes in an object name
	newHash func() hash.Hash
}

var (
	sha1Format   = objectFormat{name: "sha1", size: sha1.Size, newHash: sha1.New}
	sha256Format = objectFormat{name: "sha256", size: sha256.Size, newHash: sha256.New}
)

func (f objectFormat) hexLen() int { return 2 * f.size }

// isHexName says s is an object name in this format: lower-case hex of the right length.
func (f objectFormat) isHexName(s string) bool {
	if len(s) != f.hexLen() {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
