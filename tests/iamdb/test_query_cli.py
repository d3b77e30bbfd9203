"""`policy_tf query ...` and `db info` against the bundled database, including error paths."""
from __future__ import annotations

import json

import pytest
import yaml


def test_action_table_all_services_is_a_json_array_of_prefixed_actions(cli):
    code, out, _ = cli("query", "action-table", "--service", "all", "--fmt", "json")
    actions = json.loads(out)
    assert code == 0 and len(actions) > 20000
    assert "s3:GetObject" in actions and actions == sorted(actions)


def test_action_table_filters_apply_together(cli):
    _, out, _ = cli("query", "action-table", "--service", "s3", "--access-level", "read",
                    "--resource-type", "object", "--fmt", "json")
    actions = json.loads(out)
    assert "s3:GetObject" in actions
    assert "s3:PutObject" not in actions and "s3:GetBucketPolicy" not in actions


def test_action_table_filters_work_with_service_all(cli):
    _, out, _ = cli("query", "action-table", "--service", "all", "--access-level", "permissions-management",
                    "--condition", "aws:ResourceTag/${TagKey}", "--fmt", "json")
    actions = json.loads(out)
    assert actions and all(a.split(":")[0] for a in actions)
    assert len({a.split(":")[0] for a in actions}) > 10


def test_resource_type_star_lists_actions_that_support_only_wildcard(cli):
    _, out, _ = cli("query", "action-table", "--service", "s3", "--resource-type", "*", "--fmt", "json")
    assert "s3:ListAllMyBuckets" in json.loads(out) and "s3:GetObject" not in json.loads(out)


def test_condition_filter_keeps_actions_accepting_the_key(cli):
    _, out, _ = cli("query", "action-table", "--service", "s3", "--condition", "s3:x-amz-acl", "--fmt", "json")
    actions = json.loads(out)
    assert "s3:PutObject" in actions and "s3:GetObject" not in actions


def test_iam_write_actions_are_not_hidden_by_overrides(cli):
    _, out, _ = cli("query", "action-table", "--service", "iam", "--access-level", "write", "--fmt", "json")
    assert "iam:CreateRole" in json.loads(out)


def test_name_with_a_filter_it_fails_gives_an_empty_list(cli):
    _, out, _ = cli("query", "action-table", "--service", "s3", "--name", "GetObject", "--access-level", "write",
                    "--fmt", "json")
    assert json.loads(out) == []


def test_names_are_case_insensitive(cli):
    _, out, _ = cli("query", "action-table", "--service", "S3", "--name", "getobject", "--fmt", "json")
    detail = json.loads(out)[0]
    assert detail["action"] == "s3:GetObject" and detail["access_level"] == "Read"
    assert {"object", "accesspointobject"} <= {r["resource_type"] for r in detail["resource_types"]}


def test_action_details_show_documented_and_effective_level(cli):
    _, out, _ = cli("query", "action-table", "--service", "route53globalresolver", "--name", "ListTagsForResource",
                    "--fmt", "json")
    detail = json.loads(out)[0]
    assert (detail["documented_access_level"], detail["access_level"]) == ("Write", "Read")
    assert detail["override_reason"]


def test_action_details_show_a_dual_level_as_documented_and_its_effective_level(cli):
    _, out, _ = cli("query", "action-table", "--service", "aoss", "--name", "TagResource", "--fmt", "json")
    detail = json.loads(out)[0]
    assert (detail["documented_access_level"], detail["access_level"]) == ("Tagging, Write", "Tagging")
    assert detail["override_reason"] == ""  # AWS fixed it; policy_tf's override is no longer applied


def test_access_level_filter_tells_about_overridden_actions(cli):
    _, out, err = cli("query", "action-table", "--service", "route53globalresolver", "--access-level", "read", "--fmt",
                      "json")
    assert "route53globalresolver:ListTagsForResource" in json.loads(out)
    assert "documented as Write but treated as Read" in err


def test_yaml_output_is_valid_yaml(cli):
    _, out, _ = cli("query", "arn-table", "--service", "s3", "--fmt", "yaml")
    rows = yaml.safe_load(out)
    assert {"service": "s3", "resource_type": "bucket"}.items() \
        <= next(r for r in rows if r["resource_type"] == "bucket").items()


def test_arn_table_lists_arn_types(cli):
    _, out, _ = cli("query", "arn-table", "--service", "s3", "--list-arn-types", "--fmt", "json")
    assert json.loads(out)["bucket"] == "arn:${Partition}:s3:::${BucketName}"


def test_arn_table_one_resource_type(cli):
    _, out, _ = cli("query", "arn-table", "--service", "lambda", "--name", "FUNCTION", "--fmt", "json")
    assert [r["resource_type"] for r in json.loads(out)] == ["function"]


def test_condition_table_one_key(cli):
    _, out, _ = cli("query", "condition-table", "--service", "s3", "--name", "s3:x-amz-acl", "--fmt", "json")
    assert json.loads(out)[0]["type"] == "String"


def test_service_table_is_an_array_of_prefix_and_name(cli):
    _, out, _ = cli("query", "service-table", "--fmt", "json")
    services = json.loads(out)
    assert {"prefix": "s3", "service_name": "Amazon S3"} in services
    assert len(services) == len({s["prefix"] for s in services}) > 400


def test_table_format_shows_both_levels(cli):
    _, out, _ = cli("query", "action-table", "--service", "aoss", "--access-level", "tagging", "--fmt", "table")
    assert "aoss:TagResource" in out and "Tagging, Write" in out


def test_db_info_names_the_database_in_use(cli):
    _, out, _ = cli("db", "info", "--fmt", "json")
    info = json.loads(out)
    assert info["kind"] == "bundled" and info["counts"]["actions"] > 20000 and info["built_at"]


@pytest.mark.parametrize("argv, message", [
    (["query", "action-table", "--service", "lamda"], "unknown service 'lamda'; did you mean: lambda"),
    (["query", "action-table", "--service", "s3", "--name", "GetObjekt"], "did you mean: GetObject"),
    (["query", "action-table", "--service", "s3", "--resource-type", "objekt"], "did you mean: object"),
    (["query", "action-table", "--service", "s3", "--condition", "s3:x-amz-acll"], "did you mean: s3:x-amz-acl"),
    (["query", "arn-table", "--service", "s3", "--name", "buckit"], "did you mean: bucket"),
    (["query", "condition-table", "--service", "s3", "--name", "s3:nope"], "unknown condition key"),
    (["query", "action-table", "--service", "all", "--name", "GetObject"], "--name needs one service"),
])
def test_unknown_names_exit_2_with_suggestions(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_bad_option_value_exits_2(cli_process):
    proc = cli_process("query", "action-table", "--service", "s3", "--access-level", "admin")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr and proc.stdout == ""


def test_error_from_the_command_line_has_no_traceback(cli_process):
    proc = cli_process("query", "action-table", "--service", "nosuch")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("policy_tf: error: unknown service 'nosuch'") and "Traceback" not in proc.stderr


def test_version_and_help_are_available(cli_process):
    assert cli_process("--version").stdout.startswith("policy_tf ")
    assert cli_process("--help").returncode == 0


def test_overridden_matches_any_spelling_and_canonical_names_as_they_are():
    from policy_tf.iamdb import query

    assert [o["action"] for o in query.overridden(["ROUTE53GLOBALRESOLVER:listtagsforresource"])] == [
        "route53globalresolver:ListTagsForResource"]
    assert [o["action"] for o in query.overridden(["route53globalresolver:ListTagsForResource"], canonical=True)] == [
        "route53globalresolver:ListTagsForResource"]
