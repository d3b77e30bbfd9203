"""diff of two 500-policy account dumps (policy_tf alone: no peer diffs access offline).

OLD is the audit bench's account dump (500 customer-managed policies of a dozen shapes, each
attached to its own role); NEW is the same account after a change: in the "pull request" case
every tenth policy is widened (one more action, a wider resource or a dropped Deny), in the
"everything changed" case every policy is. Both are written untimed before each run; the diff
is printed as JSON to a file.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

from bench import TOOL, Case, MaxMemory, Under

_AUDIT = Path(__file__).resolve().parent / "audit.py"


def _audit_cases():
    """bench/cases/audit.py, for its policies and account dump (loaded once, whoever loads first)."""
    name = "bench_cases_audit"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, _AUDIT)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def _widen(document: dict, i: int) -> dict:
    """One of three widenings: another action, a wider resource, a Deny dropped."""
    changed = copy.deepcopy(document)
    statements = changed["Statement"]
    kind = i % 3
    if kind == 0:
        statements.append({"Sid": f"Added{i}", "Effect": "Allow", "Action": "s3:PutObject",
                           "Resource": f"arn:aws:s3:::data-{i}/*"})
    elif kind == 1:
        statements[0] = dict(statements[0], Resource="*")
    else:
        denies = [s for s in statements if s["Effect"] == "Deny"]
        if denies:
            statements.remove(denies[0])
        else:
            statements[0] = dict(statements[0], Resource="*")
    return changed


def _write(tmp: Path, ctx, every: int) -> None:
    audit = _audit_cases()
    audit._write_inputs(tmp, ctx)
    details = json.loads((tmp / "account-details.json").read_text(encoding="utf-8"))
    for i, policy in enumerate(details["Policies"]):
        if i % every == 0:
            version = policy["PolicyVersionList"][0]
            version["Document"] = _widen(version["Document"], i)
    (tmp / "account-details-new.json").write_text(json.dumps(details), encoding="utf-8")


def _changed(every: int):
    return lambda tmp, ctx: _write(tmp, ctx, every)


def _case(title: str, every: int) -> Case:
    return Case(f"diff: two 500-policy account dumps, {title}",
                [TOOL, "diff", "{tmp}/account-details.json", "{tmp}/account-details-new.json", "--fmt", "json",
                 "--output", "{tmp}/out/diff.json"],
                None, bar=(Under(1), MaxMemory(256)), max_rounds=5, expect_output=False, prepare=_changed(every),
                timeout=600, note="the audit bench's 500 policies, each attached to its own role; the diff per "
                                  "policy and per role, written as JSON")


CASES = [
    _case("every tenth policy widened", 10),
    _case("every policy widened", 1),
]
