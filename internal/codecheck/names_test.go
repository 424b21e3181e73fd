package codecheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// Snapshot names (<dataset>@<short>) are made and taken apart by package layout only
// (layout.Dataset.Snapshot, layout.Snapshot.Dataset and Short, layout.ParseSnapshot), so that
// the format has one owner and a name's type says what it is. These directories handle '@' for
// their own reasons and are not checked:
var handMadeNameExempt = map[string]string{
	"internal/layout": "it owns the names",
	"internal/zfs":    "the boundary: it checks and splits the names ZFS is given and reports, as strings",
	"internal/gitrev": "git's ref syntax (@{...}), not ZFS names",
}

// TestNoHandMadeSnapshotNames walks every non-test Go file of the module outside the exempt
// directories and fails for each place that builds or cuts a name with '@' by hand (handMadeName).
func TestNoHandMadeSnapshotNames(t *testing.T) {
	exempt := func(rel string) bool { _, ok := handMadeNameExempt[rel]; return ok }
	eachGoFile(t, exempt, func(fset *token.FileSet, p string, f *ast.File) {
		for _, at := range handMadeNames(fset, f) {
			t.Errorf("%s: a name made or cut by hand; use package layout's name types", at)
		}
	})
}

// handMadeNames returns the positions in f where a name is joined or cut at '@' by hand: a
// literal that begins or ends with '@' ("@", "@installed") concatenated (+) or passed to a
// function of strings, path or filepath (Cut, Contains, TrimSuffix, Split...), the rune '@'
// passed to one, or a format of fmt.Sprint* that joins two values with '@' ("%s@%s"). Messages
// that mention '@' ("%s has no @installed", a list of allowed characters) are none of these.
func handMadeNames(fset *token.FileSet, f *ast.File) []string {
	var out []string
	flag := func(e ast.Expr, joins func(string) bool) {
		if s, ok := literal(e); ok && joins(s) {
			out = append(out, fset.Position(e.Pos()).String())
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op == token.ADD {
				flag(n.X, atEnd)
				flag(n.Y, atEnd)
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch {
			case pkg.Name == "strings" || pkg.Name == "path" || pkg.Name == "filepath":
				for _, a := range n.Args {
					flag(a, atEnd)
				}
			case pkg.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Sprint") && len(n.Args) > 0:
				flag(n.Args[0], func(s string) bool { return strings.Contains(s, "s@%") || strings.Contains(s, "v@%") })
			}
		}
		return true
	})
	return out
}

// atEnd reports whether s begins or ends with '@': a separator about to join or cut a name.
func atEnd(s string) bool { return strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@") }

// literal returns the value of a string or rune literal.
func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING && lit.Kind != token.CHAR {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// The check itself: each way of making or cutting a name by hand is found, and messages are not.
func TestHandMadeNames(t *testing.T) {
	src := `package p

import ("fmt"; "strings")

func bad(ds, snap string) {
	_ = ds + "@" + snap
	_ = ds + "@installed"
	_, _, _ = strings.Cut(snap, "@")
	_ = strings.Contains(snap, "@")
	_ = strings.TrimSuffix(snap, "@"+"installed")
	_ = strings.IndexByte(snap, '@')
	_ = fmt.Sprintf("%s@%s", ds, snap)
}

func good(ds, snap string, r rune) error {
	_ = ds + "/" + snap
	_ = strings.Contains(snap, "/")
	_ = strings.ContainsRune("._-+:@,=/", r)
	_ = "allowed: " + "a @ b"
	_ = fmt.Sprintf("%s is at %s; it may hold @", ds, snap)
	return fmt.Errorf("%s has no @installed", ds)
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := handMadeNames(fset, f)
	var lines []string
	for _, at := range got {
		lines = append(lines, at[strings.Index(at, ":")+1:strings.LastIndex(at, ":")])
	}
	want := []string{"6", "7", "8", "9", "10", "11", "12"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("found at lines %v, want %v (%q)", lines, want, got)
	}
}
