# Unit tests for library/axiom_reconcile.py. Plain unittest, no Ansible needed: a stand-in for
# ansible.module_utils.basic.AnsibleModule runs commands for real, and a fake axiom-reconcile
# (a shell script first on PATH) logs its arguments and prints canned output.
#
#   python3 -m unittest discover -s contrib/ansible/tests -v

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_PATH = os.path.join(HERE, "..", "library", "axiom_reconcile.py")

PLAN = {
    "format_version": 1,
    "store": "tank/axiom",
    "config_digest": "sha256:0",
    "steps": [
        {"kind": "create", "action": "+", "target": "tank/axiom/env/web", "summary": "create environment web", "reason": "declared"},
        {"kind": "write", "action": "~", "target": "profile base", "summary": "update profile base"},
        {"kind": "gc", "action": "-", "target": "tank/axiom/pkg/bash-5.1.16", "summary": "collect bash 5.1.16"},
    ],
    "warnings": ["2 packages beyond the deletion budget"],
}
EMPTY_PLAN = {"format_version": 1, "store": "tank/axiom", "steps": []}

# The fake binary: appends "VERB ARGS..." to $FAKE_LOG, then for plan prints $FAKE_PLAN_OUT
# and exits $FAKE_PLAN_RC, for apply prints a report and exits $FAKE_APPLY_RC; $FAKE_STDERR
# goes to standard error.
FAKE = """#!/bin/sh
printf '%s\\n' "$*" >>"$FAKE_LOG"
printf '%s\\n' "$FAKE_STDERR" >&2
case $1 in
plan) printf '%s\\n' "$FAKE_PLAN_OUT"; exit "$FAKE_PLAN_RC" ;;
apply) printf 'Applied 3 steps in 1.2s (create 1, gc 1, write 1).\\n'; exit "$FAKE_APPLY_RC" ;;
esac
exit 64
"""


class Exited(Exception):
    def __init__(self, result):
        Exception.__init__(self, result)
        self.result = result


class Failed(Exception):
    def __init__(self, result):
        Exception.__init__(self, result)
        self.result = result


class FakeAnsibleModule(object):
    """Enough of AnsibleModule: parameters with defaults, check mode, run_command,
    get_bin_path, exit_json and fail_json."""

    params = {}
    check_mode = False
    instances = []

    def __init__(self, argument_spec, supports_check_mode=False):
        FakeAnsibleModule.instances.append(self)
        self.argument_spec = argument_spec
        self.supports_check_mode = supports_check_mode
        self.check_mode = FakeAnsibleModule.check_mode
        self.params = {}
        for name, spec in argument_spec.items():
            self.params[name] = FakeAnsibleModule.params.get(name, spec.get("default"))
        unknown = set(FakeAnsibleModule.params) - set(argument_spec)
        if unknown:
            raise AssertionError("options the module does not declare: %s" % sorted(unknown))

    def get_bin_path(self, name, required=False):
        path = shutil.which(name)
        if path is None and required:
            self.fail_json(msg="Failed to find required executable %s" % name)
        return path

    def run_command(self, args, check_rc=False):
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        return p.returncode, p.stdout, p.stderr

    def exit_json(self, **kw):
        # Ansible's task executor marks a result with a non-zero rc and no "failed" as failed.
        if kw.get("rc", 0) not in (0, "0") and "failed" not in kw:
            kw["failed"] = True
            raise Failed(kw)
        raise Exited(kw)

    def fail_json(self, **kw):
        kw["failed"] = True
        raise Failed(kw)


