"""Who can become whom in `.tf` and plan mode: role -> role sts:AssumeRole chains whose trust and
permission policies name each other by Terraform reference (``aws_iam_role.x.arn``), unknown
until apply.

The fixture configuration (tests/fixtures/audit/role-chains) holds chains of 2, 3 and 4 hops
to an admin-equivalent role, written with ``jsonencode`` and with ``aws_iam_policy_document``
data sources, and one admin role whose trust names another role than those allowed to assume
it. ``role-chains.plan.json`` beside it is ``terraform show -json`` of its plan (Terraform 1.11,
hashicorp/aws 5.100, planned offline); the last test makes it again with real Terraform.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policy_tf.analysis import graph
from policy_tf.analysis.audit import audit
from policy_tf.analysis.inputs import read
from policy_tf.analysis.model import UNKNOWN_ACCOUNT

try:
    from tests.tfdouble import mirror
except ImportError:  # pytest run with tests/ (not the repo root) on sys.path
    from tfdouble import mirror

pytest.importorskip("hcl2")

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "audit" / "role-chains"
PLAN = REPO / "tests" / "fixtures" / "audit" / "role-chains.plan.json"
ACCOUNT = UNKNOWN_ACCOUNT  # the account Terraform applies to, known only then

CHAINS = {
    2: ("aws_iam_user.c2_dev", ["aws_iam_role.c2_hop", "aws_iam_role.c2_admin"]),
    3: ("aws_iam_role.c3_start", ["aws_iam_role.c3_one", "aws_iam_role.c3_two", "aws_iam_role.c3_admin"]),
    4: ("aws_iam_user.c4_dev", ["aws_iam_role.c4_one", "aws_iam_role.c4_two", "aws_iam_role.c4_three",
                                "aws_iam_role.c4_admin"]),
}


def run(mode: str):
    """The audit of the fixture as .tf files, or of its plan with the .tf files placing it."""
    if mode == "tf":
        return audit([str(FIXTURE)])
    return audit([str(PLAN)], config_dir=str(FIXTURE))


def paths(result) -> dict:
    return {f.policy: f for f in result.findings if f.code == "PATH_TO_ADMIN"}


@pytest.fixture(scope="module", params=["tf", "plan"])
def mode_result(request):
    return request.param, run(request.param)


@pytest.mark.parametrize("hops", sorted(CHAINS))
def test_chains_of_two_three_and_four_hops_reach_the_admin_role(mode_result, hops):
    mode, result = mode_result
    assert result.errors == [] and result.not_analyzed == [], mode
    start, targets = CHAINS[hops]
    found = paths(result)[start]
    route = [(h[0], h[1], h[2]) for h in found.extra["hops"]]
    assert route == list(zip([start, *targets[:-1]], targets, ["sts:AssumeRole"] * hops))
    assert found.extra["admin"] == targets[-1] and f"in {hops} hops" in found.message
    # every role on the way has its own, shorter path
    for n, role in enumerate(targets[:-1]):
        assert len(paths(result)[role].extra["hops"]) == hops - n - 1


def test_a_trust_that_names_another_role_is_no_edge(mode_result):
    mode, result = mode_result
    found = paths(result)
    # chain0-dev and chain0-peer may sts:AssumeRole on chain0-admin, whose trust names chain0-other
    assert "aws_iam_user.c0_dev" not in found and "aws_iam_role.c0_peer" not in found, mode
    # chain0-other itself is let in by name (no permission of its own needed): the trust is read;
    # it holds no policy, so its path is reported at its own trust policy
    other = found["aws_iam_role.c0_other"]
    assert [h[:2] for h in other.extra["hops"]] == [("aws_iam_role.c0_other", "aws_iam_role.c0_admin")]
    trust = next(p for p in result.policies if p.name == "aws_iam_role.c0_other.assume_role_policy")
    assert (other.file, other.line) == (trust.file, trust.line)


def test_no_edge_in_the_graph_either():
    built = graph.build(read([str(FIXTURE)]))
    into_admin = {source for source, _, _ in built.edges.get("aws_iam_role.c0_admin", ())}
    assert into_admin == {"aws_iam_role.c0_other"}
    assert built.nodes["aws_iam_role.c0_admin"].name == "chain0-admin"  # matched by IAM name, not label


def test_iam_vulnerable_style_user_to_role_to_administrator_access_with_each_hops_evidence(mode_result):
    mode, result = mode_result
    found = paths(result)["aws_iam_user.c2_dev"]
    first, second = found.extra["hops"]
    assert first[:3] == ("aws_iam_user.c2_dev", "aws_iam_role.c2_hop", "sts:AssumeRole")
    assert f"aws_iam_role.c2_hop.assume_role_policy statement 0 trusts arn:aws:iam::{ACCOUNT}:user/chain2-dev" \
        in first[3]
    assert f"aws_iam_user_policy.c2_dev.policy statement 0 allows sts:AssumeRole on " \
           f"arn:aws:iam::{ACCOUNT}:role/chain2-hop" in first[3]
    assert second[:3] == ("aws_iam_role.c2_hop", "aws_iam_role.c2_admin", "sts:AssumeRole")
    assert f"aws_iam_role.c2_admin.assume_role_policy statement 0 trusts arn:aws:iam::{ACCOUNT}:role/chain2-hop" \
        in second[3]
    assert f"aws_iam_role_policy.c2_hop.policy statement 0 allows sts:AssumeRole on " \
           f"arn:aws:iam::{ACCOUNT}:role/chain2-admin" in second[3]
    assert "aws_iam_role.c2_admin may do every action on every resource (arn:aws:iam::aws:policy/" \
           "AdministratorAccess (attached by aws_iam_role_policy_attachment.c2_admin))" in found.message
    # reported at the user's policy, in the .tf file, in both modes
    policy = next(p for p in result.policies if p.name == "aws_iam_user_policy.c2_dev.policy")
    assert (found.file, found.line) == (str(FIXTURE / "main.tf"), policy.line) and found.severity == "SECURITY_WARNING"


def test_the_chain_is_in_the_json_report(cli):
    code, out, _ = cli("audit", str(FIXTURE), "--fmt", "json", "--checks", "PATH_TO_ADMIN")
    found = {f["policy"]: f for f in json.loads(out)["findings"]}
    assert code == 1 and set(found) == {
        "aws_iam_user.c2_dev", "aws_iam_role.c2_hop", "aws_iam_role.c3_start", "aws_iam_role.c3_one",
        "aws_iam_role.c3_two", "aws_iam_user.c4_dev", "aws_iam_role.c4_one", "aws_iam_role.c4_two",
        "aws_iam_role.c4_three", "aws_iam_role.c0_other"}
    assert "aws_iam_user.c2_dev -> aws_iam_role.c2_hop by sts:AssumeRole" in found["aws_iam_user.c2_dev"]["message"]


def test_the_plan_alone_reads_its_data_sources_from_the_configurations_references(tmp_path, monkeypatch):
    # no .tf files beside the plan nor in the working folder: jsonencode(...) of an unknown value
    # has no structure in the plan, but an aws_iam_policy_document has its statement blocks
    shutil.copy(PLAN, tmp_path / "plan.json")
    monkeypatch.chdir(tmp_path)
    result = audit(["plan.json"])
    found = paths(result)
    assert [h[1] for h in found["aws_iam_user.c4_dev"].extra["hops"]] == CHAINS[4][1]
    # the role's path is the plan's: its ARN is role/ops/chain4-two
    assert f"aws_iam_role_policy.c4_one.policy statement 0 allows sts:AssumeRole on " \
           f"arn:aws:iam::{ACCOUNT}:role/ops/chain4-two" in found["aws_iam_role.c4_one"].extra["hops"][0][3]
    assert "aws_iam_user.c0_dev" not in found and "aws_iam_role.c0_peer" not in found
    # what stays unknown is reported as such, never silently dropped
    assert {n.name for n in result.not_analyzed} == {
        "aws_iam_role.c2_hop.assume_role_policy", "aws_iam_user_policy.c2_dev.policy",
        "aws_iam_role_policy.c3_start.policy", "aws_iam_role_policy.c3_two.policy",
        "aws_iam_role.c3_admin.assume_role_policy"}
    assert {n.reason for n in result.not_analyzed} == {"known only after apply"}
    rebuilt = next(p for p in result.policies if p.name == "aws_iam_role.c4_one.assume_role_policy")
    assert rebuilt.document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:user/chain4-dev"}


def _tf(tmp_path, text: str) -> dict:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    result = audit([str(tmp_path)])
    assert result.errors == []
    return {"result": result, "paths": paths(result)}


ADMIN_ROLE = '''
data "aws_caller_identity" "current" {}

resource "aws_iam_role" "admin" {
  name = "admin"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" } }]
  })
}

resource "aws_iam_role_policy" "admin" {
  role   = aws_iam_role.admin.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
'''


def _user(label: str, statement: str) -> str:
    return f'''
resource "aws_iam_user" "{label}" {{
  name = "{label}"
}}

resource "aws_iam_user_policy" "{label}" {{
  user   = aws_iam_user.{label}.name
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{statement}] }})
}}
'''


def test_a_trust_of_the_account_lets_in_only_who_may_assume_the_role(tmp_path):
    found = _tf(tmp_path, ADMIN_ROLE
                + _user("allowed", '{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.admin.arn }')
                + _user("elsewhere", '{ Effect = "Allow", Action = "sts:AssumeRole", '
                                     'Resource = "arn:aws:iam::111122223333:role/admin-other" }'))
    [hop] = found["paths"]["aws_iam_user.allowed"].extra["hops"]
    assert hop[1] == "aws_iam_role.admin" and f"trusts arn:aws:iam::{ACCOUNT}:root" in hop[3]
    assert "aws_iam_user.elsewhere" not in found["paths"]
    # the account of the configuration is its own: no cross-account trust, no invalid principal
    codes = {f.code for f in found["result"].findings if f.policy == "aws_iam_role.admin.assume_role_policy"}
    assert not codes & {"TRUST_CROSS_ACCOUNT", "INVALID_AWS_PRINCIPAL", "WILDCARD_IN_PRINCIPAL", "TRUST_ANYONE"}


def test_a_reference_to_a_role_of_unknown_name_is_not_guessed(tmp_path):
    found = _tf(tmp_path, '''
variable "name" {
  type = string
}

resource "aws_iam_role" "target" {
  name               = var.name
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
''' + _user("dev", '{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.target.arn }'))
    [skipped] = [n for n in found["result"].not_analyzed if n.name == "aws_iam_user_policy.dev.policy"]
    assert "depends on aws_iam_role.target.arn" in skipped.reason


def test_a_look_alike_label_is_another_resource(tmp_path):
    # aws_iam_role.аdmin (Cyrillic а) is not aws_iam_role.admin: a reference names one only
    found = _tf(tmp_path, ADMIN_ROLE.replace('resource "aws_iam_role" "admin"', 'resource "aws_iam_role" "\u0430dmin"')
                .replace("role   = aws_iam_role.admin.name", 'role   = "admin"')
                + _user("dev", '{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.admin.arn }'))
    [skipped] = [n for n in found["result"].not_analyzed if n.name == "aws_iam_user_policy.dev.policy"]
    assert "depends on aws_iam_role.admin.arn" in skipped.reason and "aws_iam_user.dev" not in found["paths"]


@pytest.mark.terraform
@pytest.mark.slow
@pytest.mark.skipif(mirror.terraform_binary() is None, reason="terraform is not on PATH")
@pytest.mark.skipif(not (mirror.AWS_PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir(),
                    reason=f"hashicorp/aws is not in the filesystem mirror {mirror.AWS_PLUGIN_MIRROR}")
def test_real_terraform_plans_the_fixture_as_the_committed_plan_says(tmp_path):
    work = tmp_path / "config"
    shutil.copytree(FIXTURE, work)
    (tmp_path / "empty-mirror").mkdir()
    cli_config = mirror.write_cli_config(tmp_path / "cli.tfrc", tmp_path / "empty-mirror")
    env = {"AWS_EC2_METADATA_DISABLED": "true"}
    for args in (["init", "-backend=false"], ["plan", "-refresh=false", "-out=plan.out"]):
        done = mirror.run_terraform(args, work, cli_config, timeout=300, extra_env=env)
        assert done.returncode == 0, f"terraform {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    shown = mirror.run_terraform(["show", "-json", "plan.out"], work, cli_config, timeout=120, extra_env=env)
    assert shown.returncode == 0, shown.stderr
    (work / "plan.json").write_text(shown.stdout, encoding="utf-8")

    def routes(result) -> dict:
        return {p: [h[:3] for h in f.extra["hops"]] for p, f in paths(result).items()}

    fresh = audit([str(work / "plan.json")], config_dir=str(work))
    assert fresh.errors == [] and fresh.not_analyzed == []
    assert routes(fresh) == routes(run("plan"))


TABLE = {"aws_iam_role.b.arn": f"arn:aws:iam::{ACCOUNT}:role/b", "aws_iam_role.c.arn": f"arn:aws:iam::{ACCOUNT}:role/c"}


def _statement(resources, unknown, references, condition_unknown=()):
    from policy_tf.analysis.inputs.terraform_plan import document_from_plan

    values = {"statement": [{"actions": ["sts:AssumeRole"], "resources": resources, "condition": [],
                             "principals": [], "not_principals": []}]}
    after_unknown = {"json": True, "statement": [{"actions": [False], "resources": unknown,
                                                  "condition": list(condition_unknown)}]}
    expressions = {"statement": [{"actions": {"constant_value": ["sts:AssumeRole"]},
                                  "resources": {"references": references}}]}
    return document_from_plan(values, after_unknown, expressions, TABLE)


def test_an_unknown_element_is_read_from_the_one_reference_that_names_a_principal():
    doc = _statement([None, "arn:aws:iam::111122223333:role/x"], [True, False],
                     ["aws_iam_role.b.arn", "aws_iam_role.b"])
    assert doc["Statement"][0]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/b", "arn:aws:iam::111122223333:role/x"]
    two = _statement([None, None], [True, True], ["aws_iam_role.b.arn", "aws_iam_role.b", "aws_iam_role.c.arn",
                                                 "aws_iam_role.c"])
    assert two["Statement"][0]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/b", f"arn:aws:iam::{ACCOUNT}:role/c"]


@pytest.mark.parametrize("resources, unknown, references, condition", [
    ([None], [True], ["aws_s3_bucket.x.arn", "aws_s3_bucket.x"], ()),                   # not a principal of the plan
    ([None], [True], ["aws_iam_role.b.arn", "aws_iam_role.b", "var.extra"], ()),        # more references than holes
    (None, True, ["aws_iam_role.b.arn", "aws_iam_role.b"], ()),                          # the whole list unknown
    (["x"], [False], [], [{"values": [True]}]),                                          # a Condition's value unknown
])
def test_anything_else_unknown_leaves_the_data_source_unread(resources, unknown, references, condition):
    assert _statement(resources, unknown, references, condition) is None
