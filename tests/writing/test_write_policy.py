"""write_policy on real services: the exact resource type chosen, one access level per statement."""
from __future__ import annotations

import pytest

from policy_tf.core.diagnostics import GRANTED_BROADLY, NOT_GRANTED
from policy_tf.core.errors import InputError
from policy_tf.iamdb import query
from policy_tf.iamdb.catalog import catalog
from policy_tf.writing.pipeline import build, write_policy
from policy_tf.writing.sid import camel

ACCOUNT = "123456789012"


def crud(level: str, *arns: str, **extra) -> dict:
    return {"mode": "crud", level: list(arns), "include-dependent-actions": False, **extra}


def resource_types(policy: dict) -> set[str]:
    """The Sids name (service, level, resource type); that is what each case pins down."""
    return {s["Sid"] for s in policy["Statement"]}


@pytest.mark.parametrize("level, arn, sids", [
    ("read", "arn:aws:s3:::my-bucket", {"S3ReadBucket"}),
    ("read", "arn:aws:s3:::my-bucket/*", {"S3ReadObject"}),
    ("read", "arn:aws:s3:::my-bucket/reports/2024/*.csv", {"S3ReadObject"}),
    ("read", f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/ap1", {"S3ReadAccesspoint"}),
    ("read", f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/ap1/object/k", {"S3ReadAccesspointobject"}),
    ("read", f"arn:aws:s3::{ACCOUNT}:accesspoint/mrap.mrap", {"S3ReadMultiregionaccesspoint"}),
    ("read", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/app/db/password", {"SsmReadParameter"}),
    ("read", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/app/*", {"SsmReadParameter"}),
    ("read", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:db-AbCdEf", {"SecretsmanagerReadSecret"}),
    ("write", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab", {"KmsWriteKey"}),
    ("write", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*", {"KmsWriteKey"}),
    ("write", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders", {"DynamodbWriteTable"}),
    ("write", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/index", {"DynamodbWriteTable"}),
    ("read", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders/index/by-date", {"DynamodbReadIndex"}),
    ("read", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders/stream/2024-01-01T00:00:00.000",
     {"DynamodbReadStream"}),
    ("write", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0123456789abcdef0", {"Ec2WriteInstance"}),
    ("read", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:my-fn", {"LambdaReadFunction"}),
    ("write", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/my-fn", {"LogsWriteLogGroup"}),
    ("write", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/my-fn:*", {"LogsWriteLogGroup"}),
    ("write", f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/my-fn:log-stream:s1", {"LogsWriteLogStream"}),
    ("write", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs", {"SqsWriteQueue"}),
    ("write", f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts", {"SnsWriteTopic"}),
    ("read", f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:prod-db", {"RdsReadDb"}),
    ("write", f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:orders", {"StatesWriteStatemachine"}),
    ("write", f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app", {"EcrWriteRepository"}),
])
def test_each_arn_resolves_to_its_exact_resource_type(level, arn, sids):
    policy = write_policy(crud(level, arn))
    level_name = {"read": "Read", "write": "Write"}[level]
    own = {sid for sid in resource_types(policy) if sid.startswith(camel(arn.split(":")[2]) + level_name)}
    assert own == sids
    assert all(s["Resource"] == [arn] for s in policy["Statement"])


def test_an_unqualified_lambda_function_is_not_also_an_alias_or_version():
    policy = write_policy(crud("write", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:my-fn"))
    assert resource_types(policy) == {"LambdaWriteFunction"}


def test_a_qualified_lambda_arn_is_both_alias_and_version_and_says_so():
    result = build(crud("read", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:my-fn:prod"))
    assert resource_types(result.policy) == {"LambdaReadFunctionAlias", "LambdaReadFunctionVersion"}
    assert any("lambda:function alias, lambda:function version, which share one ARN format" in str(w)
               for w in result.warnings)


def test_iot_thing_group_shares_its_format_with_dynamic_thing_groups_and_says_so():
    result = build(crud("write", f"arn:aws:iot:eu-west-1:{ACCOUNT}:thinggroup/fleet"))
    assert {"IotWriteThinggroup", "IotWriteDynamicthinggroup"} <= resource_types(result.policy)
    assert any("iot:dynamicthinggroup, iot:thinggroup" in str(w) for w in result.warnings)


def test_ebs_snapshot_actions_on_an_ec2_snapshot_arn_need_cross_service():
    # Rule 1 of least privilege: an ec2 ARN gets ec2 actions; ebs's are named, with the key that adds them.
    with pytest.raises(InputError, match=r"ebs \(GetSnapshotBlock.*cross-service: \[ebs\]"):
        build(crud("read", "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0"))
    result = build(crud("read", "arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0", **{"cross-service": ["ebs"]}))
    assert resource_types(result.policy) == {"EbsReadSnapshot"}


def test_write_on_an_iam_role_is_not_empty():
    policy = write_policy(crud("write", f"arn:aws:iam::{ACCOUNT}:role/app"))
    statement = next(s for s in policy["Statement"] if s["Sid"] == "IamWriteRole")
    assert "iam:UpdateRole" in statement["Action"] and "iam:PassRole" in statement["Action"]


@pytest.mark.parametrize("level", ["read", "write", "list", "tagging", "permissions-management"])
@pytest.mark.parametrize("arn", [
    "arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*", f"arn:aws:iam::{ACCOUNT}:role/app",
    f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t",
    f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:s-AbCdEf",
])
def test_every_action_of_a_statement_has_that_statements_access_level(level, arn):
    try:
        result = build({"mode": "crud", level: [arn]})
    except InputError as exc:
        assert "grants nothing" in str(exc)  # no action of that level supports the type: said, not dropped
        return
    levels = {s["Sid"]: {query.action_details(*a.split(":"))["access_level"] for a in s["Action"]}
              for s in result.policy["Statement"]}
    for sid, found in levels.items():
        assert len(found) == 1, (sid, found)
        if not sid.startswith("Dependent"):
            first = next(s for s in result.policy["Statement"] if s["Sid"] == sid)["Action"][0]
            assert found == {query.action_details(*first.split(":"))["access_level"]}
            expected = {"read": "Read", "write": "Write", "list": "List", "tagging": "Tagging",
                        "permissions-management": "Permissions management"}[level]
            assert found == {expected}, sid


def test_no_statement_uses_star_when_a_scoped_arn_exists():
    policy = write_policy(crud("read", "arn:aws:s3:::my-bucket/*"))
    assert all("*" != r for s in policy["Statement"] for r in s["Resource"])


def test_output_is_deterministic_and_sorted():
    template = {"mode": "crud", "write": [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:b", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:a"],
                "read": ["arn:aws:s3:::x/*"]}
    first, second = write_policy(template), write_policy(dict(reversed(list(template.items()))))
    assert first == second
    sids = [s["Sid"] for s in first["Statement"]]
    assert sids == sorted(sids) and len(set(sids)) == len(sids)
    for statement in first["Statement"]:
        assert statement["Action"] == sorted(statement["Action"]) \
            and statement["Resource"] == sorted(statement["Resource"])


def test_several_arns_of_one_type_share_one_statement():
    policy = write_policy(crud("write", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:a", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:b"))
    assert [s["Resource"] for s in policy["Statement"]] == [[f"arn:aws:sqs:eu-west-1:{ACCOUNT}:a",
                                                             f"arn:aws:sqs:eu-west-1:{ACCOUNT}:b"]]


# --- errors and warnings instead of silent drops ----------------------------------------------

@pytest.mark.parametrize("arn, message", [
    ("not-an-arn", "not an ARN"),
    ("arn:aws-moon:s3:::b", "unknown partition"),
    (f"arn:aws:nosuchservice:eu-west-1:{ACCOUNT}:thing/x", "no AWS service uses 'nosuchservice'"),
    (f"arn:aws:kms:eu-west-1:{ACCOUNT}:frobnicator/x", "matches no resource type of 'kms'"),
    ("arn:aws:s3", "expected 6"),
])
def test_bad_arns_are_errors_naming_the_field(arn, message):
    with pytest.raises(InputError, match=message) as caught:
        write_policy(crud("read", arn))
    assert "read[0]" in str(caught.value)


def test_arn_with_no_action_at_that_level_is_a_warning_not_a_silent_drop():
    result = build({"mode": "crud", "read": ["arn:aws:s3:::b/*"], "tagging": [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"],
                    "permissions-management": [f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:g:log-stream:s"]})
    assert any(w.kind == NOT_GRANTED and w.where.endswith("permissions-management[0]")
               and "no Permissions management action" in w.message for w in result.warnings)


def test_template_that_grants_nothing_is_an_error():
    with pytest.raises(InputError, match="grants nothing"):
        write_policy({"mode": "crud", "read": ["arn:aws:s3:::b/*"], "exclude-actions": ["s3:*"]})


def test_exclude_actions_are_case_insensitive_iam_wildcards():
    policy = write_policy(crud("read", "arn:aws:s3:::b/*", **{"exclude-actions": ["S3:getobjectversion*"]}))
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not any(a.lower().startswith("s3:getobjectversion") for a in actions) and "s3:GetObject" in actions


def test_exclude_pattern_that_excludes_nothing_is_a_warning():
    result = build(crud("read", "arn:aws:s3:::b/*", **{"exclude-actions": ["ec2:*"]}))
    assert any("exclude-actions[0]: ec2:* excluded nothing" in str(w) for w in result.warnings)


# --- wildcard-only, skip-resource-constraints, sts ----------------------------------------

def test_service_level_wildcard_only_grants_only_star_only_actions_of_that_level():
    policy = write_policy({"mode": "crud", "wildcard-only": {"service-list": ["s3"]}})
    (statement,) = policy["Statement"]
    assert statement["Sid"] == "S3ListWildcard" and statement["Resource"] == ["*"]
    assert "s3:ListAllMyBuckets" in statement["Action"] and "s3:ListBucket" not in statement["Action"]


def test_single_wildcard_only_action_that_supports_arns_is_an_error():
    with pytest.raises(InputError, match="supports resource types"):
        write_policy({"mode": "crud", "wildcard-only": {"single-actions": ["s3:GetObject"]}})


def test_skip_resource_constraints_grants_on_star_and_warns():
    result = build({"mode": "crud", "skip-resource-constraints": ["s3:GetObject"], "include-dependent-actions": False})
    (statement,) = result.policy["Statement"]
    assert statement["Resource"] == ["*"] and statement["Action"] == ["s3:GetObject"]
    assert any("granted on '*'" in str(w) for w in result.warnings)


def test_sts_assume_role_is_scoped_to_the_roles():
    policy = write_policy({"mode": "crud", "sts": {"assume-role": [f"arn:aws:iam::{ACCOUNT}:role/deploy"]}})
    assert policy["Statement"] == [{"Sid": "AssumeRole", "Effect": "Allow", "Action": ["sts:AssumeRole"],
                                    "Resource": [f"arn:aws:iam::{ACCOUNT}:role/deploy"]}]


def test_sts_rejects_an_arn_that_is_not_a_role():
    with pytest.raises(InputError, match="not an IAM role ARN"):
        write_policy({"mode": "crud", "sts": {"assume-role": [f"arn:aws:iam::{ACCOUNT}:user/bob"]}})


# --- actions mode ----------------------------------------------------------------------------

def test_actions_mode_scopes_each_action_to_its_arn_formats():
    policy = write_policy({"mode": "actions", "actions": ["kms:Decrypt"], "region": "eu-west-1", "account": ACCOUNT,
                           "include-dependent-actions": False})
    (statement,) = policy["Statement"]
    assert statement["Resource"] == [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"]


def test_actions_mode_puts_star_only_actions_in_a_wildcard_statement():
    policy = write_policy({"mode": "actions", "actions": ["s3:ListAllMyBuckets", "s3:GetObject"],
                           "include-dependent-actions": False})
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["S3ListWildcard"]["Resource"] == ["*"]
    assert by_sid["S3ReadObject"]["Resource"] == ["arn:aws:s3:::*/*"]


def test_actions_mode_expands_wildcards_keeping_resource_constraints():
    policy = write_policy({"mode": "actions", "actions": ["s3:GetObjectT*"], "include-dependent-actions": False})
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert actions == {"s3:GetObjectTagging", "s3:GetObjectTorrent"}
    assert all(r != "*" for s in policy["Statement"] for r in s["Resource"])


@pytest.mark.parametrize("action, message", [
    ("s3:GetObjekt", "did you mean: GetObject"),
    ("s4:GetObject", "unknown service 's4'"),
    ("GetObject", "not an action"),
    ("s3:Get Object", "not an action"),
])
def test_unknown_actions_are_errors_with_suggestions(action, message):
    with pytest.raises(InputError, match=message):
        write_policy({"mode": "actions", "actions": [action]})


# --- dependent actions ------------------------------------------------------------------------

def test_dependent_actions_get_their_own_statement_of_their_own_level():
    result = build({"mode": "crud", "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"]})
    dependent = [s for s in result.policy["Statement"] if s["Sid"].startswith("Dependent")]
    assert dependent and all(s["Sid"].startswith("DependentDynamodbRead") for s in dependent)
    main = next(s for s in result.policy["Statement"] if s["Sid"] == "DynamodbWriteTable")
    assert not set(main["Action"]) & {a for s in dependent for a in s["Action"]}


def test_dependent_actions_are_scoped_to_the_granted_arn_where_the_database_allows():
    policy = write_policy({"mode": "crud", "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"]})
    resources = {r for s in policy["Statement"] if s["Sid"].startswith("Dependent") for r in s["Resource"]}
    assert resources == {f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders",
                         f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders/index/*"}


def test_dependent_action_that_supports_only_star_is_granted_with_a_warning_only_when_all_are_asked_for():
    result = build({"mode": "crud", "write": [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1"],
                    "include-dependent-actions": "all"})
    star = [s for s in result.policy["Statement"] if s["Sid"].startswith("Dependent") and s["Resource"] == ["*"]]
    warned = [w for w in result.warnings if w.kind == GRANTED_BROADLY and "Resource '*' only" in w.message]
    assert star and len(warned) == sum(len(s["Action"]) for s in star)


def test_include_dependent_actions_false_leaves_them_out():
    policy = write_policy({"mode": "crud", "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"],
                           "include-dependent-actions": False})
    assert not any(s["Sid"].startswith("Dependent") for s in policy["Statement"])


def test_deny_policy_never_denies_dependent_actions_the_user_did_not_name():
    policy = write_policy({"mode": "crud", "effect": "Deny",
                           "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"]})
    assert all(s["Effect"] == "Deny" and not s["Sid"].startswith("Dependent") for s in policy["Statement"])


def test_dependents_of_excluded_actions_are_not_granted():
    template = {"mode": "crud", "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"]}
    everything = write_policy(template)
    only_put = write_policy({**template,
                             "exclude-actions": [a for s in everything["Statement"]
                                                 if not s["Sid"].startswith("Dependent")
                                                              for a in s["Action"] if a != "dynamodb:PutItem"]})
    expected_deps = {d for r in catalog().rows("dynamodb", "PutItem") for d in r.dependent_actions}
    granted_deps = {a for s in only_put["Statement"] if s["Sid"].startswith("Dependent") for a in s["Action"]}
    assert granted_deps <= {d for d in expected_deps}
