package spec

import (
	"fmt"
	"math"
	"math/big"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Attribute values are constants: no variables or functions exist in a configuration, so an
// expression that needs them fails with hcl's own diagnostic ("Variables not allowed").
//
// Each attribute takes exactly one type. hcl would convert between them (5 to "5", "true" to
// true), but a conversion here silently changes what was written: the number 2.40 is 2.4, so
// `version = 2.40` would become the exact constraint 2.4.0. A value of another type is an error
// that says what was expected and, where the fix is obvious, what to write instead.

// value evaluates a and requires its type to be ty, which want names for people. hint, if not
// nil, may add a suggestion for a value of the wrong type; it gets the value and the
// expression's source text. ok is false when a diagnostic was added.
func (d *decoder) value(a *hcl.Attribute, ty cty.Type, want string, hint func(v cty.Value, src string) string) (cty.Value, bool) {
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
	if !v.Type().Equals(ty) {
		detail := fmt.Sprintf("Inappropriate value for argument %q: %s is required, not %s.", a.Name, want, v.Type().FriendlyName())
		if hint != nil && v.IsKnown() {
			if h := hint(v, d.sourceText(a.Expr.Range())); h != "" {
				detail += " " + h
			}
		}
		d.errorAt(a.Expr.Range(), &a.Range, "Incorrect attribute value type", detail)
		return cty.NilVal, false
	}
	return v, true
}

// sourceText returns the text of r as written, or "" if the file is not known.
func (d *decoder) sourceText(r hcl.Range) string {
	src := d.src[r.Filename]
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(src[r.Start.Byte:r.End.Byte])
}

// bareLiteral matches a number or bool written without quotes, the values that a missing pair
// of quotes turns a string into.
var bareLiteral = regexp.MustCompile(`^(-?[0-9][0-9.]*([eE][+-]?[0-9]+)?|true|false)$`)

// quoteHint suggests quoting a bare number or bool where a string is wanted, showing the text as
// written: the value of 2.40 is 2.4, and that is not what its author meant.
func quoteHint(v cty.Value, src string) string {
	if v.Type() != cty.Number && v.Type() != cty.Bool || !bareLiteral.MatchString(src) {
		return ""
	}
	return fmt.Sprintf("Did you mean %q? Strings are written in double quotes.", src)
}

// unquoteHint suggests dropping the quotes of a string that holds a value of type ty.
func unquoteHint(ty cty.Type) func(v cty.Value, src string) string {
	return func(v cty.Value, _ string) string {
		if v.Type() != cty.String {
			return ""
		}
		s := v.AsString()
		switch {
		case ty == cty.Number && bareLiteral.MatchString(s) && s != "true" && s != "false":
		case ty == cty.Bool && (s == "true" || s == "false"):
		default:
			return ""
		}
		return fmt.Sprintf("Did you mean %s, without quotes?", s)
	}
}

// stringAttr reads a string attribute; a bare number or bool gets a suggestion to quote it.
func (d *decoder) stringAttr(a *hcl.Attribute) (string, bool) {
	return d.stringAttrHint(a, quoteHint)
}

// stringAttrHint is stringAttr with its own suggestion for a value of the wrong type.
func (d *decoder) stringAttrHint(a *hcl.Attribute, hint func(v cty.Value, src string) string) (string, bool) {
	v, ok := d.value(a, cty.String, "a string", hint)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (d *decoder) boolAttr(a *hcl.Attribute) (bool, bool) {
	v, ok := d.value(a, cty.Bool, "a bool (true or false)", unquoteHint(cty.Bool))
	if !ok {
		return false, false
	}
	return v.True(), true
}

// intAttr reads a whole number no smaller than lowest.
func (d *decoder) intAttr(a *hcl.Attribute, lowest int, why string) (int, bool) {
	v, ok := d.value(a, cty.Number, "a number", unquoteHint(cty.Number))
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
	d.diagAt(hcl.DiagError, subject, context, summary, detail)
}

// warningAt adds a warning diagnostic: something valid that is very likely not what was meant.
func (d *decoder) warningAt(subject hcl.Range, context *hcl.Range, summary, detail string) {
	d.diagAt(hcl.DiagWarning, subject, context, summary, detail)
}

func (d *decoder) diagAt(sev hcl.DiagnosticSeverity, subject hcl.Range, context *hcl.Range, summary, detail string) {
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: subject.Ptr(), Context: context})
}
