"""Every check: a policy that trips it and one that does not (against the bundled database)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.analysis import risklists
from policy_tf.analysis.checks import check_json_text, check_policy, check_principal, list_checks
from policy_tf.analysis.model import CATEGORIES, SEVERITIES, PolicyInput

V = "2012-10-17"
BUCKET = "arn:aws:s3:::acme-data"
OBJECTS = "arn:aws:s3:::acme-data/*"
ROLE = "arn:aws:iam::123456789012:role/app"


def policy(*statements, version=V, **top):
    doc = {"Version": version, "Statement": list(statements), **top}
    if version is None:
        del doc["Version"]
    return doc


def allow(action, resource="*", **more):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action, resource="*", **more):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def trust(principal, action="sts:AssumeRole", **more):
    return {"Effect": "Allow", "Principal": principal, "Action": action, **more}


GOOD = policy(allow("s3:GetObject", OBJECTS))

# code -> (kind, failing document, passing document)
CASES = {
    "POLICY_NOT_OBJECT": ("identity", [GOOD], GOOD),
    "MISSING_STATEMENT": ("identity", {"Version": V}, GOOD),
    "EMPTY_STATEMENT": ("identity", policy(), GOOD),
    "STATEMENT_NOT_OBJECT": ("identity", policy("Allow"), GOOD),
    "UNKNOWN_POLICY_ELEMENT": ("identity", policy(allow("s3:GetObject", OBJECTS), statement=[]), GOOD),
    "UNKNOWN_STATEMENT_ELEMENT": ("identity", policy(allow("s3:GetObject", OBJECTS, Resources="x")), GOOD),
    "INVALID_ELEMENT_TYPE": ("identity", policy(allow(["s3:GetObject", 3], OBJECTS)), GOOD),
    "EMPTY_ARRAY": ("identity", policy(allow([], OBJECTS)), GOOD),
    "MISSING_VERSION": ("identity", policy(allow("s3:GetObject", OBJECTS), version=None), GOOD),
    "OLD_VERSION": ("identity", policy(allow("s3:GetObject", OBJECTS), version="2008-10-17"), GOOD),
    "INVALID_VERSION": ("identity", policy(allow("s3:GetObject", OBJECTS), version="2024-01-01"), GOOD),
    "POLICY_VARIABLE_WITHOUT_VERSION": ("identity",
                                        policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), version=None),
                                        policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"))),
    "DUPLICATE_SID": ("identity",
                      policy(allow("s3:GetObject", OBJECTS, Sid="A"), allow("s3:PutObject", OBJECTS, Sid="A")),
                      policy(allow("s3:GetObject", OBJECTS, Sid="A"), allow("s3:PutObject", OBJECTS, Sid="B"))),
    "INVALID_SID": ("identity", policy(allow("s3:GetObject", OBJECTS, Sid="read objects")),
                    policy(allow("s3:GetObject", OBJECTS, Sid="ReadObjects"))),
    "MISSING_EFFECT": ("identity", policy({"Action": "s3:GetObject", "Resource": OBJECTS}), GOOD),
    "INVALID_EFFECT": ("identity", policy({"Effect": "allow", "Action": "s3:GetObject", "Resource": OBJECTS}), GOOD),
    "MISSING_ACTION": ("identity", policy({"Effect": "Allow", "Resource": OBJECTS}), GOOD),
    "ACTION_AND_NOT_ACTION": ("identity", policy(allow("s3:GetObject", OBJECTS, NotAction="s3:PutObject")), GOOD),
    "MISSING_RESOURCE": ("identity", policy({"Effect": "Allow", "Action": "s3:GetObject"}), GOOD),
    "RESOURCE_AND_NOT_RESOURCE": ("identity", policy(allow("s3:GetObject", OBJECTS, NotResource=BUCKET)), GOOD),
    "EMPTY_CONDITION": ("identity", policy(allow("s3:GetObject", OBJECTS, Condition={})), GOOD),
    "INVALID_ACTION_FORMAT": ("identity", policy(allow("s3.GetObject", OBJECTS)), GOOD),
    "UNKNOWN_SERVICE": ("identity", policy(allow("gamelist:CreateFleet")), policy(allow("gamelift:CreateFleet"))),
    "UNKNOWN_ACTION": ("identity", policy(allow("s3:GetObjekt", OBJECTS)), GOOD),
    "ACTION_CASE_MISMATCH": ("identity", policy(allow("s3:getobject", OBJECTS)), GOOD),
    "REDUNDANT_ACTION": ("identity", policy(allow(["s3:Get*", "s3:GetObject"], OBJECTS)),
                         policy(allow(["s3:GetObject", "s3:PutObject"], OBJECTS))),
    "TRUST_POLICY_UNSUPPORTED_ACTION": ("trust", policy(trust({"Service": "lambda.amazonaws.com"}, "s3:GetObject")),
                                        policy(trust({"Service": "lambda.amazonaws.com"}))),
    "INVALID_ARN": ("identity", policy(allow("s3:GetObject", "acme-data/*")), GOOD),
    "INVALID_ARN_PARTITION": ("identity", policy(allow("s3:GetObject", "arn:amazon:s3:::acme-data/*")), GOOD),
    "UNKNOWN_ARN_SERVICE": ("identity", policy(allow("s3:GetObject", "arn:aws:s4:::acme-data/*")), GOOD),
    "INVALID_ARN_REGION": ("identity",
                           policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:cn-north-1:123456789012:table/t")),
                           policy(allow("dynamodb:GetItem", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t"))),
    "MISSING_ARN_REGION": ("identity", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb::123456789012:table/t")),
                           policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t"))),
    "INVALID_ARN_ACCOUNT": ("identity", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1234:table/t")),
                            policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t"))),
    "MISSING_ARN_ACCOUNT": ("identity", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1::table/t")),
                            policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t"))),
    "UNKNOWN_RESOURCE_TYPE": ("identity",
                              policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:tabel/t")),
                              policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/t"))),
    "RESOURCE_MISMATCH": ("identity", policy(allow("s3:ListBucket", OBJECTS)), policy(allow("s3:ListBucket", BUCKET))),
    "REDUNDANT_RESOURCE": ("identity", policy(allow("s3:GetObject", [OBJECTS, "arn:aws:s3:::acme-data/logs/*"])), GOOD),
    "UNKNOWN_CONDITION_OPERATOR": ("identity",
                                   policy(allow("s3:GetObject", OBJECTS,
                                                Condition={"StringEqual": {"aws:RequestedRegion": "eu-west-1"}})),
                                   policy(allow("s3:GetObject", OBJECTS,
                                                Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))),
    "UNKNOWN_CONDITION_KEY": ("identity",
                              policy(allow("s3:GetObject", OBJECTS,
                                           Condition={"StringEquals": {"aws:RequestRegion": "eu-west-1"}})),
                              policy(allow("s3:GetObject", OBJECTS,
                                           Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))),
    "CONDITION_KEY_NOT_SUPPORTED": ("identity",
                                    policy(allow("s3:GetObject", OBJECTS,
                                                 Condition={"StringEquals": {"dynamodb:Select": "ALL_ATTRIBUTES"}})),
                                    policy(allow("dynamodb:Query", "arn:aws:dynamodb:eu-west-1:123456789012:table/t",
                                                 Condition={"StringEquals": {"dynamodb:Select": "ALL_ATTRIBUTES"}}))),
    "MISMATCHED_OPERATOR_TYPE": ("identity",
                                 policy(allow("s3:GetObject", OBJECTS,
                                              Condition={"StringEquals": {"aws:CurrentTime": "2026-01-01"}})),
                                 policy(allow("s3:GetObject", OBJECTS,
                                              Condition={"DateLessThan": {"aws:CurrentTime": "2026-01-01"}}))),
    "FOR_ALL_VALUES_WITH_SINGLE_VALUED_KEY": (
        "identity",
        policy(deny("s3:*", Condition={"ForAllValues:StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        policy(deny("s3:*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}))),
    "FOR_ANY_VALUE_WITH_SINGLE_VALUED_KEY": (
        "identity",
        policy(deny("s3:*", Condition={"ForAnyValue:StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        policy(deny("s3:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}))),
    "MISSING_SET_OPERATOR": (
        "identity",
        policy(deny("iam:*", Condition={"StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}})),
        policy(deny("iam:*",
                    Condition={"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}))),
    "ALLOW_FOR_ALL_VALUES_WITHOUT_NULL": (
        "identity",
        policy(allow("iam:GetRole", ROLE,
                     Condition={"ForAllValues:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}})),
        policy(allow("iam:GetRole", ROLE,
                     Condition={"ForAllValues:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"},
                                "Null": {"aws:CalledVia": "false"}}))),
    "INVALID_CONDITION_VALUE": ("identity",
                                policy(allow("s3:GetObject", OBJECTS,
                                             Condition={"Bool": {"aws:SecureTransport": "yes"}})),
                                policy(allow("s3:GetObject", OBJECTS,
                                             Condition={"Bool": {"aws:SecureTransport": "true"}}))),
    "IMPOSSIBLE_CONDITION": ("identity",
                             policy(allow("s3:GetObject", OBJECTS,
                                          Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})),
                             policy(allow("s3:GetObject", OBJECTS,
                                          Condition={"DateLessThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}}))),
    "MISSING_PRINCIPAL": ("resource", policy(allow("s3:GetObject", OBJECTS)),
                          policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "arn:aws:iam::123456789012:root"}))),
    "PRINCIPAL_IN_IDENTITY_POLICY": ("identity", policy(allow("s3:GetObject", OBJECTS, Principal="*")), GOOD),
    "PRINCIPAL_AND_NOT_PRINCIPAL": ("resource",
                                    policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "123456789012"},
                                                 NotPrincipal={"AWS": "111122223333"})),
                                    policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "123456789012"}))),
    "UNKNOWN_PRINCIPAL_TYPE": ("resource", policy(allow("s3:GetObject", OBJECTS, Principal={"Aws": "123456789012"})),
                               policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "123456789012"}))),
    "INVALID_AWS_PRINCIPAL": ("resource", policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "alice"})),
                              policy(allow("s3:GetObject", OBJECTS,
                                           Principal={"AWS": "arn:aws:iam::123456789012:user/alice"}))),
    "WILDCARD_IN_PRINCIPAL": ("trust", policy(trust({"AWS": "arn:aws:iam::*:root"})),
                              policy(trust({"AWS": "arn:aws:iam::123456789012:root"}))),
    "INVALID_FEDERATED_PRINCIPAL": ("trust", policy(trust({"Federated": "okta"}, "sts:AssumeRoleWithSAML")),
                                    policy(trust({"Federated": "arn:aws:iam::123456789012:saml-provider/okta"},
                                                 "sts:AssumeRoleWithSAML"))),
    "INVALID_CANONICAL_USER": ("resource", policy(allow("s3:GetObject", OBJECTS, Principal={"CanonicalUser": "abc"})),
                               policy(allow("s3:GetObject", OBJECTS, Principal={"CanonicalUser": (
                                   "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be")}))),
    "TRUST_ANYONE_WITH_CONDITION": ("trust",
                                    policy(trust({"AWS": "*"},
                                                 Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
                                    policy(trust({"AWS": "arn:aws:iam::123456789012:root"},
                                                 Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))),
    "INVALID_SERVICE_PRINCIPAL": ("trust", policy(trust({"Service": "lambda"})),
                                  policy(trust({"Service": "lambda.amazonaws.com"}))),
    "ALLOW_WITH_NOT_PRINCIPAL": ("resource",
                                 policy(allow("s3:GetObject", OBJECTS, NotPrincipal={"AWS": "123456789012"})),
                                 policy(deny("s3:GetObject", OBJECTS, NotPrincipal={"AWS": "123456789012"}))),
    "ALLOW_WITH_NOT_ACTION": ("identity",
                              policy({"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": OBJECTS}), GOOD),
    "ALLOW_WITH_NOT_RESOURCE": ("identity",
                                policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": OBJECTS}), GOOD),
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": ("identity", policy(allow("iam:PassRole")), policy(allow("iam:PassRole", ROLE))),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": ("identity", policy(allow("iam:*")), policy(allow("iam:*", ROLE))),
    "PASS_ROLE_WITH_NOT_RESOURCE": ("identity",
                                    policy({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": ROLE}),
                                    policy(allow("iam:PassRole", ROLE))),
    "PASS_ROLE_WITHOUT_PASSED_TO_SERVICE": ("identity", policy(allow("iam:PassRole", ROLE)),
                                            policy(allow("iam:PassRole", ROLE, Condition={
                                                "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))),
    "PARTIAL_DENY": ("identity",
                     policy(allow("s3:GetObject", OBJECTS),
                            deny("s3:GetObject", OBJECTS, Condition={"Bool": {"aws:SecureTransport": "false"}})),
                     policy(allow("s3:GetObject", OBJECTS), deny("s3:GetObject", OBJECTS))),
    "STATEMENT_FULLY_DENIED": ("identity", policy(allow("s3:GetObject", OBJECTS), deny("s3:*")),
                               policy(allow("s3:GetObject", OBJECTS), deny("s3:PutObject"))),
    "REDUNDANT_STATEMENT": ("identity",
                            policy(allow("s3:Get*", OBJECTS), allow("s3:GetObject", "arn:aws:s3:::acme-data/logs/*")),
                            policy(allow("s3:Get*", OBJECTS), allow("s3:GetObject", "arn:aws:s3:::other/*"))),
    "RESOURCE_POLICY_ESCALATION": ("identity",
                                   policy(allow("s3:PutBucketPolicy", BUCKET), allow("s3:GetObject", OBJECTS)),
                                   policy(allow("s3:PutBucketPolicy", BUCKET),
                                          allow("s3:GetObject", "arn:aws:s3:::other/*"))),
    "SELF_ESCALATION": ("identity", policy(allow("iam:PutRolePolicy", ROLE)),
                        policy(allow("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/other"))),
    "ESCALATION_TOWARDS_PATTERN": ("identity",
                                   policy(allow("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/app-*")),
                                   policy(allow("iam:GetPolicyVersion", "arn:aws:iam::123456789012:policy/app-*"))),
    "ESCALATION_TOWARDS_TARGET": ("identity",
                                  policy(allow("iam:UpdateAssumeRolePolicy", "arn:aws:iam::123456789012:role/admin")),
                                  policy(allow("iam:GetRole", "arn:aws:iam::123456789012:role/admin"))),
    "FULL_ADMIN": ("identity", policy(allow("*")), policy(allow("*", OBJECTS))),
    "SERVICE_WILDCARD": ("identity", policy(allow("sqs:*")),
                         policy(allow("sqs:*", "arn:aws:sqs:eu-west-1:123456789012:jobs"))),
    "RESOURCE_EXPOSURE": ("identity", policy(allow("s3:PutBucketPolicy")), policy(allow("s3:PutBucketPolicy", BUCKET))),
    "CREDENTIALS_EXPOSURE": ("identity", policy(allow("ecr:GetAuthorizationToken")),
                             policy(allow("ecr:DescribeRepositories",
                                          "arn:aws:ecr:eu-west-1:123456789012:repository/app"))),
    "DATA_EXFILTRATION": ("identity", policy(allow("s3:GetObject", "arn:aws:s3:::*")), GOOD),
    "INFRASTRUCTURE_MODIFICATION": ("identity", policy(allow("ec2:TerminateInstances")),
                                    policy(allow("ec2:TerminateInstances",
                                                 "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc"))),
    "TRUST_ANYONE": ("trust", policy(trust({"AWS": "*"})),
                     policy(trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))),
    "TRUST_CROSS_ACCOUNT": ("trust", policy(trust({"AWS": "arn:aws:iam::111122223333:root"})),
                            policy(trust({"AWS": "arn:aws:iam::111122223333:root"},
                                         Condition={"StringEquals": {"sts:ExternalId": "x"}}))),
    "TRUST_COMPUTE_SERVICE": ("trust", policy(trust({"Service": "ec2.amazonaws.com"})),
                              policy(trust({"Service": "config.amazonaws.com"}))),
    "TRUST_FEDERATED_WITHOUT_CONDITION": (
        "trust",
        policy(trust({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                     "sts:AssumeRoleWithWebIdentity")),
        policy(trust({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                     "sts:AssumeRoleWithWebIdentity",
                     Condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}))),
    "RESOURCE_POLICY_CROSS_ACCOUNT": ("resource",
                                      policy(allow("s3:GetObject", OBJECTS,
                                                   Principal={"AWS": "arn:aws:iam::111122223333:root"})),
                                      policy(allow("s3:GetObject", OBJECTS,
                                                   Principal={"Service": "cloudfront.amazonaws.com"}))),
    "RESOURCE_POLICY_PUBLIC": ("resource", policy(allow("s3:GetObject", OBJECTS, Principal="*")),
                               policy(allow("s3:GetObject", OBJECTS, Principal="*",
                                            Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))),
}

# Each privilege-escalation method: all its actions on "*" trip it; all but the last do not.
for _m in risklists.privilege_escalation():
    CASES[f"PRIVESC_{_m.id}"] = ("identity", policy(allow(list(_m.actions))),
                                 policy(allow(list(_m.actions[:-1]) or ["s3:GetObject"],
                                              OBJECTS if len(_m.actions) == 1 else "*")))


def codes(kind, document, code):
    # held by role/app (ROLE): SELF_ESCALATION tells it apart from a target elsewhere
    return [f.code for f in check_policy(PolicyInput("p.json", "p", kind, document, principal="role/app"),
                                         checks={code})]


@pytest.mark.parametrize("code", sorted(c for c in CASES if c not in ("MALFORMED_JSON", "MALFORMED_POLICY")))
def test_check_trips_on_its_failing_policy_and_not_on_its_passing_one(code):
    kind, failing, passing = CASES[code]
    assert code in codes(kind, failing, code), f"{code} not reported for {json.dumps(failing)}"
    assert code not in codes(kind, passing, code), f"{code} reported for {json.dumps(passing)}"


def test_malformed_json_is_a_finding_not_an_exception():
    found = check_json_text('{"Version": "2012-10-17", "Version": "2012-10-17"}', "p.json", "p")
    assert [f.code for f in found] == ["MALFORMED_JSON"]
    assert "duplicate key" in found[0].message
    assert "MALFORMED_JSON" not in [f.code for f in check_json_text(json.dumps(GOOD), "p.json", "p")]


def test_every_listed_check_has_a_case_here():
    # about inputs or principals, not one policy: test_audit_reports.py, test_audit_conditions.py, test_audit_graph.py
    assert {c[0] for c in list_checks()} == set(CASES) | {"MALFORMED_JSON", "MALFORMED_POLICY", "NEUTRALISED_BY_DENY",
                                                          "PATH_TO_ADMIN"}


def test_checks_have_stable_codes_known_severities_and_categories():
    checks = list_checks()
    assert len({c[0] for c in checks}) == len(checks)
    assert all(c[1] in SEVERITIES and c[2] in CATEGORIES and c[3] for c in checks)
    validity = [c for c in checks if c[2] == "validity"]
    assert len(validity) >= 40


def test_findings_are_deterministic_and_carry_the_statement_index():
    doc = policy(allow("s3:getobject", OBJECTS), allow("iam:PassRole"))
    first = check_policy(PolicyInput("p.json", "p", "identity", doc))
    assert first == check_policy(PolicyInput("p.json", "p", "identity", doc))
    assert {f.statement for f in first} == {0, 1}
    assert all(f.line is None for f in first)


def test_privilege_escalation_is_found_across_statements_of_one_policy():
    doc = policy(allow("iam:PassRole"), allow("ec2:RunInstances"))
    found = [f for f in check_policy(PolicyInput("p.json", "p", "identity", doc)) if f.code == "PRIVESC_PASSROLE_EC2"]
    assert len(found) == 1
    assert found[0].method == "CreateEC2WithExistingInstanceProfile"
    assert found[0].actions == ("iam:PassRole", "ec2:RunInstances")
    assert found[0].extra["statements"] == [0, 1]


def test_privilege_escalation_needs_unconstrained_resources():
    doc = policy(allow("iam:PassRole", ROLE), allow("ec2:RunInstances"))
    assert "PRIVESC_PASSROLE_EC2" not in [f.code for f in check_policy(PolicyInput("p.json", "p", "identity", doc))]


def test_a_deny_without_condition_removes_the_escalation():
    doc = policy(allow(["iam:PassRole", "ec2:RunInstances"]), deny("iam:PassRole"))
    assert "PRIVESC_PASSROLE_EC2" not in [f.code for f in check_policy(PolicyInput("p.json", "p", "identity", doc))]


def test_a_deny_with_condition_leaves_the_escalation_and_is_a_partial_restriction():
    doc = policy(allow(["iam:PassRole", "ec2:RunInstances"]),
                 deny("iam:PassRole", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    found = [f.code for f in check_policy(PolicyInput("p.json", "p", "identity", doc))]
    assert "PRIVESC_PASSROLE_EC2" in found and "PARTIAL_DENY" in found


def test_action_star_with_not_resource_is_full_admin():
    doc = policy({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::acme-data"})
    found = [f.code for f in check_policy(PolicyInput("p.json", "p", "identity", doc))]
    assert "FULL_ADMIN" in found and "ALLOW_WITH_NOT_RESOURCE" in found


def test_not_action_is_expanded_to_its_complement_for_risk():
    doc = policy({"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": "*"})
    found = [f.code for f in check_policy(PolicyInput("p.json", "p", "identity", doc))]
    assert "PRIVESC_CREATE_ACCESS_KEY" in found and "FULL_ADMIN" not in found


def test_checks_filter_by_category():
    doc = policy(allow("iam:CreateAccessKey"), allow("s3:getobject", OBJECTS))
    found = check_policy(PolicyInput("p.json", "p", "identity", doc), checks={"privilege-escalation"})
    assert {f.category for f in found} == {"privilege-escalation"}


def _principal_policies(*documents):
    return [PolicyInput("account.json", f"role/app/policy{n}", "identity", d, principal="role/app") for n,
            d in enumerate(documents)]


def test_check_principal_finds_escalation_only_the_policies_together_allow():
    policies = _principal_policies(policy(allow("iam:PassRole")), policy(allow("lambda:CreateFunction")),
                                   policy(allow("lambda:InvokeFunction")))
    found = check_principal("role/app", policies)
    assert [f.code for f in found] == ["PRIVESC_PASSROLE_LAMBDA_INVOKE"]
    assert found[0].policy == "role/app" and found[0].statement is None
    assert found[0].extra["policies"] == ["role/app/policy0", "role/app/policy1", "role/app/policy2"]


def test_check_principal_applies_a_deny_from_any_policy():
    policies = _principal_policies(policy(allow("iam:PassRole")), policy(allow("ec2:RunInstances")),
                                   policy(deny("ec2:RunInstances")))
    assert check_principal("role/app", policies) == []


def test_check_principal_leaves_single_policy_methods_to_check_policy():
    policies = _principal_policies(policy(allow(["iam:PassRole", "ec2:RunInstances"])),
                                   policy(allow("s3:GetObject", OBJECTS)))
    assert check_principal("role/app", policies) == []


def test_check_principal_respects_a_permissions_boundary():
    policies = _principal_policies(policy(allow("iam:PassRole")), policy(allow("ec2:RunInstances")))
    boundary = PolicyInput("account.json", "role/app/boundary", "boundary", policy(allow(["ec2:*", "s3:*"])),
                           principal="role/app")
    assert [f.code for f in check_principal("role/app", policies)] == ["PRIVESC_PASSROLE_EC2"]
    assert check_principal("role/app", policies + [boundary]) == []


from hypothesis import HealthCheck, given, settings  # noqa: E402 - the property tests below
from hypothesis import strategies as st  # noqa: E402

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(
    ["*", "s3:*", "s3:Get?bject", "iam:PassRole", "arn:aws:s3:::b/*", "arn:aws:iam::123456789012:role/x", "arn:",
     "Allow", "Deny",
     "aws:SecureTransport", "${aws:username}", "StringEquals", "ForAllValues:StringLike", "lambda.amazonaws.com"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["AWS", "Service", "StringEquals", "Bool", "aws:username", "s3:prefix", "x"]), inner, max_size=3),
                       max_leaves=8)
_STATEMENTS = st.dictionaries(st.sampled_from(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                                               "Principal",
                                               "NotPrincipal", "Condition", "Other"]), _VALUES, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["identity", "resource", "trust"]), st.one_of(_VALUES, st.fixed_dictionaries(
    {"Version": st.sampled_from(["2012-10-17", "2008-10-17", 1]),
     "Statement": st.one_of(_STATEMENTS, st.lists(_STATEMENTS, max_size=3))})))
def test_any_json_shape_gives_findings_never_an_exception(kind, document):
    found = check_policy(PolicyInput("p.json", "p", kind, document))
    assert all(f.severity in SEVERITIES for f in found)


def test_a_service_star_pattern_is_a_service_wildcard_even_where_resource_rules_some_actions_out():
    doc = policy(allow("s3:*", "arn:aws:s3:::*"))  # ListAllMyBuckets needs "*", yet every bucket and object is granted
    found = [f for f in check_policy(PolicyInput("p.json", "p", "identity", doc)) if f.code == "SERVICE_WILDCARD"]
    assert [f.actions for f in found] == [("s3:*",)]


def test_federated_trust_conditions_on_token_claims_and_saml_are_valid():
    doc = policy(
        trust({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
              "sts:AssumeRoleWithWebIdentity",
              Condition={"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                         "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}),
        trust({"Federated": "arn:aws:iam::123456789012:saml-provider/okta"},
              ["sts:AssumeRoleWithSAML", "sts:TagSession"],
              Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
        trust({"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
              "sts:AssumeRoleWithWebIdentity",
              Condition={"StringEquals": {
                  "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:app:web"}}),
    )
    assert check_policy(PolicyInput("p.json", "p", "trust", doc)) == []


def test_a_checks_selection_takes_codes_and_categories_and_suggests_for_typos():
    from policy_tf.analysis.checks import resolve_checks
    from policy_tf.core.errors import NotFoundError

    assert resolve_checks(["resource_mismatch", "Trust"]) == {"RESOURCE_MISMATCH", "trust"}
    with pytest.raises(NotFoundError, match="RESOURCE_MISMATCH"):
        resolve_checks(["RESOURCE_MISMATC"])


def test_a_known_owning_account_is_not_cross_account():
    doc = policy(trust({"AWS": "arn:aws:iam::123456789012:root"}))
    found = check_policy(PolicyInput("p.json", "p", "trust", doc, account="123456789012"),
                         checks={"TRUST_CROSS_ACCOUNT"})
    assert found == []
    assert check_policy(PolicyInput("p.json", "p", "trust", doc), checks={"TRUST_CROSS_ACCOUNT"}) != []


def test_the_unique_id_iam_leaves_for_a_deleted_role_is_a_valid_principal():
    doc = policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "AROAJQABLZS4A3QDU576Q"}))
    assert "INVALID_AWS_PRINCIPAL" not in [f.code for f in check_policy(PolicyInput("p.json", "p", "resource", doc))]
