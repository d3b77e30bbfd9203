"""audit --no-new-access, --access-not-granted and --no-public-access; diff on plans and .tf.

The named cases of terraform-iam-policy-validator's public fixtures for these checks are here
as facts: a bucket policy for one account is not public, for AWS "*" it is; an SNS topic policy
for "*", an OpenSearch domain policy for "*" and a role trust policy for AWS "*" are public; a
bucket policy granting s3:GetObject and s3:ListBucket on arn:aws:s3:::example grants listed
s3:ListBucket on that bucket (statement 0); identity policies granting ec2:Assign*, Accept*,
Apply*, List*, Describe* and Allocate* are each new access against a reference of ec2:Cancel*.
"""
from __future__ import annotations

import json

import pytest

from policy_tf.analysis.expand import action_index
from policy_tf.analysis.public_access import exposures
from policy_tf.cli import main

ACCOUNT = "123456789012"


@pytest.fixture
def index():
    return action_index()


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _resource(address: str, rtype: str, values: dict) -> dict:
    name = address.split(".")[-1]
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}


def plan(before: list, after: list, configuration: list = ()) -> dict:
    """A `terraform show -json` plan: resources in prior state and in planned values, and the
    configuration's expressions (``configuration``: (address, {attribute: [references]}))."""
    config = [{"address": address, "expressions": {attr: {"references": refs} for attr, refs in refs_by_attr.items()}}
              for address, refs_by_attr in configuration]
    return {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": after}},
            "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": before}}},
            "resource_changes": [], "configuration": {"root_module": {"resources": config}}}


def role(name: str) -> dict:
    trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    return _resource(f"aws_iam_role.{name}", "aws_iam_role", {"name": name, "assume_role_policy": json.dumps(trust),
                                                                "inline_policy": []})


def role_policy(name: str, role_name: str, document: dict) -> dict:
    return _resource(f"aws_iam_role_policy.{name}", "aws_iam_role_policy",
                     {"name": name, "role": role_name, "policy": json.dumps(document)})


def bucket_policy(name: str, document: dict) -> dict:
    return _resource(f"aws_s3_bucket_policy.{name}", "aws_s3_bucket_policy",
                     {"bucket": name, "policy": json.dumps(document)})


READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
WRITE = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}


@pytest.fixture
def plan_file(tmp_path):
    before = [role("app"), role_policy("read", "app", doc(READ))]
    after = [role("app"), role_policy("read", "app", doc(READ, WRITE))]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(before, after)), encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- diff on plans ---------------------------------------------------------------------------


def test_diff_of_one_plan_compares_its_prior_state_with_its_planned_values(plan_file, capsys):
    status, out, _ = run(capsys, "diff", str(plan_file), "--fmt", "json", "--fail-on-new-access")
    data = json.loads(out)
    assert status == 1
    assert {(c["scope"], c["name"], tuple(c["actions"])) for c in data["added"]} == {
        ("policy", "aws_iam_role_policy.read.policy", ("s3:PutObject",)),
        ("principal", "aws_iam_role.app", ("s3:PutObject",))}


def test_a_managed_policy_attached_to_three_roles_in_a_plan_shows_on_all_three(tmp_path, capsys):
    def resources(document):
        out = [_resource("aws_iam_policy.shared", "aws_iam_policy", {"name": "shared", "policy": json.dumps(document)})]
        for name in ("r1", "r2", "r3"):
            out += [role(name), _resource(f"aws_iam_role_policy_attachment.{name}", "aws_iam_role_policy_attachment",
                                          {"role": name, "policy_arn": "arn:aws:iam::123456789012:policy/shared"})]
        return out

    configuration = [(f"aws_iam_role_policy_attachment.{name}",
                      {"role": [f"aws_iam_role.{name}.name", f"aws_iam_role.{name}"],
                       "policy_arn": ["aws_iam_policy.shared.arn", "aws_iam_policy.shared"]})
                     for name in ("r1", "r2", "r3")]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(resources(doc(READ)), resources(doc(READ, WRITE)), configuration)))
    status, out, _ = run(capsys, "diff", str(path), "--fmt", "json", "--fail-on-new-access")
    assert status == 1
    assert sorted(c["name"] for c in json.loads(out)["added"]) == [
        "aws_iam_policy.shared.policy", "aws_iam_role.r1", "aws_iam_role.r2", "aws_iam_role.r3"]


