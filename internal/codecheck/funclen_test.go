package codecheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function may be, from its signature to its closing brace: one
// that does more is split into parts with names that say what each does.
const maxFuncLines = 80

// root is the module's root, from this package's directory.
const root = "../.."

// TestNoLongFunctions walks every non-test Go file of the module (tests' tables may be long)
// and fails for each function over maxFuncLines lines.
func TestNoLongFunctions(t *testing.T) {
	eachGoFile(t, func(string) bool { return false }, func(fset *token.FileSet, p string, f *ast.File) {
		for _, long := range longFuncs(fset, f, maxFuncLines) {
			t.Errorf("%s: %s", p, long)
		}
	})
}

// eachGoFile parses every non-test Go file of the module, outside testdata, hidden directories
// and the directories skip says to leave out (module-relative, slash-separated), and calls visit
// with each. It fails when it found fewer than 100: a wrong root would make every check pass.
func eachGoFile(t *testing.T, skip func(rel string) bool, visit func(fset *token.FileSet, path string, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if p != root && (skip(filepath.ToSlash(rel)) || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		visit(fset, p, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked %d Go files from %s, want the module's (over 100)", files, root)
	}
}

// longFuncs describes each function of f longer than max lines.
func longFuncs(fset *token.FileSet, f *ast.File, max int) []string {
	var out []string
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > max {
			out = append(out, fmt.Sprintf("%s is %d lines, more than %d", fd.Name.Name, n, max))
		}
	}
	return out
}

// The check itself: a function one line over the limit is found, one at the limit is not.
func TestLongFuncs(t *testing.T) {
	body := func(name string, lines int) string {
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 0\n", lines-2) + "}\n"
	}
	src := "package p\n" + body("atLimit", maxFuncLines) + body("over", maxFuncLines+1)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := longFuncs(fset, f, maxFuncLines)
	if len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("over is %d lines", maxFuncLines+1)) {
		t.Errorf("longFuncs = %q, want only over", got)
	}
}
