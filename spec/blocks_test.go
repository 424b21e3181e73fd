package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// loadString loads src as the only file of a configuration directory "cfg".
func loadString(t *testing.T, src string) (*Config, hcl.Diagnostics) {
	t.Helper()
	return new(Loader).LoadFS(fstest.MapFS{"main.hcl": {Data: []byte(src)}}, "cfg")
}

// TestWrongTypeDetails: a value of the wrong type is never converted, and the message says what
// was expected and, where the fix is clear, what to write, quoting the value as written.
func TestWrongTypeDetails(t *testing.T) {
	for _, tc := range []struct {
		block, attr, value string
		want               string
	}{
		{"package", "version", "2.40", `Inappropriate value for argument "version": a string is required, not number. Did you mean "2.40"? Strings are written in double quotes. Without quotes, 2.40 is the number 2.4, and would be read as the version 2.4. Version constraints are strings.`},
		{"package", "version", "1.10", `Did you mean "1.10"? Strings are written in double quotes. Without quotes, 1.10 is the number 1.1,`},
		{"package", "version", "5", `a string is required, not number. Did you mean "5"? Strings are written in double quotes. Version constraints are strings.`},
		{"package", "version", "[5]", `a string is required, not tuple.`},
		{"store", "dataset", "true", `Inappropriate value for argument "dataset": a string is required, not bool. Did you mean "true"? Strings are written in double quotes.`},
		{"environment", "profile", "5", `a string is required, not number. Did you mean "5"?`},
		{"environment", "keep_generations", `"3"`, `Inappropriate value for argument "keep_generations": a number is required, not string. Did you mean 3, without quotes?`},
		{"environment", "keep_generations", `"three"`, `a number is required, not string.`},
		{"environment", "prevent_destroy", `"true"`, `Inappropriate value for argument "prevent_destroy": a bool (true or false) is required, not string. Did you mean true, without quotes?`},
		{"environment", "prevent_destroy", `1`, `a bool (true or false) is required, not number.`},
		{"package", "allow_setuid", `"true"`, `Inappropriate value for argument "allow_setuid": a bool (true or false) is required, not string. Did you mean true, without quotes?`},
		{"package", "allow_setuid", `"yes"`, `a bool (true or false) is required, not string.`},
		{"gc", "max_deletes", `"7"`, `a number is required, not string. Did you mean 7, without quotes?`},
		{"gc", "grace_period", `3600`, `a string is required, not number. A duration is a string with units, such as "3600s", "24h" or "7d".`},
		{"gc", "grace_period", `1.5`, `a string is required, not number. A duration is a string with units, such as "30m", "24h" or "7d".`},
	} {
		t.Run(tc.attr+"="+tc.value, func(t *testing.T) {
			body := map[string]string{"store": `dataset = "zroot/axiom"`, "package": "", "environment": `profile = "p"`, "gc": ""}
			attr := tc.attr + " = " + tc.value
			if tc.block == "store" || tc.attr == "profile" {
				body[tc.block] = attr
			} else {
				body[tc.block] += "\n  " + attr
			}
			src := fmt.Sprintf("store {\n  %s\n}\nprofile \"p\" {\n  package \"git\" {\n  %s\n  }\n}\nenvironment \"e\" {\n  %s\n}\ngc {\n  %s\n}\n",
				body["store"], body["package"], body["environment"], body["gc"])
			cfg, diags := loadString(t, src)
			if cfg != nil || len(diags) != 1 {
				t.Fatalf("got %v and %d diagnostics, want one error: %v", cfg, len(diags), diags)
			}
			d := diags[0]
			if d.Summary != "Incorrect attribute value type" || !strings.Contains(d.Detail, tc.want) {
				t.Errorf("%s: %s\nwant detail containing %s", d.Summary, d.Detail, tc.want)
			}
			if got := string(src[d.Subject.Start.Byte:d.Subject.End.Byte]); got != tc.value {
				t.Errorf("subject is %q, want the value %q", got, tc.value)
			}
		})
	}
}