def test_a_policy_known_only_after_apply_is_named_not_compared(tmp_path, capsys):
    data = plan([role("app")], [role("app"), role_policy("read", "app", doc(READ))])
    data["planned_values"]["root_module"]["resources"][1]["values"]["policy"] = None
    data["resource_changes"] = [{"address": "aws_iam_role_policy.read", "change": {"after_unknown": {"policy": True}}}]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    status, out, _ = run(capsys, "diff", str(path), "--fail-on-new-access")
    assert status == 0
    assert "? aws_iam_role_policy.read.policy not compared: known only after apply" in out
    assert out.startswith("no change in access among the policies compared")


def test_diff_of_two_plans_pairs_resources_by_address(tmp_path, capsys):
    one = tmp_path / "one.json"
    two = tmp_path / "two.json"
    one.write_text(json.dumps(plan([], [role("app"), role_policy("read", "app", doc(READ, WRITE))])))
    two.write_text(json.dumps(plan([], [role("app"), role_policy("read", "app", doc(READ))])))
    status, out, _ = run(capsys, "diff", str(one), str(two), "--fail-on-new-access")
    assert status == 0 and "- Allow s3:PutObject" in out and "+ Allow" not in out


def test_diff_of_two_tf_folders(tmp_path, capsys):
    for name, actions in (("old", '["s3:GetObject"]'), ("new", '["s3:GetObject", "s3:DeleteObject"]')):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "main.tf").write_text(f'''
resource "aws_iam_role" "app" {{
  name               = "app"
  assume_role_policy = jsonencode({{Version = "2012-10-17", Statement = [
    {{Effect = "Allow", Action = "sts:AssumeRole", Principal = {{Service = "lambda.amazonaws.com"}}}}]}})
}}
resource "aws_iam_role_policy" "read" {{
  role   = aws_iam_role.app.id
  policy = jsonencode({{Version = "2012-10-17", Statement = [
    {{Effect = "Allow", Action = {actions}, Resource = "arn:aws:s3:::b/*"}}]}})
}}
''', encoding="utf-8")
    status, out, _ = run(capsys, "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--fail-on-new-access")
    assert status == 1
    assert "+ Allow s3:DeleteObject on arn:aws:s3:::b/*" in out and "principal aws_iam_role.app" in out


# --- audit --no-new-access -------------------------------------------------------------------


def test_no_new_access_blocks_on_what_the_plan_adds(plan_file, capsys):
    status, out, _ = run(capsys, "audit", str(plan_file), "--no-new-access", "--fmt", "json", "--checks",
                         "UNKNOWN_ACTION")
    found = [f for f in json.loads(out)["findings"] if f["code"] == "NEW_ACCESS"]
    assert status == 1 and {f["policy"] for f in found} == {"aws_iam_role_policy.read.policy", "aws_iam_role.app"}
    assert all(f["actions"] == ["s3:PutObject"] for f in found)


def test_no_new_access_is_quiet_when_nothing_is_added(tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan([role("app"), role_policy("read", "app", doc(READ, WRITE))],
                                    [role("app"), role_policy("read", "app", doc(READ))])))
    status, out, _ = run(capsys, "audit", str(path), "--no-new-access", "--checks", "UNKNOWN_ACTION")
    assert status == 0, out


def test_no_new_access_against_a_reference_policy(tmp_path, capsys):
    # terraform-iam-policy-validator's identity case: a reference of ec2:Cancel*, policies of other ec2 groups
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(doc({"Effect": "Allow", "Action": ["ec2:Cancel*"], "Resource": "*"})))
    folder = tmp_path / "policies"
    folder.mkdir()
    for name in ("Assign", "Accept", "Apply", "List", "Describe", "Allocate", "Cancel"):
        (folder / f"{name}.json").write_text(json.dumps(doc({"Effect": "Allow", "Action": f"ec2:{name}*",
                                                             "Resource": "*"})))
    status, out, _ = run(capsys, "audit", str(folder), "--no-new-access", "--reference", str(reference), "--fmt",
                         "json",
                         "--checks", "UNKNOWN_ACTION")
    flagged = {f["policy"] for f in json.loads(out)["findings"] if f["code"] == "NEW_ACCESS"}
    has_list = bool(action_index().expand("ec2:List*"))
    assert flagged == {"Assign", "Accept", "Apply", "Describe", "Allocate"} | ({"List"} if has_list else set())
    assert status == 1


