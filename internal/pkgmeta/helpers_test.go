package pkgmeta

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/axiom-reconcile/axiom-reconcile/internal/version"
)

// cmpOpts compares the package's values: constraints by value, Extra nodes by their encoding.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b version.Constraint) bool { return a == b }),
	cmp.Comparer(func(a, b *yaml.Node) bool {
		return string(encodeField("x", Field{Value: a}.value())) == string(encodeField("x", Field{Value: b}.value()))
	}),
}

func diff(want, got any) string { return cmp.Diff(want, got, cmpOpts) }

func mustC(s string) version.Constraint { return version.MustParseConstraint(s) }
func mustV(s string) version.Version    { return version.MustParse(s) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// node parses a YAML snippet into the normalised node Extra holds.
func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return normalize(doc.Content[0])
}

// asError returns err as an *Error, failing the test if it is not one.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *pkgmeta.Error", err, err)
	}
	return pe
}
