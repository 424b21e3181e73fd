#!/usr/bin/python3
# -*- coding: utf-8 -*-
# axiom_reconcile: an Ansible module that brings a host's Axiom store to its configuration with
# axiom-reconcile. Part of axiom-reconcile (contrib/ansible); see README.md beside it.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: axiom_reconcile
short_description: Reconcile an Axiom ZFS package store with its configuration
description:
  - Runs C(axiom-reconcile plan --json --detailed-exitcode) with the host's configuration
    directories. In check mode that is all it does; C(changed) says whether the plan has steps,
    and the plan is returned (and shown with C(--diff)).
  - Otherwise, when the plan has steps, runs C(axiom-reconcile apply) with the same directories
    and options. A plan without steps applies nothing and reports no change, unless the store
    records another configuration revision than the plan's (the plan's C(revision) and
    C(applied_revision), the Git commits): then apply runs to record the new one, and the task
    reports C(changed), in check mode too. So every converged store records the commit it is
    at.
  - A failure carries the command's exit status (C(rc)), its output, and a message; exit status
    75 means another axiom-reconcile (the daemon, or another play) held the host's lock for
    longer than I(lock_timeout).
options:
  config_dirs:
    description:
      - The configuration directories, merged as one configuration (each is passed as C(-c DIR)),
        for example the fleet's C(common), the host's role and the host's own directory.
    type: list
    elements: path
    required: true
    aliases: [config_dir]
  upgrade:
    description: Re-resolve every profile, even where its lock file is still valid (C(--upgrade)).
    type: bool
    default: false
  max_deletes:
    description:
      - The deletion budget for this run (C(--max-deletes N)). Without it the configuration's
        C(gc.max_deletes) applies.
    type: int
  lock_timeout:
    description:
      - How long to wait for the host's global lock when another axiom-reconcile holds it, as a
        Go duration (C(30s), C(5m)). Without it the command does not wait and fails with rc 75.
    type: str
  lock_file:
    description: The global lock file (C(--lock-file)); the command's default when unset.
    type: path
  gc_lock_file:
    description:
      - Upstream axiom's GC lock file (C(--gc-lock-file)), held while mutating; the command's
        default (C(/var/run/axiom-gc.lock)) when unset.
    type: path
  binary:
    description: The axiom-reconcile executable, a path or a name looked up on the remote PATH.
    type: str
    default: axiom-reconcile
requirements:
  - axiom-reconcile on the managed host, run as root (it manages ZFS datasets)
author:
  - axiom-reconcile contributors
"""

EXAMPLES = r"""
- name: Converge the Axiom store
  axiom_reconcile:
    config_dirs:
      - /srv/axiom-fleet/common
      - "/srv/axiom-fleet/roles/{{ axiom_role }}"
      - "/srv/axiom-fleet/hosts/{{ inventory_hostname }}"
    lock_timeout: 10m

- name: What would change (no change made)
  axiom_reconcile:
    config_dirs: [/etc/axiom-reconcile]
  check_mode: true
  register: axiom_plan

- name: Upgrade every profile, allowing up to 50 deletions
  axiom_reconcile:
    config_dirs: [/etc/axiom-reconcile]
    upgrade: true
    max_deletes: 50
"""

RETURN = r"""
plan:
  description: The plan, as C(axiom-reconcile plan --json) prints it (format_version, store,
    config_digest, steps with kind, action (+, ~ or -), target, summary and reason, notes,
    warnings).
  returned: always
  type: dict
steps:
  description: How many steps the plan has, by action.
  returned: always
  type: dict
  sample: {"add": 3, "change": 1, "remove": 0}
applied:
  description: Whether apply ran (not in check mode, and only when the plan had steps).
  returned: always
  type: bool
rc:
  description:
    - Exit status of the command that failed. Not returned on success, where Ansible would take
      plan's exit status 2 (changes) for a failure; C(changed) says it.
  returned: failure
  type: int
stdout:
  description: Standard output of the last command run (the apply report when it ran).
  returned: always
  type: str
stderr:
  description: Standard error of the last command run (its log).
  returned: always
  type: str
cmd:
  description: The last command run, as a list of arguments.
  returned: always
  type: list
