package source

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// Trust is what a source directory's packages are checked against: its trusted keys and its
// signature policy (as configured; [signature.Policy.Effective] resolves the default).
type Trust struct {
	Keys   *signature.TrustStore
	Policy signature.Policy
}

// VerifySignatures holds pkgs to trust, as of now. It returns the packages to keep (copies,
// with SignedBy set to the verifying key's id where the signature verified), the refused ones
// as [*Error]s naming the package and wrapping the [*signature.Error] (left out, like any
// refused package, never blocking the others), and one warning per package kept in spite of a
// signature problem under the warn policy. Under off, every package is kept unchecked.
func VerifySignatures(pkgs []*Package, trust Trust, now time.Time) (kept []*Package, refused []*Error, warnings []string) {
	policy := trust.Policy.Effective(trust.Keys.Len() > 0)
	if policy == signature.Off {
		return pkgs, nil, nil
	}
	for _, p := range pkgs {
		v, err := trust.Keys.Verify(p.meta[signatureFile], p.signedFiles(), now)
		switch policy.Judge(err) {
		case signature.Accept:
			cp := *p
			cp.SignedBy = v.Key.ID
			kept = append(kept, &cp)
		case signature.AcceptWithWarning:
			kept = append(kept, p)
			warnings = append(warnings, fmt.Sprintf("package %q (%s) is used although its signature does not verify (signature policy warn): %v",
				p.Manifest.Name, p.Origin, err))
		default:
			refused = append(refused, &Error{Origin: p.Origin, Package: p.Manifest.Name, Err: err}) // err names the file
		}
	}
	return kept, refused, warnings
}

// signedFiles lists what a package's signature covers: every regular file of the package but
// manifest.sig, by path from its top, with its SHA-256.
func (p *Package) signedFiles() []signature.File {
	var out []signature.File
	for _, name := range []string{manifestFile, depsFile, provenanceFile} {
		if b, ok := p.meta[name]; ok {
			out = append(out, signature.File{Path: name, SHA256: sha256.Sum256(b)})
		}
	}
	for _, f := range p.Files {
		if f.Type == Regular {
			out = append(out, signature.File{Path: rootDir + "/" + f.Path, SHA256: f.SHA256})
		}
	}
	for _, f := range p.extra {
		out = append(out, signature.File{Path: f.Path, SHA256: f.SHA256})
	}
	return out
}
