"""A hostile corpus for the commands that read policies, plans, account details and lists.

Each root cause of issue 17's input half, in every command that has it: FIFOs and devices
(which hung or exhausted memory), size and depth, expansion budgets, wrong shapes, and
look-alike Unicode. Every run ends in time, with exit 0, 1 or 2, and never prints a traceback
or "Exception ignored".
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KELVIN, LONG_S = "\u212a", "\u017f"


def cli(*argv: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "policy_tf", *argv], capture_output=True, cwd=cwd, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def clean(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1, 2), err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    return err


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# -- the corpus -----------------------------------------------------------------------------------

def _plan(resources, changes=(), **extra) -> dict:
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": list(resources)}},
            "resource_changes": list(changes), **extra}


def _resource(values, address="aws_iam_policy.p", rtype="aws_iam_policy") -> dict:
    return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[-1], "values": values}


GOOD = json.dumps(policy(allow("s3:GetObject")))
DEEP = json.loads("[" * 40 + "]" * 40)

SHAPES = {
    "statement-string.json": {"Version": "2012-10-17", "Statement": "Allow"},
    "statement-number.json": {"Version": "2012-10-17", "Statement": 5},
    "statement-null.json": {"Version": "2012-10-17", "Statement": None},
    "action-object.json": policy(allow({"a": "s3:GetObject"})),
    "resource-null.json": policy(allow("s3:GetObject", None)),
    "condition-string.json": policy(allow("s3:GetObject", Condition="x")),
    "lowercase-deny.json": policy(allow("s3:*"), {"Effect": "deny", "Action": "s3:GetObject", "Resource": "*"}),
    "trailing-space.json": policy(allow("s3:GetObject ")),
    "kelvin.json": policy(allow(f"{KELVIN}ms:*")),
    "long-s.json": policy(allow(f"secretsmanager:Get{LONG_S}ecret*")),
}
EXPANSION = {
    "star-100k.json": policy(allow(["*"] * 100_000)),
    "star-statements.json": policy(*[allow("*")] * 2_000),
}
PLANS = {
    "plan-after-unknown-true.json": _plan([_resource({"policy": GOOD})],
                                          [{"address": "aws_iam_policy.p", "change": {"after_unknown": True}}]),
    "plan-child-modules-string.json": {"format_version": "1.2", "resource_changes": [],
                                       "planned_values": {"root_module": {"child_modules": "x"}}},
    "plan-values-list.json": _plan([_resource([1, 2])]),
    "plan-address-number.json": _plan([{"address": 5, "type": "aws_iam_policy", "values": {"policy": GOOD}}]),
    "plan-inline-policy-string.json": _plan([_resource({"name": "r", "inline_policy": "x"}, "aws_iam_role.r",
                                                       "aws_iam_role")]),
    "plan-configuration-string.json": _plan([_resource({"policy": GOOD})], configuration="x"),
    "plan-references-string.json": _plan([_resource({"policy": GOOD})], configuration={"root_module": {"resources": [
        {"address": "aws_iam_policy.p", "expressions": {"policy": {"references": "x"}}}]}}),
    "plan-deep-waf.json": _plan([_resource({"policy": GOOD}),
                                 _resource({"rule": DEEP}, "aws_wafv2_web_acl.w", "aws_wafv2_web_acl")]),
}
ACCOUNT = {
    "account-wrong-types.json": {"UserDetailList": "x", "RoleDetailList": [1, {"RoleName": 5, "RolePolicyList": "x"}],
                                 "Policies": [{"PolicyVersionList": "x"}]},
    "account-unhashable.json": {"RoleDetailList": [{"RoleName": "r", "Arn": "a",
                                                    "AttachedManagedPolicies": [{"PolicyArn": ["x"]}]}],
                                "Policies": [{"PolicyName": "p", "Arn": ["x"],
                                              "PolicyVersionList": [{"Document": {}, "IsDefaultVersion": True}]}]},
}
TF = {
    "bad-escape": 'resource "aws_iam_policy" "p" {\n  policy = "\\uZZZZ"\n}\n',
    "surrogate-escape": 'resource "aws_iam_policy" "p" {\n  policy = "\\ud800"\n}\n',
    "deep-jsonencode": 'resource "aws_iam_policy" "p" {\n  policy = jsonencode(' + "[" * 10_000 + "]" * 10_000
    + ")\n}\n",
    "numbers-for-strings": 'resource "aws_iam_policy" "p" {\n  name = 5\n  policy = jsonencode({Version = 2012, '
                           'Statement = [{Effect = 1, Action = 5, Resource = 7}]})\n}\n',
}
RAW = {
    "not-utf8.json": b'{"Statement": "\xff"}',
    "deep.json": b"[" * 50_000 + b"]" * 50_000,
    "duplicate-key.json": b'{"Version": "2012-10-17", "Statement": [], "Statement": []}',
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for name, data in {**SHAPES, **EXPANSION, **PLANS, **ACCOUNT}.items():
        (root / name).write_text(json.dumps(data))
    for name, data in RAW.items():
        (root / name).write_bytes(data)
    for name, text in TF.items():
        (root / name).mkdir()
        (root / name / "main.tf").write_text(text)
    (root / "good.json").write_text(GOOD)
    os.mkfifo(root / "fifo")
    return root


SPECIALS = ["fifo", "/dev/zero", "/dev/urandom"]
POLICY_COMMANDS = [("expand-policy", "--policy"), ("analyze-iam-policy", "--policy")]


# -- files that are not regular files: refused before they are opened -----------------------------

@pytest.mark.parametrize("special", SPECIALS)
@pytest.mark.parametrize("argv", [
    ["expand-policy", "--policy", "{}"],
    ["analyze-iam-policy", "--policy", "{}"],
    ["analyze-iam-policy", "--policy", "good.json", "--from-audit-file", "{}"],
    ["audit", "{}"],
    ["audit", "good.json", "--exclusions", "{}"],
    ["write-policy", "--input-file", "{}"],
], ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_fifos_and_devices_are_refused_before_reading(corpus, argv, special):
    proc = cli(*[special if a == "{}" else a for a in argv], cwd=corpus, timeout=60)
    err = clean(proc)
    assert proc.returncode == 2
    assert "named pipe" in err or "character device" in err


def test_the_gate_refuses_a_fifo_without_opening_it(corpus):
    from policy_tf.core import safeload
    from policy_tf.core.errors import InputError

    with pytest.raises(InputError, match="named pipe"):  # would block forever if it were opened
        safeload.read_user_bytes(str(corpus / "fifo"))


def test_the_size_cap_holds_while_reading(tmp_path):
    from policy_tf.core import safeload
    from policy_tf.core.errors import InputError

    path = tmp_path / "big"
    path.write_bytes(b" " * 2_000)
    with pytest.raises(InputError, match="larger than the 1,000 bytes limit"):
        safeload.read_user_bytes(str(path), max_bytes=1_000)
    with open("/dev/zero", "rb") as zero, pytest.raises(InputError, match="larger than"):
        safeload.read_capped(zero, "/dev/zero", 4096)


# -- shapes: an error or findings, never a silent reading ---------------------------------------

@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("command,option", POLICY_COMMANDS)
def test_ill_shaped_policies_are_errors_in_expand_and_analyze(corpus, name, command, option):
    proc = cli(command, option, name, cwd=corpus)
    err = clean(proc)
    assert proc.returncode == 2 and name in err and "not a policy document AWS would accept" in err


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_ill_shaped_policies_are_findings_in_audit(corpus, name):
    proc = cli("audit", name, "--fmt", "json", cwd=corpus)
    clean(proc)
    found = json.loads(proc.stdout)["findings"]
    assert proc.returncode == 1 and any(f["severity"] == "ERROR" for f in found)


@pytest.mark.parametrize("name", ["kelvin.json", "long-s.json"])
def test_look_alike_actions_grant_nothing(corpus, name):
    proc = cli("audit", name, "--fmt", "json", cwd=corpus)
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert "INVALID_ACTION_FORMAT" in codes
    assert not codes & {"FULL_ADMIN", "SERVICE_WILDCARD", "CREDENTIALS_EXPOSURE", "DATA_EXFILTRATION"}


@pytest.mark.parametrize("name", sorted(RAW))
@pytest.mark.parametrize("command", ["expand-policy", "analyze-iam-policy", "audit"])
def test_undecodable_deep_and_duplicate_inputs_are_clean_errors(corpus, name, command):
    proc = cli(*([command, name] if command == "audit" else [command, "--policy", name]), cwd=corpus)
    err = clean(proc)
    if command == "audit" and name == "duplicate-key.json":  # readable JSON breaking a rule: a finding (issue 18)
        assert proc.returncode == 1 and b"MALFORMED_POLICY" in proc.stdout and b"duplicate key" in proc.stdout
    else:
        assert proc.returncode == 2 and name in err


@pytest.mark.parametrize("name", sorted(PLANS) + sorted(ACCOUNT))
def test_ill_shaped_plans_and_account_details_are_reported_not_crashed(corpus, name):
    proc = cli("audit", name, cwd=corpus)
    err = clean(proc)
    assert (proc.returncode == 2 and f"policy_tf: error: {name}" in err) or b"NOT ANALYZED" in proc.stdout \
        or b"analyzed, " in proc.stdout


def test_a_deeply_nested_resource_is_skipped_and_the_rest_of_the_plan_audited(corpus):
    proc = cli("audit", "plan-deep-waf.json", "--fmt", "json", cwd=corpus)
    clean(proc)
    report = json.loads(proc.stdout)
    assert [n["policy"] for n in report["not_analyzed"]] == ["aws_wafv2_web_acl.w"]
    assert any(f["policy"] == "aws_iam_policy.p.policy" for f in report["findings"])


def test_after_unknown_true_means_every_attribute_is_unknown(corpus):
    report = json.loads(cli("audit", "plan-after-unknown-true.json", "--fmt", "json", cwd=corpus).stdout)
    assert [n["policy"] for n in report["not_analyzed"]] == ["aws_iam_policy.p.policy"]


@pytest.mark.parametrize("name", sorted(TF))
def test_hostile_tf_files_leave_the_policy_not_analyzed_or_checked(corpus, name):
    proc = cli("audit", name, "--fmt", "json", cwd=corpus)
    clean(proc)
    report = json.loads(proc.stdout)
    assert report["not_analyzed"] or report["findings"]


def test_file_with_path_module_resolves_inside_the_audited_folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "main.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = '
                                             'file("${path.module}/policy.json")\n}\n')
    (tmp_path / "in" / "policy.json").write_text(GOOD)
    report = json.loads(cli("audit", "in", "--fmt", "json", cwd=tmp_path).stdout)
    assert report["not_analyzed"] == []
    assert any(f["policy"] == "aws_iam_policy.p.policy" for f in report["findings"])


def test_exclusions_with_complex_keys_are_a_clean_error(corpus, tmp_path):
    excl = tmp_path / "x.yml"
    excl.write_text("exclusions:\n  - ? [a, b]\n    : 1\n    reason: x\n")
    proc = cli("audit", "good.json", "--exclusions", str(excl), cwd=corpus)
    assert clean(proc) and proc.returncode == 2


# -- expansion: work scales with distinct patterns ------------------------------------------------

@pytest.mark.parametrize("command", ["expand-policy", "analyze-iam-policy", "audit"])
def test_a_pattern_repeated_100000_times_is_expanded_once(corpus, command):
    proc = cli(*([command, "star-100k.json"] if command == "audit" else [command, "--policy", "star-100k.json"]),
               cwd=corpus, timeout=60)
    clean(proc)
    assert proc.returncode in (0, 1)


def test_thousands_of_star_statements_stay_within_budget(corpus):
    expand = cli("expand-policy", "--policy", "star-statements.json", cwd=corpus, timeout=60)
    assert expand.returncode == 2 and "more than 1,000,000 actions" in clean(expand)
    analyze = cli("analyze-iam-policy", "--policy", "star-statements.json", cwd=corpus, timeout=60)
    clean(analyze)
    assert analyze.returncode == 0 and len(json.loads(analyze.stdout)["star-statements.json"]) > 10_000
    audit = cli("audit", "star-statements.json", cwd=corpus, timeout=60)
    assert audit.returncode == 2 and "not audited" in clean(audit)


def test_an_empty_output_path_is_an_error(corpus):
    proc = cli("audit", "good.json", "--output", "", cwd=corpus)
    assert proc.returncode == 2 and proc.stdout == b"" and "expected a path" in clean(proc)


def test_initialize_refuses_a_fifo_among_the_documentation_pages(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    os.mkfifo(docs / "list_amazons3.html")
    proc = cli("initialize", "--docs-dir", str(docs), "--source", "html", cwd=tmp_path, timeout=60)
    err = clean(proc)
    assert proc.returncode == 2 and "named pipe" in err


@pytest.mark.parametrize("command", ["analyze-iam-policy", "audit"])
def test_a_fifo_in_a_folder_is_reported_and_the_other_files_read(tmp_path, command):
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "good.json").write_text(GOOD)
    os.mkfifo(folder / "pipe.json")
    proc = cli(*([command, "policies"] if command == "audit" else [command, "--policy", "policies"]), cwd=tmp_path,
               timeout=60)
    err = clean(proc)
    assert proc.returncode == 2 and "pipe.json: is a named pipe" in err and b"good" in proc.stdout
