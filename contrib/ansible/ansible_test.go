// Package ansible_test runs the Ansible module's Python unit tests from `go test`, so that
// `make test` covers them, and checks the example playbook's shape.
package ansible_test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestModuleUnitTests fails, rather than skips, without python3: the module is part of the
// project and untested code would otherwise pass as tested.
func TestModuleUnitTests(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to test contrib/ansible (apt-get install python3): %v", err)
	}
	cmd := exec.CommandContext(t.Context(), py, "-m", "unittest", "discover", "-s", "tests", "-v")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -m unittest: %v\n%s", py, err, out)
	}
	m := regexp.MustCompile(`(?m)^Ran (\d+) tests? `).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no test summary in:\n%s", out)
	}
	if n, _ := strconv.Atoi(string(m[1])); n < 10 {
		t.Fatalf("only %d Python tests ran:\n%s", n, out)
	}
	if !strings.Contains(string(out), "\nOK") {
		t.Fatalf("the Python tests did not end OK:\n%s", out)
	}
}

type play struct {
	Name        string `yaml:"name"`
	Hosts       string `yaml:"hosts"`
	Serial      any    `yaml:"serial"`
	MaxFail     *int   `yaml:"max_fail_percentage"`
	AnyErrFatal bool   `yaml:"any_errors_fatal"`
	Tasks       []map[string]any
}

// TestRolloutPlaybook: the canary play comes first, one host at a time with any failure fatal;
// the rest follows in batches with a failure threshold, and every play reconciles with the
// module using only options it declares.
func TestRolloutPlaybook(t *testing.T) {
	b, err := os.ReadFile("rollout.yml")
	if err != nil {
		t.Fatal(err)
	}
	var plays []play
	if err := yaml.Unmarshal(b, &plays); err != nil {
		t.Fatal(err)
	}
	if len(plays) != 2 {
		t.Fatalf("%d plays, want the canary and the rest", len(plays))
	}
	canary, rest := plays[0], plays[1]
	if canary.Hosts != "axiom_canary" || canary.Serial != 1 || canary.MaxFail == nil || *canary.MaxFail != 0 || !canary.AnyErrFatal {
		t.Errorf("canary play %+v: want hosts axiom_canary, serial 1, max_fail_percentage 0, any_errors_fatal", canary)
	}
	if rest.Hosts != "axiom_fleet:!axiom_canary" || rest.MaxFail == nil || *rest.MaxFail <= 0 {
		t.Errorf("second play %+v: want the fleet without the canary, with max_fail_percentage", rest)
	}
	if s, ok := rest.Serial.([]any); !ok || len(s) < 2 {
		t.Errorf("second play serial %v: want growing batches", rest.Serial)
	}
	module, err := os.ReadFile("library/axiom_reconcile.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plays {
		found := false
		for _, task := range p.Tasks {
			args, ok := task["axiom_reconcile"].(map[string]any)
			if !ok {
				continue
			}
			found = true
			for opt := range args {
				if !strings.Contains(string(module), "\n    "+opt+"=dict(") {
					t.Errorf("play %q passes %q, which the module does not declare", p.Name, opt)
				}
			}
		}
		if !found {
			t.Errorf("play %q does not run axiom_reconcile", p.Name)
		}
		if git := p.Tasks[0]; git["ansible.builtin.git"] == nil || git["check_mode"] != false {
			t.Errorf("play %q: the first task must check the repository out, in check mode too", p.Name)
		}
	}
}