def test_no_new_access_without_a_prior_state_or_reference_is_a_clean_error(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc(READ)))
    status, _, err = run(capsys, "audit", str(path), "--no-new-access")
    assert status == 2 and "--reference" in err and "Traceback" not in err


def test_a_reference_that_is_not_json_is_a_clean_error(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc(READ)))
    bad = tmp_path / "reference.json"
    bad.write_text("{not json")
    status, out, err = run(capsys, "audit", str(path), "--no-new-access", "--reference", str(bad))
    assert status == 2 and "reference.json" in err and out == ""


def test_reference_alone_is_refused(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc(READ)))
    status, _, err = run(capsys, "audit", str(path), "--reference", str(path))
    assert status == 2 and "--no-new-access" in err


# --- audit --access-not-granted ------------------------------------------------------------------


def _audit_forbidden(tmp_path, capsys, document, listing: str, *extra):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(document))
    forbidden = tmp_path / "forbidden.yml"
    forbidden.write_text(listing, encoding="utf-8")
    status, out, err = run(capsys, "audit", str(policy), "--access-not-granted", str(forbidden), "--fmt", "json",
                           "--checks", "UNKNOWN_ACTION", *extra)
    return status, (json.loads(out)["findings"] if out else None), err


EXAMPLE = doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["s3:GetObject", "s3:ListBucket"],
               "Resource": "arn:aws:s3:::example"})


def test_listed_action_on_the_listed_resource_names_the_statement(tmp_path, capsys):
    status, found, _ = _audit_forbidden(tmp_path, capsys, EXAMPLE,
                                        "- actions: [s3:ListBucket]\n  resources: ['arn:aws:s3:::example']\n")
    assert status == 1
    [finding] = [f for f in found if f["code"] == "ACCESS_GRANTED"]
    assert finding["statement"] == 0 and finding["actions"] == ["s3:ListBucket"]


def test_an_action_the_resource_cannot_take_is_not_granted(tmp_path, capsys):
    # s3:GetObject on a bucket ARN grants nothing: objects are not buckets
    status, found, _ = _audit_forbidden(tmp_path, capsys, EXAMPLE, "- s3:GetObject\n")
    assert status == 0 and not [f for f in found if f["code"] == "ACCESS_GRANTED"]


def test_listed_access_elsewhere_is_not_granted(tmp_path, capsys):
    status, found, _ = _audit_forbidden(tmp_path, capsys, EXAMPLE,
                                        "- actions: s3:ListBucket\n  resources: arn:aws:s3:::other\n")
    assert status == 0 and not [f for f in found if f["code"] == "ACCESS_GRANTED"]


