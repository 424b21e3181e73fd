package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL layout (hclwrite's: indentation, aligned equals signs,
// spacing), or src's syntax errors, in which case the result is nil: a file that does not parse
// is never rewritten. filename is used in the diagnostics' ranges.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if d := checkShape(src, filename); d != nil {
		return nil, hcl.Diagnostics{d}
	}
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}
