package spec

import (
	"fmt"
	"math"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Attribute values are constants: no variables or functions exist in a configuration, so an
// expression that needs them fails with hcl's own diagnostic ("Variables not allowed").

// value evaluates a and converts it to ty, reporting why it cannot be used. ok is false when a
// diagnostic was added.
func (d *decoder) value(a *hcl.Attribute, ty cty.Type, want string) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		d.errorAt(a.Expr.Range(), &a.Range, "Null value",
			fmt.Sprintf("The argument %q is null. Remove it to use the default, or give it a value.", a.Name))
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		d.errorAt(a.Expr.Range(), &a.Range, "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for argument %q: %s is required, not %s.", a.Name, want, v.Type().FriendlyName()))
		return cty.NilVal, false
	}
	return cv, true
}

func (d *decoder) stringAttr(a *hcl.Attribute) (string, bool) {
	v, ok := d.value(a, cty.String, "a string")
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (d *decoder) boolAttr(a *hcl.Attribute) (bool, bool) {
	v, ok := d.value(a, cty.Bool, "a bool")
	if !ok {
		return false, false
	}
	return v.True(), true
}

// intAttr reads a whole number no smaller than lowest.
func (d *decoder) intAttr(a *hcl.Attribute, lowest int, why string) (int, bool) {
	v, ok := d.value(a, cty.Number, "a number")
	if !ok {
		return 0, false
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != big.Exact || n > math.MaxInt || n < int64(lowest) {
		d.errorAt(a.Expr.Range(), &a.Range, "Invalid "+a.Name,
			fmt.Sprintf("%s must be a whole number of at least %d (%s); got %s.", a.Name, lowest, why, bf.Text('g', 10)))
		return 0, false
	}
	return int(n), true
}

// errorAt adds an error diagnostic pointing at subject, shown within context if that is not nil.
func (d *decoder) errorAt(subject hcl.Range, context *hcl.Range, summary, detail string) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  subject.Ptr(),
		Context:  context,
	})
}
