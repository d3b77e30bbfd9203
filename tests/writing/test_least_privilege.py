"""Least privilege by default (issue 7): only the ARN's own service, dependents only on the ARN asked for,
no Resource broader than written; the opt-ins (cross-service, include-dependent-actions: all,
named-actions) and their bad-input errors."""
from __future__ import annotations

import re

import pytest

from policy_tf.core.diagnostics import GRANTED_BROADLY, NOT_GRANTED, Diagnostic
from policy_tf.core.errors import InputError
from policy_tf.iamdb.arn import parse_arn
from policy_tf.iamdb.catalog import catalog
from policy_tf.writing.pipeline import build
from policy_tf.writing.template import LEVEL_KEYS, parse

ACCOUNT = "123456789012"
_VARIABLE = re.compile(r"\$?\{([^{}]*)\}")


def example_arn(arn_format: str) -> str:
    fixed = {"Partition": "aws", "Region": "eu-west-1", "Account": ACCOUNT, "Vendor": "backup"}
    fields = arn_format.split(":", 5)
    if len(fields) == 6 and ("$" in fields[4] or fields[4] == "*"):  # ${ManagementAccountId}, backup's '*'
        fields[4] = ACCOUNT
    return _VARIABLE.sub(lambda m: fixed.get(m.group(1), "a1"), ":".join(fields)).replace("*", "x")


def actions(policy: dict) -> set[str]:
    return {a for s in policy["Statement"] for a in s["Action"]}


def left_out(warnings: list[Diagnostic], text: str) -> list[str]:
    return [str(w) for w in warnings if w.kind == NOT_GRANTED and text in str(w)]


# --- the property, over the whole database -----------------------------------------------------

def _violations(arn: str, key: str, level: str, cat) -> list[str]:
    """What a default-mode policy for ``key: [arn]`` breaks of rules 1, 2 and 4 (empty: nothing)."""
    try:
        policy = build(parse({"mode": "crud", key: [arn]}, "t")).policy
    except InputError as exc:
        return [] if "grants nothing" in str(exc) else [f"{arn} {key}: {exc}"]
    parsed = parse_arn(arn)
    matched = cat.match(parsed)
    own = {p for p, _ in matched if p == parsed.service}
    allowed = own or {p for p, _ in matched}  # formats such as ${Vendor} fall back to their services
    out = []
    for statement in policy["Statement"]:
        for action in statement["Action"]:
            prefix, name = action.split(":")
            if prefix not in allowed:
                out.append(f"{arn} {key}: {action} is of another service")
            if statement["Sid"].startswith("Dependent") and level != "Permissions management" \
                    and cat.level(prefix, name) == "Permissions management":
                out.append(f"{arn} {key}: dependent {action} is Permissions management")
        # The ARN itself, or a resource under it (a table's index: the ARN, then '/' or ':').
        out.extend(f"{arn} {key}: Resource {r} is broader" for r in statement["Resource"]
                   if r != arn and not (r.startswith(arn) and r[len(arn)] in "/:"))
    return out


@pytest.mark.slow
def test_every_resource_type_at_every_level_gets_only_its_own_service_on_its_own_arn():
    cat = catalog()  # one catalog for the whole walk: its look-ups are memoized
    formats = {}
    for prefix, rtype, arn_format in cat.db.execute("SELECT prefix, resource_type, arn_format FROM arn_formats ORDER "
                                                    "BY arn_format"):
        formats.setdefault((prefix, rtype), arn_format)
    assert len(formats) > 2000  # the whole database, not a sample
    failures = [v for arn_format in sorted(formats.values()) for key, level in LEVEL_KEYS.items()
                for v in _violations(example_arn(arn_format), key, level, cat)]
    assert failures == []


# --- the cases of the issue, by name -----------------------------------------------------------

def test_write_on_a_bucket_grants_s3_only_and_names_what_it_left_out():
    result = build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"]})
    assert {a.split(":")[0] for a in actions(result.policy)} == {"s3"}
    assert all(s["Resource"] == ["arn:aws:s3:::mybucket"] for s in result.policy["Statement"])
    assert left_out(result.warnings, "ssm (SendCommand)") and left_out(result.warnings, "cross-service: [ssm]")
    for dep in ("iam:PassRole", "s3tables:PutTablePolicy", "s3tables:PutTableBucketPolicy",
                "s3tables:CreateTableBucket",
                "kms:DescribeKey"):
        (warning,) = left_out(result.warnings, f"dependent action {dep} ")
        assert "needed by s3:" in warning and "named-actions:" in warning


