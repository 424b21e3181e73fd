package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/atomicfile"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

const fmtHelp = `
Fmt rewrites the configuration files in DIR (default: the current directory; every *.hcl file
that validate reads) in canonical HCL layout: two-space indentation, aligned equals signs,
normalized spacing. Only layout changes; comments and content stay. Each rewrite is atomic: a
reader sees the old file or the new one, never a mix. The names of the files rewritten are
printed, one per line, as DIR/NAME.

With --check nothing is written: the files that are not formatted are listed instead, and the
exit status is 1 if there are any. A file with syntax errors is reported and never rewritten.

Exit status is 0 when every file is (now) formatted, 1 on syntax errors, on any other error, and
with --check when a file needs formatting.
`

type fmtOptions struct {
	dirs  dirsFlag
	check bool
}

func fmtCommand() command {
	return command{
		name:    "fmt",
		args:    "[-c DIR] [--check]",
		summary: "rewrite configuration files canonically",
		help:    fmtHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var o fmtOptions
			o.dirs.register(fs, "format")
			fs.BoolVar(&o.check, "check", false, "change nothing; list unformatted files and exit 1 if there are any")
			return func(_ context.Context, g *globals, args []string) error {
				if len(args) > 0 {
					return usageError{fmt.Errorf("unexpected argument %q", args[0])}
				}
				return runFmt(g.env, o)
			}
		},
	}
}

func runFmt(e *env, o fmtOptions) error {
	var paths []string
	for _, dir := range o.dirs.list() {
		names, err := spec.ListDir(dir)
		if err != nil {
			return fmt.Errorf("read configuration directory: %w", err)
		}
		for _, name := range names {
			paths = append(paths, filepath.Join(dir, name))
		}
	}
	var diags hcl.Diagnostics
	files := map[string]*hcl.File{} // sources of files with syntax errors, for snippets
	unformatted := false
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out, fd := spec.Format(src, path)
		if fd.HasErrors() {
			diags = append(diags, fd...)
			files[path] = &hcl.File{Bytes: src}
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		if o.check {
			unformatted = true
			fmt.Fprintln(e.stdout, path)
			continue
		}
		if err := rewrite(path, out); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, path)
	}
	if err := spec.WriteDiagnostics(e.stderr, files, diags, diagnosticOptions(e)); err != nil {
		return err
	}
	if diags.HasErrors() || unformatted {
		return errReported
	}
	return nil
}

// rewrite replaces the file at path, or the file a symbolic link at path points to, keeping its
// permissions.
func rewrite(path string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(target, data, fi.Mode().Perm())
}
