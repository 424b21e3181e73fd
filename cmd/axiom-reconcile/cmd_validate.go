package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/axiom-reconcile/axiom-reconcile/internal/archive"
	"github.com/axiom-reconcile/axiom-reconcile/internal/english"
	"github.com/axiom-reconcile/axiom-reconcile/internal/signature"
	"github.com/axiom-reconcile/axiom-reconcile/internal/source"
	"github.com/axiom-reconcile/axiom-reconcile/spec"
)

const validateHelp = `
Validate reads every *.hcl file in DIR (default: the current directory) as one configuration and
checks all of it: syntax, block and argument names, types (values are never converted: write
version = "2.40", not 2.40), required settings, unique names across files, names of profiles,
environments, packages and sources, that the dataset names built from them below the store fit
ZFS's 255 bytes, the store dataset and mountpoint, durations, counts, conflict policies, version
constraints, and that every environment's profile exists. It reports every problem at once, each
with file:line:column and a source snippet; a syntax error in one file does not stop the others
from being checked.

Warnings, such as a version constraint that no version satisfies (">=2.0.0,<1.0.0"), are
reported the same way but do not make the configuration invalid.

Validate works offline and needs neither root nor ZFS: it does not look at the store. It does
read the sources, as a plan would, and warns of each package that cannot be read or is refused
(an unsafe entry, a device node, a bad name, an unsupported or corrupt archive): a plan leaves
such a package out, and only a profile that needs it fails.

With --json, the result is printed on stdout as one JSON object:

  {"valid": false, "error_count": 1, "warning_count": 0,
   "diagnostics": [{"severity": "error", "summary": "...", "detail": "...", "file": "main.hcl",
                    "start": {"line": 7, "column": 3}, "end": {"line": 7, "column": 9}}]}

Exit status is 0 when the configuration is valid (with or without warnings) and 1 when it is not.
`

type validateOptions struct {
	dir  string
	json bool
}

func validateCommand() command {
	return command{
		name:    "validate",
		args:    "[-c DIR] [--json]",
		summary: "check the configuration",
		help:    validateHelp,
		setFlags: func(fs *flag.FlagSet) func(context.Context, *globals, []string) error {
			var o validateOptions
			fs.StringVar(&o.dir, "c", ".", "read the configuration from `DIR`")
			fs.BoolVar(&o.json, "json", false, "print the result as JSON on stdout")
			return func(ctx context.Context, g *globals, args []string) error {
				if len(args) > 0 {
					return usageError{fmt.Errorf("unexpected argument %q", args[0])}
				}
				return runValidate(ctx, g.env, o)
			}
		},
	}
}

// validateReport is validate's --json output.
type validateReport struct {
	Valid        bool                  `json:"valid"`
	ErrorCount   int                   `json:"error_count"`
	WarningCount int                   `json:"warning_count"`
	Diagnostics  []spec.JSONDiagnostic `json:"diagnostics"`
}

func runValidate(ctx context.Context, e *env, o validateOptions) error {
	var l spec.Loader
	cfg, diags := l.Load(o.dir)
	if !diags.HasErrors() {
		diags = append(diags, sourceDiagnostics(ctx, cfg)...)
	}
	if o.json {
		r := validateReport{Valid: !diags.HasErrors(), Diagnostics: spec.ToJSON(diags)}
		r.ErrorCount = len(diags.Errs())
		r.WarningCount = len(diags) - r.ErrorCount
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
		if !r.Valid {
			return errReported
		}
		return nil
	}
	if err := spec.WriteDiagnostics(e.stderr, l.Files(), diags, diagnosticOptions(e)); err != nil {
		return err
	}
	if diags.HasErrors() {
		n := len(diags.Errs())
		fmt.Fprintf(e.stderr, "Configuration is invalid: %s.\n", english.Count(n, "error"))
		return errReported
	}
	warnings := ""
	if n := len(diags); n > 0 {
		warnings = " (" + english.Count(n, "warning") + ")"
	}
	fmt.Fprintf(e.stdout, "Configuration is valid%s: %s, %s, %s, %s.\n", warnings,
		english.Count(len(cfg.Files), "file"), english.Count(len(cfg.Sources), "source"),
		english.Count(len(cfg.Profiles), "profile"), english.Count(len(cfg.Environments), "environment"))
	for _, src := range cfg.Sources {
		if policy, keys := src.Trust(); keys.Len() > 0 || policy != signature.Off {
			var ids []string
			for _, k := range keys.Keys() {
				ids = append(ids, k.ID)
			}
			fmt.Fprintf(e.stdout, "Source %s: signatures %s, trusted keys %s.\n", src.Name, policy, strings.Join(ids, ", "))
		}
	}
	return nil
}

// sourceDiagnostics reads every source, as a plan would, and warns of each package that cannot be
// read or is refused (a plan leaves it out, and a profile that needs it fails) and of each source
// directory that cannot be read. They are warnings, not errors: the configuration itself is
// valid, and the other packages are usable.
func sourceDiagnostics(ctx context.Context, cfg *spec.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, src := range cfg.Sources {
		pkgs, err := source.Scan(ctx, []string{src.Path}, archive.Limits{})
		policy, keys := src.Trust()
		_, refused, warnings := source.VerifySignatures(pkgs, source.Trust{Keys: keys, Policy: policy}, time.Now())
		for _, w := range warnings {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Subject: src.PathRange.Ptr(),
				Summary: "Package signature does not verify", Detail: w + "."})
		}
		for _, r := range append(source.Refusals(err), refused...) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Subject: src.PathRange.Ptr(),
				Summary: fmt.Sprintf("Package %q is refused", r.Package),
				Detail:  fmt.Sprintf("%v. It is left out of every plan, and a profile that needs it fails to resolve.", r)})
		}
		for _, err := range source.DirErrors(err) {
			var se *source.Error
			if errors.As(err, &se) && se.Entry == "" {
				err = se.Err // an os error, which names the path itself
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Subject: src.PathRange.Ptr(),
				Summary: fmt.Sprintf("Source %q cannot be read", src.Name), Detail: err.Error()})
		}
	}
	return diags
}

// diagnosticOptions renders diagnostics for stderr: colored and wrapped on a terminal (unless
// NO_COLOR is set), plain and unwrapped otherwise, so logs and tests see stable text.
func diagnosticOptions(e *env) spec.TextOptions {
	if !e.stderrIsTerminal {
		return spec.TextOptions{}
	}
	return spec.TextOptions{Width: 100, Color: e.colorOK(true)}
}