def test_write_on_an_instance_grants_no_shell_and_no_tagging_of_other_resource_types():
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"
    result = build({"mode": "crud", "write": [arn]})
    granted = actions(result.policy)
    assert "ec2:StopInstances" in granted
    assert not {"ssm:StartSession", "ec2-instance-connect:SendSSHPublicKey"} & granted
    assert all(s["Resource"] == [arn] for s in result.policy["Statement"])
    assert left_out(result.warnings, "ec2-instance-connect (SendSSHPublicKey") \
        and left_out(result.warnings, "StartSession")


def test_write_on_a_role_does_not_grant_assume_role():
    result = build({"mode": "crud", "write": [f"arn:aws:iam::{ACCOUNT}:role/app"]})
    assert "sts:AssumeRole" not in actions(result.policy) and "iam:UpdateRole" in actions(result.policy)
    assert left_out(result.warnings, "sts (AssumeRole")


def test_write_on_a_kms_key_grants_neither_events_nor_kinesis():
    result = build({"mode": "crud", "write": [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1"]})
    assert {a.split(":")[0] for a in actions(result.policy)} == {"kms"}
    assert left_out(result.warnings, "events (CreateArchive") and left_out(result.warnings,
                                                                           "kinesis (StartStreamEncryption")


def test_write_on_a_topic_grants_no_permissions_management_on_other_topics():
    arn = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts"
    result = build({"mode": "crud", "write": [arn]})
    assert {a.split(":")[0] for a in actions(result.policy)} == {"sns"}
    assert all(s["Resource"] == [arn] for s in result.policy["Statement"])
    assert "sns:SetTopicAttributes" not in actions(result.policy)
    assert left_out(result.warnings, "devops-guru (")


def test_wildcard_only_kms_write_adds_no_key_policy_and_no_service_linked_role():
    result = build({"mode": "crud", "wildcard-only": {"service-write": ["kms"]}})
    assert not {"kms:PutKeyPolicy", "iam:CreateServiceLinkedRole"} & actions(result.policy)
    assert "Permissions management, which was not requested" in left_out(result.warnings, "kms:PutKeyPolicy")[0]
    assert "of another service" in left_out(result.warnings, "iam:CreateServiceLinkedRole")[0]


def test_dependents_of_a_table_stay_on_the_table_and_its_indexes():
    arn = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
    policy = build({"mode": "crud", "write": [arn]}).policy
    assert {r for s in policy["Statement"] for r in s["Resource"]} == {arn, f"{arn}/index/*"}


def test_permissions_management_dependents_come_when_that_level_is_asked_for_the_arn():
    arn = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1"
    assert "kms:PutKeyPolicy" in actions(build({"mode": "crud", "write": [arn],
                                                "permissions-management": [arn]}).policy)


def test_a_format_of_another_service_falls_back_to_that_service_and_says_so():
    result = build({"mode": "crud", "read": [f"arn:aws:ec2:eu-west-1:{ACCOUNT}:recovery-point:rp-1"]})
    assert {a.split(":")[0] for a in actions(result.policy)} == {"backup"}
    assert any("no resource type of 'ec2' has the format" in str(w) for w in result.warnings)


def test_the_shared_format_note_stays_only_within_one_service():
    result = build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"]})
    assert not any("matches resource types" in str(w) for w in result.warnings)


# --- cross-service -----------------------------------------------------------------------------

def test_cross_service_adds_that_services_actions_on_the_arn_in_their_own_statements():
    arn = "arn:aws:ec2:us-east-1::snapshot/snap-0abc"
    policy = build({"mode": "crud", "read": [arn], "cross-service": ["ebs"]}).policy
    (statement,) = [s for s in policy["Statement"] if s["Sid"].startswith("Ebs")]
    assert {"ebs:GetSnapshotBlock", "ebs:ListSnapshotBlocks", "ebs:ListChangedBlocks"} <= set(statement["Action"])
    assert statement["Resource"] == [arn]


def test_cross_service_all_adds_every_service_that_accepts_the_arn():
    result = build({"mode": "crud", "write": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1"], "cross-service": "all"})
    assert {"ssm:SendCommand", "ec2-instance-connect:SendSSHPublicKey"} <= actions(result.policy)
    assert not left_out(result.warnings, "cross-service")


def test_cross_service_naming_a_service_that_accepts_no_arn_of_the_template_is_a_warning():
    result = build({"mode": "crud", "write": ["arn:aws:s3:::b"], "cross-service": ["ssm", "ebs"]})
    assert "ssm:SendCommand" in actions(result.policy)
    assert any("cross-service[1]: no action of ebs" in str(w) for w in result.warnings)


@pytest.mark.parametrize("value, message", [
    (["s4"], r"cross-service\[0\]: unknown service 's4'"),
    (["all", "ssm"], "cross-service: 'all' already covers every service"),
    ({"ssm": True}, "cross-service: expected a list of strings"),
])
def test_bad_cross_service_values_are_errors(value, message):
    with pytest.raises(InputError, match=message):
        build({"mode": "crud", "write": ["arn:aws:s3:::b"], "cross-service": value})


def test_cross_service_is_a_crud_key():
    with pytest.raises(InputError, match="cross-service: unknown key"):
        build({"mode": "actions", "actions": ["s3:GetObject"], "cross-service": ["ssm"]})


# --- include-dependent-actions -----------------------------------------------------------------

@pytest.mark.parametrize("value", [True, "true", "scoped", "Scoped"])
def test_true_means_scoped(value):
    template = {"mode": "crud", "write": ["arn:aws:s3:::mybucket"], "include-dependent-actions": value}
    assert build(template).policy == build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"]}).policy


@pytest.mark.parametrize("value", [False, "false", "none"])
def test_false_and_none_leave_dependents_out(value):
    result = build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"], "include-dependent-actions": value})
    assert not any(s["Sid"].startswith("Dependent") for s in result.policy["Statement"])
    assert not any("dependent action" in str(w) for w in result.warnings)


def test_all_adds_the_others_scoped_as_narrowly_as_the_arn_allows_each_named():
    arn = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts"
    result = build({"mode": "crud", "write": [arn], "include-dependent-actions": "all"})
    extra = actions(result.policy) - actions(build({"mode": "crud", "write": [arn]}).policy)
    assert "iam:PassRole" in extra
    named = [w.message for w in result.warnings if w.kind == GRANTED_BROADLY
             and w.message.startswith("dependent action")]
    assert {w.split()[2] for w in named} == extra
    # The region and account of the ARN asked for bound every other dependent's Resource.
    assert all(r == "*" or f":eu-west-1:{ACCOUNT}:" in r or f"::{ACCOUNT}:" in r
               for s in result.policy["Statement"] for r in s["Resource"])


@pytest.mark.parametrize("value", ["sometimes", 1, ["all"]])
def test_bad_include_dependent_actions_values_are_errors(value):
    with pytest.raises(InputError, match="include-dependent-actions: expected true"):
        build({"mode": "crud", "write": ["arn:aws:s3:::b"], "include-dependent-actions": value})


# --- named-actions -----------------------------------------------------------------------------

def test_named_actions_follow_the_advice_for_a_left_out_dependent():
    role = f"arn:aws:iam::{ACCOUNT}:role/s3-replication"
    result = build({"mode": "crud", "write": ["arn:aws:s3:::mybucket"], "named-actions": {"iam:PassRole": [role]}})
    (statement,) = [s for s in result.policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert statement == {"Sid": "NamedIamWriteRole", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": [role]}
    assert not left_out(result.warnings, "iam:PassRole")


def test_named_actions_take_conditions_of_their_own_section():
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    policy = build({"mode": "crud", "named-actions": {"iam:PassRole": [role]},
                    "conditions": {"named-actions": {
                        "StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}}}}).policy
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}}


@pytest.mark.parametrize("named, message", [
    ({"iam:PassRole": ["arn:aws:s3:::b"]},
     r"named-actions.iam:PassRole\[0\]: iam:PassRole does not act on arn:aws:s3:::b \(s3:bucket"),
    ({"iam:Pass*": [f"arn:aws:iam::{ACCOUNT}:role/a"]}, "is not an action name"),
    ({"iam:PassRolle": [f"arn:aws:iam::{ACCOUNT}:role/a"]}, "did you mean: PassRole"),
    ({"s3:ListAllMyBuckets": ["arn:aws:s3:::b"]},
     "supports only Resource '\\*'; list it under wildcard-only.single-actions"),
    ({"iam:PassRole": ["role/a"]}, r"named-actions.iam:PassRole\[0\]: not an ARN"),
    ({"iam:PassRole": "*"}, r"not an ARN"),
    (["iam:PassRole"], "named-actions: expected a mapping of actions to ARNs"),
    ({"iam:PassRole": {"a": 1}}, r"named-actions.iam:PassRole: expected a list of strings"),
])
def test_bad_named_actions_are_errors_naming_the_field(named, message):
    with pytest.raises(InputError, match=message):
        build({"mode": "crud", "named-actions": named})