@pytest.mark.parametrize("statement, granted", [
    ({"Effect": "Allow", "Action": "IAM:pass*", "Resource": "*"}, True),                    # case and wildcards
    ({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, True),                      # NotAction
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, False),
    ({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/*"}, False),  # NotResource
    ({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/x"}, True),
])
def test_listed_action_read_exactly(tmp_path, capsys, statement, granted):
    status, found, _ = _audit_forbidden(tmp_path, capsys, doc(statement), "- iam:PassRole\n")
    assert bool([f for f in found if f["code"] == "ACCESS_GRANTED"]) is granted
    assert status == (1 if granted else 0)


def test_a_deny_removes_the_listed_access(tmp_path, capsys):
    document = doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
                   {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    status, found, _ = _audit_forbidden(tmp_path, capsys, document, "- iam:PassRole\n- iam:CreateUser\n")
    [finding] = [f for f in found if f["code"] == "ACCESS_GRANTED"]
    assert finding["actions"] == ["iam:CreateUser"]


def test_a_deny_in_another_policy_of_the_role_counts_and_each_role_is_read_alone(tmp_path, capsys):
    grant = doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    guard = doc({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})

    def managed(name, document):
        return {"PolicyName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}", "DefaultVersionId": "v1",
                "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}]}

    def role_with(name, *policies):
        return {"RoleName": name, "RolePolicyList": [], "AssumeRolePolicyDocument": doc(),
                "AttachedManagedPolicies": [{"PolicyName": p, "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/{p}"}
                                            for p in policies]}

    dump = tmp_path / "account.json"
    dump.write_text(json.dumps({"UserDetailList": [], "GroupDetailList": [],
                                "Policies": [managed("admin", grant), managed("guard", guard)],
                                "RoleDetailList": [role_with("guarded", "admin", "guard"),
                                                   role_with("open", "admin")]}))
    forbidden = tmp_path / "forbidden.yml"
    forbidden.write_text("- iam:PassRole\n")
    status, out, _ = run(capsys, "audit", str(dump), "--access-not-granted", str(forbidden), "--fmt", "json",
                         "--checks", "UNKNOWN_ACTION")
    [finding] = [f for f in json.loads(out)["findings"] if f["code"] == "ACCESS_GRANTED"]
    assert finding["policy"] == "policy/admin" and "for role/open" in finding["message"]
    assert "role/guarded" not in finding["message"] and status == 1


@pytest.mark.parametrize("listing, message", [
    ("{}\n", "needs one of action or actions"),
    ("[]\n", "expected a list"),
    ("- s3:NoSuchThing\n", "entry 1: action 's3:NoSuchThing' matches no action"),
    ("- actions: [s3:GetObject]\n  resource: bucket\n", "entry 1: resource 'bucket' is not an ARN"),
    ("- actions: [s3:GetObject]\n  colour: red\n", "entry 1: unknown field 'colour'"),
    ("- 42\n", "entry 1: expected an action name or a mapping"),
    ("- s3:GetObjeсt\n", "non-ASCII"),  # a Cyrillic "с"
    ("- a: [\n", "forbidden.yml"),
    ("- s3:GetObject\n- s3:GetObject\nx: 1\n", "forbidden.yml"),
])
def test_a_bad_list_is_a_clean_error_naming_file_and_field(tmp_path, capsys, listing, message):
    status, found, err = _audit_forbidden(tmp_path, capsys, EXAMPLE, listing)
    assert status == 2 and found is None and message in err and "Traceback" not in err


def test_a_list_that_is_a_fifo_or_missing_is_a_clean_error(tmp_path, capsys):
    import os

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(EXAMPLE))
    missing = tmp_path / "missing.yml"
    status, _, err = run(capsys, "audit", str(policy), "--access-not-granted", str(missing))
    assert status == 2 and "missing.yml" in err
    folder = tmp_path / "folder.yml"
    folder.mkdir()
    status, _, err = run(capsys, "audit", str(policy), "--access-not-granted", str(folder))
    assert status == 2 and "folder.yml" in err
    if hasattr(os, "mkfifo"):  # no writer ever comes: reading it would block forever
        fifo = tmp_path / "fifo.yml"
        os.mkfifo(fifo)
        status, _, err = run(capsys, "audit", str(policy), "--access-not-granted", str(fifo))
        assert status == 2 and "fifo.yml: not a regular file" in err
    status, _, err = run(capsys, "audit", str(policy), "--access-not-granted", "/dev/zero")
    assert status == 2 and "/dev/zero: not a regular file" in err


def test_a_huge_list_is_refused_by_the_safe_reader(tmp_path, capsys):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(EXAMPLE))
    huge = tmp_path / "huge.yml"
    huge.write_text("- s3:GetObject\n" * 1_300_000)  # past the reader's 16 M characters
    status, _, err = run(capsys, "audit", str(policy), "--access-not-granted", str(huge))
    assert status == 2 and "huge.yml" in err and "Traceback" not in err


# --- audit --no-public-access ----------------------------------------------------------------


def _public(index, statement) -> bool:
    return bool(exposures(doc(statement), index))


GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@pytest.mark.parametrize("principal, public", [
    ("*", True),
    ({"AWS": "*"}, True),
    ({"AWS": "arn:aws:iam::*:root"}, True),
    ({"AWS": ACCOUNT}, False),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"}, False),
    ({"Service": "cloudtrail.amazonaws.com"}, False),
])
def test_a_principal_open_to_anyone_is_public(index, principal, public):
    assert _public(index, dict(GET, Principal=principal)) is public


@pytest.mark.parametrize("condition, public", [
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, False),
    ({"StringEquals": {"AWS:SourceOwner": ACCOUNT}}, False),                       # keys are case-insensitive
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
    ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, True),                          # a wildcard organization
    ({"StringEquals": {"aws:SourceAccount": "*"}}, True),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:topic"}}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:topic"}}, True),                # a wildcard account
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, True),
    ({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "::/0"]}}, True),
    ({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}, False),
    ({"StringEquals": {"aws:SourceVpc": "vpc-*"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-111"}}, True),                 # absent key passes
    ({"StringEquals": {"aws:PrincipalOrgPaths": "o-abc/r-ab12/ou-ab12-11111111/*"}}, False),
    ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "*"}}, True),
    ({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}, True),                    # negated: everyone else
    ({"Bool": {"aws:SecureTransport": "true"}}, True),                              # not about who
])
def test_conditions_that_tie_the_caller_restrict_and_weak_forms_do_not(index, condition, public):
    assert _public(index, dict(GET, Principal="*", Condition=condition)) is public


def test_a_deny_for_everyone_outside_the_organization_makes_it_private(index):
    allow = dict(GET, Principal="*")
    fence = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}}
    assert exposures(doc(allow, fence), index) == []
    weak = dict(fence, Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-*"}})
    assert exposures(doc(allow, weak), index)
    narrow = dict(fence, Action="s3:PutObject")
    assert exposures(doc(allow, narrow), index)


def test_no_public_access_on_a_plan_names_each_public_policy(tmp_path, capsys):
    # terraform-iam-policy-validator's public-access case, as a plan
    open_bucket = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": "arn:aws:s3:::my-tf-test-bucket"})
    private_bucket = doc({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": ["s3:GetObject", "s3:ListBucket"],
                          "Resource": "arn:aws:s3:::my-private-test-bucket"})
    topic = doc({"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": ["SNS:Subscribe", "SNS:Publish", "SNS:GetTopicAttributes"],
                 "Resource": f"arn:aws:sns:us-east-2:{ACCOUNT}:my-topic-with-policy"})
    search = doc({"Effect": "Allow", "Principal": "*", "Action": "es:*", "Resource": "*"})
    trust = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    resources = [
        bucket_policy("allow_public_access", open_bucket), bucket_policy("no_public_access_bucket", private_bucket),
        _resource("aws_sns_topic_policy.default", "aws_sns_topic_policy", {"arn": "x", "policy": json.dumps(topic)}),
        _resource("aws_opensearch_domain_policy.main", "aws_opensearch_domain_policy",
                  {"domain_name": "tf-test", "access_policies": json.dumps(search)}),
        _resource("aws_iam_role.test_role", "aws_iam_role",
                  {"name": "test_role", "assume_role_policy": json.dumps(trust),
                                                             "inline_policy": []}),
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan([], resources)))
    status, out, _ = run(capsys, "audit", str(path), "--no-public-access", "--fmt", "json", "--checks",
                         "UNKNOWN_ACTION")
    found = {(f["policy"], f["statement"]) for f in json.loads(out)["findings"] if f["code"] == "PUBLIC_ACCESS"}
    assert found == {("aws_s3_bucket_policy.allow_public_access.policy", 0), ("aws_sns_topic_policy.default.policy", 0),
                     ("aws_opensearch_domain_policy.main.access_policies", 0),
                     ("aws_iam_role.test_role.assume_role_policy", 0)}
    assert status == 1


def test_access_findings_can_be_excluded(tmp_path, capsys):
    path = tmp_path / "bucket.json"
    path.write_text(json.dumps(doc(dict(GET, Principal="*"))))
    exclusions = tmp_path / "exclusions.yml"
    exclusions.write_text("exclusions:\n  - codes: [PUBLIC_ACCESS]\n    reason: a public website bucket\n")
    status, out, err = run(capsys, "audit", str(path), "--no-public-access", "--exclusions", str(exclusions),
                           "--checks", "UNKNOWN_ACTION")
    assert status == 0, out + err


def test_lambda_permissions_are_public_unless_tied_to_a_source(tmp_path, capsys):
    def permission(name, **values):
        return _resource(f"aws_lambda_permission.{name}", "aws_lambda_permission",
                         {"statement_id": name, "action": "lambda:InvokeFunction", "function_name": "fn", **values})

    resources = [permission("anyone", principal="*"),
                 permission("bucket", principal="s3.amazonaws.com", source_arn="arn:aws:s3:::uploads"),
                 permission("account", principal="*", source_account=ACCOUNT)]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan([], resources)))
    status, out, _ = run(capsys, "audit", str(path), "--no-public-access", "--fmt", "json", "--checks",
                         "UNKNOWN_ACTION")
    found = {f["policy"] for f in json.loads(out)["findings"] if f["code"] == "PUBLIC_ACCESS"}
    assert found == {"aws_lambda_permission.anyone"} and status == 1