func TestMountpoints(t *testing.T) {
	for mp, problem := range map[string]string{
		"/axiom":                 "",
		"/opt/axiom":             "",
		"/a":                     "",
		"/":                      "the store cannot be mounted over the root directory",
		"//":                     "the store cannot be mounted over the root directory",
		"/./":                    "the store cannot be mounted over the root directory",
		"/..":                    "the store cannot be mounted over the root directory",
		"/axiom/":                `it is not clean (did you mean "/axiom"?)`,
		"/opt//axiom":            `it is not clean (did you mean "/opt/axiom"?)`,
		"/opt/../axiom":          `it is not clean (did you mean "/axiom"?)`,
		"/opt/./axiom":           `it is not clean (did you mean "/opt/axiom"?)`,
		"axiom":                  "it is not an absolute path",
		"./axiom":                "it is not an absolute path",
		"":                       "it is not an absolute path",
		"none":                   `the store must be mounted by ZFS at a path, so "none" is not supported`,
		"legacy":                 `the store must be mounted by ZFS at a path, so "legacy" is not supported`,
		"/axiom\nmounted":        "it contains a control character",
		"/srv/axiom-2:x+y@z,w=v": "",
		"/a b":                   `it contains ' '; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
		"/a$(reboot)":            `it contains '$'; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
		"/a\"b":                  `it contains '"'; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
		"/a'b":                   `it contains '\''; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
		"/a`b`":                  "it contains '`'; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties",
		"/a\\b":                  `it contains '\\'; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
		"/aé":                    `it contains 'é'; a mountpoint may hold letters, digits and . _ - + : @ , = / only, since it ends up in shell scripts (activate) and ZFS properties`,
	} {
		_, diags := loadString(t, fmt.Sprintf("store {\n  dataset    = \"zroot/axiom\"\n  mountpoint = %q\n}\n", mp))
		if problem == "" {
			if len(diags) != 0 {
				t.Errorf("mountpoint %q: %v", mp, diags)
			}
			continue
		}
		if len(diags) != 1 || diags[0].Summary != "Invalid mountpoint" || diags[0].Subject.Start.Line != 3 || !strings.HasSuffix(diags[0].Detail, ": "+problem+".") {
			t.Errorf("mountpoint %q: %v, want one error at line 3 ending %q", mp, diags, problem)
		}
	}
}

// TestUnsatisfiableConstraintWarns: a constraint no version satisfies is valid syntax, and so a
// warning at the constraint rather than an error; the configuration still loads.
func TestUnsatisfiableConstraintWarns(t *testing.T) {
	src := "store {\n  dataset = \"zroot/axiom\"\n}\nprofile \"p\" {\n  package \"a\" { version = \">=2.0.0,<1.0.0\" }\n  package \"b\" { version = \">1.2.3, <1.2.4\" }\n  package \"c\" { version = \">=1.0.0,<2.0.0\" }\n}\n"
	cfg, diags := loadString(t, src)
	if cfg == nil || diags.HasErrors() {
		t.Fatalf("Load = %v, %v; want a config and only warnings", cfg, diags)
	}
	if len(diags) != 2 {
		t.Fatalf("%d diagnostics, want 2 warnings: %v", len(diags), diags)
	}
	for i, want := range []struct {
		col    int
		detail string
	}{
		{27, `No version satisfies ">=2.0.0,<1.0.0": its lower bound`},
		{27, `No version satisfies ">1.2.3, <1.2.4" (>1.2.3,<1.2.4)`},
	} {
		d := diags[i]
		if d.Severity != hcl.DiagWarning || d.Summary != "Version constraint admits no version" || d.Subject.Start.Line != 5+i || d.Subject.Start.Column != want.col {
			t.Errorf("diagnostic %d: %v %q at %d:%d", i, d.Severity, d.Summary, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		if !strings.HasPrefix(d.Detail, want.detail) || !strings.Contains(d.Detail, `Profile "p" cannot be resolved`) {
			t.Errorf("diagnostic %d detail %q", i, d.Detail)
		}
	}
	if j := ToJSON(diags); j[0].Severity != "warning" {
		t.Errorf("JSON severity %q, want warning", j[0].Severity)
	}
}

func TestZeroGracePeriod(t *testing.T) {
	for _, gp := range []string{"0", "0s", "-0s", "0d"} {
		cfg, diags := loadString(t, fmt.Sprintf("store {\n  dataset = \"zroot/axiom\"\n}\ngc {\n  grace_period = %q\n}\n", gp))
		if diags.HasErrors() || cfg.GC.GracePeriod != 0 {
			t.Errorf("grace_period %q: %v", gp, diags)
		}
	}
	_, diags := loadString(t, "store {\n  dataset = \"zroot/axiom\"\n}\ngc {\n  grace_period = \"-1s\"\n}\n")
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, `grace_period "-1s" is negative`) {
		t.Errorf("grace_period -1s: %v", diags)
	}
}
