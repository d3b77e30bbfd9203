"""The AWS commands' pure pieces: names, tags, the runner's identity, the progress bar."""
from __future__ import annotations

import io

import pytest
from cli_runner import SUBPROCESS_TIMEOUT

from policy_tf.aws.files import safe_name
from policy_tf.aws.plan import runner_entity
from policy_tf.aws.tags import MAX_TAGS, clean_value, plan_tags, usage_tags


@pytest.mark.parametrize("name, expected", [("app", "app"), ("..", "_.."), (".hidden", "_.hidden"),
                                            ("a/b", "a_b"), ("x+=,.@_-y", "x+=,.@_-y"), ("", "_")])
def test_safe_name_keeps_iam_characters_and_never_climbs(name, expected):
    assert safe_name(name) == expected


def test_tag_values_are_cleaned_to_the_iam_character_set():
    assert clean_value("a,b;c (d) é 1/2=3+4-5@6:7_8.9") == "a_b_c _d_ é 1/2=3+4-5@6:7_8.9"
    assert len(clean_value("x" * 300)) == 256


def test_a_long_unused_list_is_cut_with_a_count_of_what_was_left_out():
    entry = {"coverage_percent": 10.0, "services_granted": ["s"] * 100, "services_used": [],
             "services_unused": [f"service{i:03d}" for i in range(100)]}
    value = usage_tags(entry, 90, "2026-12-01T00:00:00Z")["policy_tf:services-unused"]
    assert len(value) <= 256 and value.endswith(f"+{100 - len(value.split()) + 1}")


def test_plan_tags_counts_existing_tags_against_the_limit():
    existing = [{"Key": f"k{i}", "Value": "v"} for i in range(MAX_TAGS - 2)]
    write, remove, dropped = plan_tags(existing, {"policy_tf:a": "1", "policy_tf:b": "2", "policy_tf:c": "3"})
    assert list(write) == ["policy_tf:a", "policy_tf:b"] and dropped == ["policy_tf:c"] and remove == []


def test_plan_tags_rewrites_nothing_unchanged_and_removes_stale_keys_ignoring_case():
    existing = [{"Key": "Policy_TF:A", "Value": "1"}, {"Key": "POLICY_TF:gone", "Value": "x"}]
    write, remove, _ = plan_tags(existing, {"policy_tf:a": "1"})
    assert write == {} and remove == ["POLICY_TF:gone"]


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:sts::123456789012:assumed-role/deployer/ci", ("role", "deployer")),
    ("arn:aws:iam::123456789012:user/team/alice", ("user", "alice")),
    ("arn:aws:iam::123456789012:root", None),
])
def test_runner_entity_names_the_role_or_user_behind_the_caller(arn, expected):
    assert runner_entity(arn) == expected


def test_progress_bar_is_drawn_only_on_a_terminal(monkeypatch):
    from policy_tf.core.progress import bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    pipe, terminal = io.StringIO(), Terminal()
    monkeypatch.setattr("sys.stderr", pipe)
    quiet = bar(3, "files", "file")
    quiet.update()
    quiet.close()
    assert pipe.getvalue() == ""
    monkeypatch.setattr("sys.stderr", terminal)
    drawn = bar(3, "files", "file")
    drawn.update()
    drawn.close()
    assert "files" in terminal.getvalue()


def test_parsing_an_account_command_imports_neither_boto3_nor_tqdm():
    import subprocess
    import sys

    code = ("import sys; from policy_tf.cli import build_parser; "
            "build_parser(['boundary', 'plan', '--output', 'p.json']).parse_args(['boundary', 'plan', "
            "'--output', 'p.json']); "
            "print(sorted(m for m in ('boto3', 'botocore', 'tqdm') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=SUBPROCESS_TIMEOUT).stdout == "[]\n"


def test_a_boundary_that_cannot_fit_without_widening_is_an_error():
    from policy_tf.aws.boundary import BoundaryTooLarge, boundary_document

    entry = {"services": []}
    keep = [f"unknownservice:Action{i:04d}" for i in range(400)]  # nothing to minimize against
    with pytest.raises(BoundaryTooLarge, match="never widens"):
        boundary_document(entry, "aws", "123456789012", keep, ["sts:GetCallerIdentity"])


def test_aws_managed_policies_go_to_their_own_folder_and_unattached_ones_are_left_out():
    from policy_tf.aws.download import policy_files

    def managed(arn, name, attached):
        return {"Arn": arn, "PolicyName": name, "AttachmentCount": attached, "PermissionsBoundaryUsageCount": 0,
                "PolicyVersionList": [{"VersionId": "v3", "IsDefaultVersion": True, "Document": {"Statement": []}}]}

    details = {"Policies": [managed("arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess", 1),
                            managed("arn:aws:iam::aws:policy/job-function/Billing", "Billing", 0)],
               "RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app",
                                   "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                                   "RolePolicyList": []}]}
    files = policy_files(details, include_unattached=False, all_versions=False)
    assert [(path, entry["attached_to"]["roles"]) for path, _, entry in files] == [
        ("aws-managed/ReadOnlyAccess.json", ["arn:aws:iam::123456789012:role/app"])]
    assert len(policy_files(details, include_unattached=True, all_versions=False)) == 2
