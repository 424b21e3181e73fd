package failpoint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"
)

// Names are unique and shaped area/what; that each one is reached is proven by the crash test
// (cmd/axiom-reconcile, TestCrashAtEveryFailpointReal, realzfs and failpoints tags).
func TestNames(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z-]+/[a-z-]+$`)
	seen := map[string]bool{}
	for _, n := range Names() {
		if seen[n] || !shape.MatchString(n) {
			t.Errorf("failpoint %q is duplicated or misshapen", n)
		}
		seen[n] = true
	}
	if len(seen) < 20 {
		t.Errorf("only %d failpoints", len(seen))
	}
}

// Every failpoint constant declared in this package is in Names, the list the crash test walks:
// one added without being listed would never be crashed at. The constants are read from the
// source, so this fails for a new one as soon as it is declared.
func TestNamesListsEveryConstant(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "failpoint.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, n := range Names() {
		listed[n] = true
	}
	declared := 0
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING || name.Name == "Env" {
					continue
				}
				value, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				declared++
				if !listed[value] {
					t.Errorf("failpoint %s (%q) is not in Names(), so the crash test never reaches it", name.Name, value)
				}
			}
		}
	}
	if declared != len(listed) {
		t.Errorf("%d failpoint constants declared, %d listed in Names()", declared, len(listed))
	}
}