def load_module():
    basic = types.ModuleType("ansible.module_utils.basic")
    basic.AnsibleModule = FakeAnsibleModule
    for name in ("ansible", "ansible.module_utils"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["ansible.module_utils.basic"] = basic
    spec = importlib.util.spec_from_file_location("axiom_reconcile", MODULE_PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


axiom_reconcile = load_module()


class ModuleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        fake = os.path.join(bindir, "axiom-reconcile")
        with open(fake, "w") as f:
            f.write(FAKE)
        os.chmod(fake, 0o755)
        self.log = os.path.join(self.tmp, "log")
        self.env = {
            "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            "FAKE_LOG": self.log,
            "FAKE_PLAN_OUT": json.dumps(PLAN),
            "FAKE_PLAN_RC": "2",
            "FAKE_APPLY_RC": "0",
            "FAKE_STDERR": "",
        }
        saved = dict(os.environ)
        self.addCleanup(lambda: (os.environ.clear(), os.environ.update(saved)))
        FakeAnsibleModule.instances = []

    def run_module(self, check_mode=False, **params):
        """Runs main() with params; returns (failed, result)."""
        os.environ.update(self.env)
        FakeAnsibleModule.params = params
        FakeAnsibleModule.check_mode = check_mode
        try:
            axiom_reconcile.main()
        except Exited as e:
            return False, e.result
        except Failed as e:
            return True, e.result
        self.fail("main() returned without exit_json or fail_json")

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [line.split() for line in f.read().splitlines()]

    def test_check_mode_with_changes_plans_only(self):
        failed, r = self.run_module(check_mode=True, config_dirs=["/fleet/common", "/fleet/hosts/h1"])
        self.assertFalse(failed, r)
        self.assertTrue(r["changed"])
        self.assertFalse(r["applied"])
        self.assertEqual(r["plan"], PLAN)
        self.assertEqual(r["steps"], {"add": 1, "change": 1, "remove": 1})
        self.assertIn("+ tank/axiom/env/web: create environment web (declared)", r["diff"]["prepared"])
        self.assertIn("warning: 2 packages beyond the deletion budget", r["diff"]["prepared"])
        self.assertEqual(self.calls(), [["plan", "-c", "/fleet/common", "-c", "/fleet/hosts/h1", "--json", "--detailed-exitcode"]])
        self.assertTrue(FakeAnsibleModule.instances[0].supports_check_mode)

    def test_check_mode_without_changes(self):
        self.env.update(FAKE_PLAN_OUT=json.dumps(EMPTY_PLAN), FAKE_PLAN_RC="0")
        failed, r = self.run_module(check_mode=True, config_dirs=["/etc/axiom-reconcile"])
        self.assertFalse(failed, r)
        self.assertFalse(r["changed"])
        self.assertEqual(r["steps"], {"add": 0, "change": 0, "remove": 0})
        self.assertEqual(len(self.calls()), 1)

    def test_apply_runs_with_every_option(self):
        failed, r = self.run_module(config_dirs=["/a", "/b"], upgrade=True, max_deletes=0, lock_timeout="30s", lock_file="/run/x.lock",
                                    gc_lock_file="/run/gc.lock")
        self.assertFalse(failed, r)
        self.assertTrue(r["changed"])
        self.assertTrue(r["applied"])
        self.assertIn("Applied 3 steps", r["stdout"])
        opts = ["--upgrade", "--max-deletes", "0", "--lock-timeout", "30s", "--lock-file", "/run/x.lock",
                "--gc-lock-file", "/run/gc.lock"]
        self.assertEqual(self.calls(), [
            ["plan", "-c", "/a", "-c", "/b", "--json", "--detailed-exitcode"] + opts,
            ["apply", "-c", "/a", "-c", "/b"] + opts,
        ])
        self.assertEqual(r["cmd"][1:], ["apply", "-c", "/a", "-c", "/b"] + opts)

    def test_no_changes_applies_nothing(self):
        self.env.update(FAKE_PLAN_OUT=json.dumps(EMPTY_PLAN), FAKE_PLAN_RC="0")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertFalse(failed, r)
        self.assertFalse(r["changed"])
        self.assertFalse(r["applied"])
        self.assertEqual([c[0] for c in self.calls()], ["plan"])

    def test_new_revision_applied_without_steps(self):
        plan = dict(EMPTY_PLAN, revision="b" * 40, applied_revision="a" * 40)
        self.env.update(FAKE_PLAN_OUT=json.dumps(plan), FAKE_PLAN_RC="0")
        failed, r = self.run_module(check_mode=True, config_dirs=["/a"])
        self.assertFalse(failed, r)
        self.assertTrue(r["changed"])
        self.assertEqual([c[0] for c in self.calls()], ["plan"])
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertFalse(failed, r)
        self.assertTrue(r["changed"])
        self.assertTrue(r["applied"])
        self.assertEqual([c[0] for c in self.calls()], ["plan", "plan", "apply"])

    def test_same_revision_applies_nothing(self):
        plan = dict(EMPTY_PLAN, revision="a" * 40, applied_revision="a" * 40)
        self.env.update(FAKE_PLAN_OUT=json.dumps(plan), FAKE_PLAN_RC="0")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertFalse(failed, r)
        self.assertFalse(r["changed"])
        self.assertEqual([c[0] for c in self.calls()], ["plan"])

    def test_lock_held(self):
        self.env.update(FAKE_PLAN_RC="75", FAKE_PLAN_OUT="", FAKE_STDERR="error: the lock is held by pid 42 (watch)")
        failed, r = self.run_module(config_dirs=["/a"], lock_timeout="1s")
        self.assertTrue(failed)
        self.assertEqual(r["rc"], 75)
        self.assertIn("lock is held by another process", r["msg"])
        self.assertIn("pid 42", r["msg"])

    def test_plan_fails(self):
        self.env.update(FAKE_PLAN_RC="1", FAKE_PLAN_OUT="", FAKE_STDERR="info: reading\nerror: hosts/h2/store.hcl:3: unknown block")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertTrue(failed)
        self.assertEqual(r["rc"], 1)
        self.assertEqual(r["msg"], "axiom-reconcile plan failed (exit 1): error: hosts/h2/store.hcl:3: unknown block")
        self.assertIn("unknown block", r["stderr"])
        self.assertEqual([c[0] for c in self.calls()], ["plan"])

    def test_apply_fails(self):
        self.env.update(FAKE_APPLY_RC="1", FAKE_STDERR="error: destroying tank/axiom/env/old: busy")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertTrue(failed)
        self.assertEqual(r["rc"], 1)
        self.assertTrue(r["msg"].startswith("axiom-reconcile apply failed (exit 1)"), r["msg"])
        self.assertEqual(r["cmd"][1], "apply")

    def test_plan_prints_no_json(self):
        self.env.update(FAKE_PLAN_OUT="not json")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertTrue(failed)
        self.assertIn("no JSON plan", r["msg"])
        self.assertEqual(len(self.calls()), 1)

    def test_plan_json_not_an_object(self):
        self.env.update(FAKE_PLAN_OUT="[1, 2]")
        failed, r = self.run_module(config_dirs=["/a"])
        self.assertTrue(failed)
        self.assertIn("not a plan", r["msg"])

    def test_binary_path_and_missing_binary(self):
        failed, r = self.run_module(config_dirs=["/a"], binary=os.path.join(self.tmp, "bin", "axiom-reconcile"))
        self.assertFalse(failed, r)
        failed, r = self.run_module(config_dirs=["/a"], binary="no-such-axiom-reconcile")
        self.assertTrue(failed)
        self.assertIn("no-such-axiom-reconcile", r["msg"])

    def test_empty_config_dirs(self):
        failed, r = self.run_module(config_dirs=[])
        self.assertTrue(failed)
        self.assertIn("config_dirs", r["msg"])
        self.assertEqual(self.calls(), [])

    def test_documentation_matches_the_argument_spec(self):
        doc = axiom_reconcile.DOCUMENTATION
        options = doc[doc.index("\noptions:\n"):doc.index("\nrequirements:")]
        documented = [l.strip()[:-1] for l in options.splitlines() if l.startswith("  ") and not l.startswith("   ") and l.strip().endswith(":")]
        self.assertEqual(sorted(documented), sorted(axiom_reconcile.ARGUMENT_SPEC))
        for block in (axiom_reconcile.EXAMPLES, axiom_reconcile.RETURN):
            self.assertTrue(block.strip())


if __name__ == "__main__":
    unittest.main()
