"""The pre-commit audit hook's default file selection: policy JSON and .tf files, not the JSON that
Terraform and everyday tools keep in a repository (audited as policies, they fail every commit)."""
from __future__ import annotations

import re

import pytest
import yaml

from tests.cli_runner import REPO


def _selects(path: str) -> bool:
    hook = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
                if h["id"] == "policy-tf-audit")
    return bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)


@pytest.mark.parametrize("path", ["terraform.tfvars.json", "env/prod.auto.tfvars.json", ".vscode/settings.json",
                                  ".devcontainer/devcontainer.json", "renovate.json", ".eslintrc.json",
                                  "web/jsconfig.json", "composer-lock.json", "main.tf.json"])
def test_json_that_is_never_a_policy_is_left_out(path):
    assert not _selects(path)


@pytest.mark.parametrize("path", ["policies/deployer.json", "infra/main.tf", "modules/app/iam.tf", "policy.json"])
def test_policies_and_tf_files_are_audited(path):
    assert _selects(path)
