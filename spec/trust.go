package spec

import (
	"fmt"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
)

// trust decodes a source's signature settings: trusted_keys (key files, relative to the
// declaring file's directory, in upstream's NAME.pub format), trusted_key_data (keys written
// inline, 64 hexadecimal digits or base64) and signatures (the policy).
func (d *decoder) trust(s *Source, content *hcl.BodyContent, fileDir string) {
	keyErrs := false
	if a, ok := content.Attributes["trusted_keys"]; ok {
		for i, p := range d.stringListAttr(a) {
			if !filepath.IsAbs(p) {
				p = filepath.Join(fileDir, p)
			}
			b, err := readLimited(newDirFS(filepath.Dir(p)), filepath.Base(p))
			if err == nil {
				var k signature.PublicKey
				if k, err = signature.ParsePublicKeyFile(p, b); err == nil {
					s.TrustedKeys = append(s.TrustedKeys, k)
					continue
				}
			}
			d.errorAt(a.Expr.Range(), &a.Range, "Invalid trusted key file", fmt.Sprintf("Element %d of trusted_keys: %v.", i, err))
			keyErrs = true
		}
	}
	if a, ok := content.Attributes["trusted_key_data"]; ok {
		for i, v := range d.stringListAttr(a) {
			k, err := signature.ParsePublicKey(v)
			if err != nil {
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid trusted key", fmt.Sprintf("Element %d of trusted_key_data: %v.", i, err))
				keyErrs = true
				continue
			}
			s.TrustedKeys = append(s.TrustedKeys, k)
		}
	}
	if a, ok := content.Attributes["signatures"]; ok {
		s.SignaturesRange = a.Expr.Range()
		if v, ok := d.stringAttr(a); ok {
			p, err := signature.ParsePolicy(v)
			switch {
			case err != nil || v == "":
				d.errorAt(a.Expr.Range(), &a.Range, "Invalid signature policy",
					`signatures must be "require" (refuse packages that are not signed by a trusted key), "warn" (use them, with a warning) or "off".`)
			case p == signature.Require && len(s.TrustedKeys) == 0 && !keyErrs:
				d.errorAt(a.Expr.Range(), &a.Range, "No trusted keys",
					`signatures = "require" with no trusted_keys or trusted_key_data would refuse every package of this source. Name the keys packages are signed with.`)
			default:
				s.Signatures = p
			}
		}
	}
}

// stringListAttr reads a list of strings, written as ["a", "b"].
func (d *decoder) stringListAttr(a *hcl.Attribute) []string {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	ty := v.Type()
	if v.IsNull() || !(ty.IsTupleType() || ty.IsListType()) {
		d.errorAt(a.Expr.Range(), &a.Range, "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for argument %q: a list of strings is required, such as [\"a\", \"b\"].", a.Name))
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || !e.Type().Equals(cty.String) {
			d.errorAt(a.Expr.Range(), &a.Range, "Incorrect attribute value type",
				fmt.Sprintf("Inappropriate value for argument %q: every element must be a string.", a.Name))
			return nil
		}
		out = append(out, e.AsString())
	}
	return out
}
