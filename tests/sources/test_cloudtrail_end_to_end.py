"""Logs -> templates -> write-policy -> policy: it grants the observed calls on the observed ARNs,
and nothing at an access level that was not used on that ARN."""
from __future__ import annotations

import json

import pytest
from cli_runner import run_policy_tf
from cloudtrail_events import FIXTURE_LOGS, ORDERS_APP

from policy_tf.iamdb.catalog import catalog
from policy_tf.sources.cloudtrail.generate import generate

TEMPLATE = "111122223333-role-service-orders-app.yml"


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("templates")
    home = tmp_path_factory.mktemp("home")  # module scope: conftest's per-test home is not set up yet

    def run(*argv: str):
        return run_policy_tf(*argv, home=home)

    proc = run("generate-template", "--cloudtrail", str(FIXTURE_LOGS), "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    proc = run("write-policy", "--input-file", str(out / TEMPLATE))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def observed() -> dict:
    """(action, level, ARN) -> calls, as the evidence saw them."""
    return generate(str(FIXTURE_LOGS), principals=(ORDERS_APP,), progress=False).evidence.principals[ORDERS_APP].granted


def grants(policy: dict, dependent: bool = True):
    for statement in policy["Statement"]:
        if not dependent and statement["Sid"].startswith("Dependent"):
            continue
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                yield action, resource


def test_the_policy_grants_every_observed_call_on_its_arn(policy, observed):
    granted = set(grants(policy))
    assert [(a, arn) for a, _, arn in observed if (a, arn) not in granted] == []


def test_the_policy_grants_nothing_at_a_level_not_used_on_that_arn(policy, observed):
    used = {}
    for _action, level, arn in observed:
        used.setdefault(arn, set()).add(level)
    cat = catalog()
    wrong = [(action, arn) for action, arn in grants(policy, dependent=False)
             if cat.level(*action.split(":")) not in used.get(arn, set())]
    assert wrong == []


def test_a_denied_call_is_not_in_the_policy(policy):
    assert "arn:aws:s3:::acme-archive/daily.csv" not in {r for _, r in grants(policy)}


def test_write_policy_dir_reads_the_generated_folder(cli_process, tmp_path):
    assert cli_process("generate-template", "--cloudtrail", str(FIXTURE_LOGS),
                       "--output-dir", str(tmp_path / "t")).returncode == 0
    proc = cli_process("write-policy-dir", "--input-dir", str(tmp_path / "t"), "--output-dir", str(tmp_path / "p"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "p").glob("*.json")) == [
        "111122223333-role-ci-deploy.json", "111122223333-role-service-orders-app.json", "111122223333-user-alice.json"]