"""

import json

from ansible.module_utils.basic import AnsibleModule

EXIT_OK = 0
EXIT_CHANGES = 2
EXIT_LOCK_HELD = 75

ARGUMENT_SPEC = dict(
    config_dirs=dict(type="list", elements="path", required=True, aliases=["config_dir"]),
    upgrade=dict(type="bool", default=False),
    max_deletes=dict(type="int"),
    lock_timeout=dict(type="str"),
    lock_file=dict(type="path"),
    gc_lock_file=dict(type="path"),
    binary=dict(type="str", default="axiom-reconcile"),
)


class CommandFailed(Exception):
    """A command exited with a status the module does not expect."""

    def __init__(self, msg, cmd, rc, stdout, stderr):
        Exception.__init__(self, msg)
        self.msg, self.cmd, self.rc, self.stdout, self.stderr = msg, cmd, rc, stdout, stderr


def build_command(binary, verb, params):
    """The argument list of `axiom-reconcile VERB` with the module's options."""
    cmd = [binary, verb]
    for d in params["config_dirs"]:
        cmd += ["-c", d]
    if verb == "plan":
        cmd += ["--json", "--detailed-exitcode"]
    if params.get("upgrade"):
        cmd.append("--upgrade")
    if params.get("max_deletes") is not None:
        cmd += ["--max-deletes", str(params["max_deletes"])]
    if params.get("lock_timeout"):
        cmd += ["--lock-timeout", params["lock_timeout"]]
    if params.get("lock_file"):
        cmd += ["--lock-file", params["lock_file"]]
    if params.get("gc_lock_file"):
        cmd += ["--gc-lock-file", params["gc_lock_file"]]
    return cmd


def failure_message(verb, rc, stderr):
    """A one-line message for a failed command, saying what rc means."""
    last = ""
    for line in reversed(stderr.strip().splitlines()):
        if line.strip():
            last = line.strip()
            break
    if rc == EXIT_LOCK_HELD:
        what = "the host's axiom-reconcile lock is held by another process (exit 75); raise lock_timeout or retry"
    else:
        what = "axiom-reconcile %s failed (exit %d)" % (verb, rc)
    return what + (": " + last if last else "")


def count_steps(plan):
    counts = {"add": 0, "change": 0, "remove": 0}
    for step in plan.get("steps") or []:
        key = {"+": "add", "~": "change", "-": "remove"}.get(step.get("action"))
        if key:
            counts[key] += 1
    return counts


def describe(plan):
    """The plan as the text Ansible shows with --diff: one line per step."""
    lines = []
    for step in plan.get("steps") or []:
        line = "%s %s: %s" % (step.get("action", "?"), step.get("target", ""), step.get("summary", ""))
        if step.get("reason"):
            line += " (%s)" % step["reason"]
        lines.append(line)
    for w in plan.get("warnings") or []:
        lines.append("warning: " + w)
    return "\n".join(lines) + ("\n" if lines else "")


def run_plan(run, binary, params):
    """Run plan; returns (plan dict, changed, stdout, stderr, cmd)."""
    cmd = build_command(binary, "plan", params)
    rc, out, err = run(cmd)
    if rc not in (EXIT_OK, EXIT_CHANGES):
        raise CommandFailed(failure_message("plan", rc, err), cmd, rc, out, err)
    try:
        plan = json.loads(out)
    except ValueError as e:
        raise CommandFailed("axiom-reconcile plan --json printed no JSON plan: %s" % e, cmd, rc, out, err)
    if not isinstance(plan, dict):
        raise CommandFailed("axiom-reconcile plan --json printed %s, not a plan" % type(plan).__name__, cmd, rc, out, err)
    return plan, rc == EXIT_CHANGES, out, err, cmd


def revision_moved(plan):
    """Whether the store records another configuration revision than the plan's."""
    rev = plan.get("revision")
    return bool(rev) and rev != plan.get("applied_revision")


def reconcile(run, binary, params, check_mode):
    """Plan, and apply unless in check mode or there is nothing to do. Returns the result dict;
    raises CommandFailed. run(cmd) -> (rc, stdout, stderr) runs one command."""
    plan, changed, out, err, cmd = run_plan(run, binary, params)
    changed = changed or revision_moved(plan)
    result = dict(changed=changed, plan=plan, steps=count_steps(plan), applied=False,
                  stdout=out, stderr=err, cmd=cmd)
    result["diff"] = dict(prepared=describe(plan))
    if check_mode or not changed:
        return result
    cmd = build_command(binary, "apply", params)
    rc, out, err = run(cmd)
    if rc != EXIT_OK:
        raise CommandFailed(failure_message("apply", rc, err), cmd, rc, out, err)
    result.update(applied=True, stdout=out, stderr=err, cmd=cmd)
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    if not params["config_dirs"]:
        module.fail_json(msg="config_dirs must name at least one directory")
    binary = params["binary"]
    if "/" not in binary:
        binary = module.get_bin_path(binary, required=True)

    def run(cmd):
        return module.run_command(cmd, check_rc=False)

    try:
        result = reconcile(run, binary, params, module.check_mode)
    except CommandFailed as e:
        module.fail_json(msg=e.msg, rc=e.rc, stdout=e.stdout, stderr=e.stderr, cmd=e.cmd)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
