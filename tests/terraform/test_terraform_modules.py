"""The Terraform modules (terraform/modules/) and examples (examples/terraform/), run by real Terraform.

* Static checks with no Terraform: the files the `policy` and `template` modules share are
  identical, and every variable and output is in its module's README.
* `terraform fmt -check`, and `terraform init -backend=false` + `terraform validate` of every
  module and example (in a copy, so no .terraform folder lands in the repo).
* The `template` module: init/plan/apply/output of a small root configuration; its YAML goes
  through `policy_tf write-policy` and gives the policy that the library writes for the same
  template.
* The `policy` module end to end: real Terraform runs the real `policy_tf terraform-external`
  through `data "external"` of the TEST DOUBLE of hashicorp/external (tests/tfdouble).
* With the real hashicorp/aws provider against a local moto server: the `policy` module with
  create_policy = true, the `policies-dir` module, and both examples; the policies are read
  back from moto with boto3, and a second plan must find nothing to change.

Terraform cannot download providers here: hashicorp/external is the test double (installed from
a temporary filesystem mirror), hashicorp/aws comes from the mirror in /opt/tf-plugins (symlinked
by init, never copied). Tests skip, with the reason shown, when terraform, the double's Python
packages, that aws mirror, or moto/boto3 are missing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from policy_tf.writing.template import parse as parse_template

try:
    from tests.tfdouble import mirror
except ImportError:  # pytest run with tests/ (not the repo root) on sys.path
    from tfdouble import mirror

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "terraform" / "modules"
EXAMPLES = REPO / "examples" / "terraform"
POLICY_TF = [sys.executable, "-m", "policy_tf"]

# --- what is available --------------------------------------------------------------------------

_TERRAFORM = mirror.terraform_binary()
_MISSING_DOUBLE_DEPS = mirror.missing_modules()
_AWS_MIRROR = mirror.AWS_PLUGIN_MIRROR / "registry.terraform.io" / "hashicorp" / "aws"


def _importable(*names: str) -> bool:
    try:
        return all(importlib.util.find_spec(name) is not None for name in names)
    except ModuleNotFoundError:
        return False


# The module files' static checks go with the runs of real Terraform: -m terraform selects them all.
pytestmark = [pytest.mark.terraform, pytest.mark.slow]

requires_terraform = pytest.mark.skipif(
    _TERRAFORM is None, reason="terraform is not on PATH: the Terraform module tests need the terraform binary"
)
requires_external = pytest.mark.skipif(
    bool(_MISSING_DOUBLE_DEPS),
    reason="the TEST DOUBLE of hashicorp/external (tests/tfdouble) needs Python packages that are missing: "
    + ", ".join(_MISSING_DOUBLE_DEPS) + " (pip install 'tf>=1.2')",
)
requires_aws = pytest.mark.skipif(
    not _AWS_MIRROR.is_dir(),
    reason=f"the hashicorp/aws provider is not in the filesystem mirror {mirror.AWS_PLUGIN_MIRROR} "
    "(Terraform cannot download it without network)",
)
_MOTO = _importable("moto.server", "boto3", "flask", "flask_cors")
requires_moto = pytest.mark.skipif(
    not _MOTO,
    reason="moto with server support and boto3 are needed for the AWS tests (pip install 'moto[server]' boto3)",
)

# --- one template, in the module's inputs and in policy_tf's template format ------------------

ACCOUNT = "123456789012"
LAMBDA_ARGS = {
    "name": "InvoiceImporter",
    "description": "Execution role of the invoice-importer function",
    "read": ["arn:aws:s3:::acme-invoices/incoming/*"],
    "list": ["arn:aws:s3:::acme-invoices"],
    "write": [
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/invoices",
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/invoice-importer:log-stream:*",
    ],
    "wildcard_only_single_actions": ["ssm:DescribeParameters"],
    "exclude_actions": ["dynamodb:*Table*", "dynamodb:*Backup*", "dynamodb:PartiQL*", "logs:DeleteLogStream",
                        "s3:GetObjectTorrent", "ec2:NothingLikeThis*"],
    "conditions": {"all": {"Bool": {"aws:SecureTransport": ["true"]}}},
}
LAMBDA_TEMPLATE = {
    "mode": "crud",
    "name": "InvoiceImporter",
    "description": "Execution role of the invoice-importer function",
    "effect": "Allow",
    "read": LAMBDA_ARGS["read"],
    "list": LAMBDA_ARGS["list"],
    "write": LAMBDA_ARGS["write"],
    "wildcard-only": {"single-actions": ["ssm:DescribeParameters"]},
    "exclude-actions": LAMBDA_ARGS["exclude_actions"],
    "conditions": LAMBDA_ARGS["conditions"],
}

# Every template key the module maps, for the template module.
FULL_ARGS = {
    "name": "EveryKey",
    "description": "All the inputs at once",
    "effect": "Allow",
    "read": ["arn:aws:s3:::acme-reports/*"],
    "write": ["arn:aws:sqs:eu-west-1:123456789012:jobs"],
    "list": ["arn:aws:s3:::acme-reports"],
    "tagging": ["arn:aws:sns:eu-west-1:123456789012:alerts"],
    "permissions_management": ["arn:aws:s3:::acme-reports"],
    "wildcard_only_single_actions": ["ssm:DescribeParameters"],
    "wildcard_only_service_read": [],  # empty: left out of the template
    "wildcard_only_service_write": ["cloudwatch"],
    "wildcard_only_service_list": ["cloudwatch"],
    "wildcard_only_service_tagging": ["ssm"],
    "wildcard_only_service_permissions_management": ["s3"],
    "skip_resource_constraints": ["sqs:ListQueues"],
    "exclude_actions": ["s3:Delete*", "s3:PutBucketPolicy", "sqs:*Queue*"],
    "sts_assume_role": ["arn:aws:iam::123456789012:role/reporter"],
    "sts_assume_role_with_saml": ["arn:aws:iam::123456789012:role/saml-reporter"],
    "sts_assume_role_with_web_identity": ["arn:aws:iam::123456789012:role/oidc-reporter"],
    "conditions": {
        "all": {"Bool": {"aws:SecureTransport": [True]}},
        "sts": {"StringEquals": {"aws:PrincipalTag/team": ["reports"]}},
    },
    "cross_service": ["ssm"],
    "named_actions": {"iam:PassRole": ["arn:aws:iam::123456789012:role/reporter"]},
    "include_dependent_actions": "all",
}
FULL_TEMPLATE = {
    "mode": "crud",
    "name": "EveryKey",
    "description": "All the inputs at once",
    "effect": "Allow",
    "read": ["arn:aws:s3:::acme-reports/*"],
    "write": ["arn:aws:sqs:eu-west-1:123456789012:jobs"],
    "list": ["arn:aws:s3:::acme-reports"],
    "tagging": ["arn:aws:sns:eu-west-1:123456789012:alerts"],
    "permissions-management": ["arn:aws:s3:::acme-reports"],
    "wildcard-only": {
        "single-actions": ["ssm:DescribeParameters"],
        "service-write": ["cloudwatch"],
        "service-list": ["cloudwatch"],
        "service-tagging": ["ssm"],
        "service-permissions-management": ["s3"],
    },
    "skip-resource-constraints": ["sqs:ListQueues"],
    "exclude-actions": ["s3:Delete*", "s3:PutBucketPolicy", "sqs:*Queue*"],
    "sts": {
        "assume-role": ["arn:aws:iam::123456789012:role/reporter"],
        "assume-role-with-saml": ["arn:aws:iam::123456789012:role/saml-reporter"],
        "assume-role-with-web-identity": ["arn:aws:iam::123456789012:role/oidc-reporter"],
    },
    # Terraform's list(string) turns the bool into "true", as policy_tf would.
    "conditions": {
        "all": {"Bool": {"aws:SecureTransport": ["true"]}},
        "sts": {"StringEquals": {"aws:PrincipalTag/team": ["reports"]}},
    },
    "cross-service": ["ssm"],
    "named-actions": {"iam:PassRole": ["arn:aws:iam::123456789012:role/reporter"]},
    "include-dependent-actions": "all",
}


# --- helpers ------------------------------------------------------------------------------------


class Terraform:
    """Runs terraform with the test CLI config, and policy_tf importable from this repo."""

    def __init__(self, cli_config: Path, env: dict[str, str]):
        self.cli_config = cli_config
        self.env = env

    def run(self, args: list[str], cwd: Path, timeout: float = 180.0) -> subprocess.CompletedProcess:
        return mirror.run_terraform(args, cwd, self.cli_config, timeout=timeout, extra_env=self.env)

    def ok(self, args: list[str], cwd: Path, timeout: float = 180.0) -> subprocess.CompletedProcess:
        proc = self.run(args, cwd, timeout)
        assert proc.returncode == 0, f"terraform {' '.join(args)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def outputs(self, cwd: Path) -> dict:
        return {k: v["value"] for k, v in json.loads(self.ok(["output", "-json"], cwd).stdout).items()}


def policy_tf(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """Run `python -m policy_tf ARGS` from the repo, in the same environment Terraform gets."""
    return subprocess.run([*POLICY_TF, *args], cwd=REPO, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120, **kwargs)


def write_policy(template: dict | Path, env: dict[str, str], *options: str, tmp: Path | None = None) -> str:
    """stdout of `policy_tf write-policy` for a template dict (written to tmp) or file."""
    if isinstance(template, dict):
        path = tmp / f"{template['name']}-{len(list(tmp.iterdir()))}.yml"
        path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
        template = path
    proc = policy_tf(["write-policy", "--input-file", str(template), *options], env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def write_policies_dir(templates: Path, out: Path, env: dict[str, str]) -> list[Path]:
    """`policy_tf write-policy-dir`: one `<template file name>.json` per template."""
    proc = policy_tf(["write-policy-dir", "--input-dir", str(templates), "--output-dir", str(out)], env)
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.json"))
    assert files, f"no policy written to {out}"
    return files


def write_root(directory: Path, config: dict) -> Path:
    """A root module in Terraform's JSON syntax (no HCL quoting to get wrong)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return directory


def copy_tree(tmp: Path) -> Path:
    """terraform/ and examples/terraform/ copied with their relative layout, without local state."""
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "*.tfplan", "policies")
    shutil.copytree(REPO / "terraform", tmp / "terraform", ignore=ignore)
    shutil.copytree(EXAMPLES, tmp / "examples" / "terraform", ignore=ignore)
    return tmp


def moto_provider(endpoint: str) -> dict:
    """hashicorp/aws settings that talk to the moto server only."""
    return {
        "access_key": "test",
        "secret_key": "test",
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "endpoints": {"iam": endpoint, "sts": endpoint},
    }


REQUIRED_PROVIDERS = {
    "external": {"source": "hashicorp/external", "version": ">= 2.2.0"},
    "aws": {"source": "hashicorp/aws", "version": ">= 4.0.0"},
}
OFFLINE_AWS = {"region": "us-east-1", **moto_provider("http://127.0.0.1:9")}  # never called in these tests


def module_call(source: Path, **args) -> dict:
    return {"source": str(source), **args}


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf(tmp_path_factory) -> Terraform:
    if _TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    base = tmp_path_factory.mktemp("terraform")
    root = mirror.make_mirror(base / "mirror")
    cli_config = mirror.write_cli_config(base / "cli.tfrc", root)
    home = base / "policy_tf_home"
    home.mkdir()
    env = {
        # The program data "external" runs is `python -m policy_tf` from this checkout.
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        # The bundled IAM database, whatever the user has in ~/.policy_tf.
        "POLICY_TF_HOME": str(home),
        "POLICY_TF_DATABASE": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return Terraform(cli_config, env)


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its accounts in this process: start from an empty one.
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    yield endpoint
    server.stop()


def iam_client(endpoint: str):
    import boto3

    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def stored_document(iam, arn: str) -> dict:
    """The default version of a managed policy, as moto keeps it."""
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    if isinstance(document, str):  # URL-encoded JSON when botocore does not decode it
        from urllib.parse import unquote

        document = json.loads(unquote(document))
    return document


# --- static checks (no terraform) ---------------------------------------------------------------


@pytest.mark.parametrize("file_name", ["variables.tf", "template.tf"])
def test_policy_and_template_modules_share_template_files(file_name):
    policy = (MODULES / "policy" / file_name).read_text(encoding="utf-8")
    template = (MODULES / "template" / file_name).read_text(encoding="utf-8")
    assert policy == template, (f"terraform/modules/policy/{file_name} and terraform/modules/template/{file_name} "
                                "differ: copy one onto the other")


def _declared(module: Path, kind: str) -> list[str]:
    names = []
    for path in sorted(module.glob("*.tf")):
        names += re.findall(rf'^{kind} "([^"]+)"', path.read_text(encoding="utf-8"), re.M)
    return names


@pytest.mark.parametrize("module", ["policy", "template", "policies-dir"])
def test_module_readme_documents_every_input_and_output(module):
    directory = MODULES / module
    readme = (directory / "README.md").read_text(encoding="utf-8")
    for kind in ("variable", "output"):
        names = _declared(directory, kind)
        assert names, f"{module}: no {kind} found"
        for name in names:
            assert f"| `{name}` |" in readme, f"{module}/README.md: {kind} {name} missing from the table"


@pytest.mark.parametrize("module, providers", [
    ("policy", {"hashicorp/external", "hashicorp/aws"}),
    ("template", set()),
    ("policies-dir", {"hashicorp/aws"}),
])
def test_modules_require_only_the_providers_they_use(module, providers):
    text = "\n".join(p.read_text(encoding="utf-8") for p in (MODULES / module).glob("*.tf"))
    assert "required_version" in (MODULES / module / "versions.tf").read_text(encoding="utf-8")
    assert set(re.findall(r'source\s*=\s*"(hashicorp/[a-z]+)"', text)) == providers
    # hashicorp/local cannot be installed offline: no local_file and friends.
    assert not re.findall(r'^(?:resource|data) "(local_\w+)"', text, re.M)


# --- fmt and validate ---------------------------------------------------------------------------


def _pool_size() -> int:
    # Each terraform run that loads hashicorp/aws is seconds of CPU on one core.
    return max(2, min(4, os.cpu_count() or 2))


def run_jobs(jobs: dict) -> dict:
    """Run job functions in threads; name -> (result, None) or (None, exception)."""

    def call(job):
        try:
            return job(), None
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test that reads it
            return None, exc

    with ThreadPoolExecutor(max_workers=_pool_size()) as pool:
        return dict(zip(jobs, pool.map(call, jobs.values())))


def job_result(results: dict, name: str):
    if name not in results:
        pytest.skip(f"{name} was not run (its requirements are missing)")
    value, error = results[name]
    if error is not None:
        raise error
    return value


@requires_terraform
def test_terraform_fmt_is_clean(tf):
    for directory in (REPO / "terraform", EXAMPLES):
        proc = tf.run(["fmt", "-check", "-recursive", "-diff", str(directory)], REPO)
        assert proc.returncode == 0, f"terraform fmt would change files under {directory}:\n{proc.stdout}{proc.stderr}"


VALIDATE_TARGETS = {  # name -> (folder, providers it needs)
    "modules/policy": ("terraform/modules/policy", {"external", "aws"}),
    "modules/template": ("terraform/modules/template", set()),
    "modules/policies-dir": ("terraform/modules/policies-dir", {"aws"}),
    "examples/external-data": ("examples/terraform/external-data", {"external", "aws"}),
    "examples/policy-dir": ("examples/terraform/policy-dir", {"aws"}),
}


def _available(needs: set[str]) -> bool:
    return not ("external" in needs and _MISSING_DOUBLE_DEPS) and not ("aws" in needs and not _AWS_MIRROR.is_dir())


@pytest.fixture(scope="module")
def validated(tf, tmp_path_factory) -> dict:
    """init -backend=false + validate -json of every module and example, in a copy of the tree."""
    tree = copy_tree(tmp_path_factory.mktemp("tree"))
    # The policy-dir example reads what write-policy-dir writes (its README says to run it
    # first; the module refuses an empty folder).
    example = tree / "examples" / "terraform" / "policy-dir"
    write_policies_dir(example / "templates", example / "policies", tf.env)

    def job(directory: Path):
        def run():
            tf.ok(["init", "-backend=false"], directory)
            return tf.run(["validate", "-json"], directory)
        return run

    return run_jobs({name: job(tree / folder)
                     for name, (folder, needs) in VALIDATE_TARGETS.items() if _available(needs)})


def _validate_params():
    params = []
    for name, (_, needs) in VALIDATE_TARGETS.items():
        marks = [requires_terraform]
        if "external" in needs:
            marks.append(requires_external)
        if "aws" in needs:
            marks.append(requires_aws)
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("target", _validate_params())
def test_terraform_validate(validated, target):
    proc = job_result(validated, target)
    report = json.loads(proc.stdout)
    assert report["valid"], f"{target}: {json.dumps(report['diagnostics'], indent=2)}"
    assert report["warning_count"] == 0, f"{target}: {json.dumps(report['diagnostics'], indent=2)}"


# --- the template module ------------------------------------------------------------------------


@requires_terraform
def test_template_module_renders_a_template_policy_tf_reads(tf, tmp_path):
    from policy_tf.writing.pipeline import write_policy as library_write_policy

    out_file = tmp_path / "templates" / "EveryKey.yml"
    root = write_root(tmp_path / "root", {
        "module": {"t": module_call(MODULES / "template", **FULL_ARGS, output_file=str(out_file),
                                    policy_tf_command=POLICY_TF)},
        "output": {"t": {"value": "${module.t}"}},
    })
    tf.ok(["init", "-backend=false"], root)
    tf.ok(["plan", "-out=tfplan"], root)
    tf.ok(["apply", "tfplan"], root)
    out = tf.outputs(root)["t"]

    assert yaml.safe_load(out["yaml"]) == FULL_TEMPLATE
    assert json.loads(out["json"]) == FULL_TEMPLATE
    assert out["template"] == FULL_TEMPLATE
    assert out["file_name"] == "EveryKey.yml"
    assert out["output_file"] == str(out_file)
    assert out_file.read_text(encoding="utf-8") == out["yaml"]

    # The rendered YAML through the CLI = the equivalent template through the library.
    printed = json.loads(write_policy(out_file, tf.env))
    assert printed == library_write_policy(FULL_TEMPLATE)
    assert {s["Sid"] for s in printed["Statement"]} >= {"AssumeRole", "SsmListWildcard"}

    # destroy removes the file it wrote.
    tf.ok(["destroy", "-auto-approve"], root)
    assert not out_file.exists()


@requires_terraform
def test_template_module_defaults_render_a_minimal_template(tf, tmp_path):
    root = write_root(tmp_path / "root", {
        "module": {"t": module_call(MODULES / "template", name="Minimal", read=["arn:aws:s3:::b/*"])},
        "output": {"yaml": {"value": "${module.t.yaml}"}, "file": {"value": "${module.t.output_file}"}},
    })
    tf.ok(["init", "-backend=false"], root)
    tf.ok(["apply", "-auto-approve"], root)
    out = tf.outputs(root)
    assert yaml.safe_load(out["yaml"]) == {"mode": "crud", "name": "Minimal", "effect": "Allow",
                                           "read": ["arn:aws:s3:::b/*"]}
    assert out["yaml"].startswith("# ")
    assert "file" not in out  # null outputs are left out of `terraform output -json`


@requires_terraform
def test_template_module_still_takes_a_bool_for_include_dependent_actions(tf, tmp_path):
    root = write_root(tmp_path / "root", {
        "module": {"t": module_call(MODULES / "template", name="NoDeps", read=["arn:aws:s3:::b/*"],
                                    include_dependent_actions=False)},
        "output": {"yaml": {"value": "${module.t.yaml}"}},
    })
    tf.ok(["init", "-backend=false"], root)
    tf.ok(["apply", "-auto-approve"], root)
    template = yaml.safe_load(tf.outputs(root)["yaml"])
    assert template["include-dependent-actions"] == "false"
    assert parse_template(template, "t").include_dependent_actions == "none"


@requires_terraform
def test_template_module_rejects_bad_inputs(tf, tmp_path):
    root = write_root(tmp_path / "root", {
        "module": {"t": module_call(
            MODULES / "template",
            name="has space",
            effect="Permit",
            read=["s3:::bucket"],
            sts_assume_role=["arn:aws:iam::123456789012:user/bob"],
            wildcard_only_single_actions=["DescribeParameters"],
            conditions={"everything": {"Bool": {"aws:SecureTransport": ["true"]}}},
            cross_service=["all", "ssm"],
            named_actions={"iam:Pass*": ["role/reporter"]},
            include_dependent_actions="sometimes",
        )},
    })
    tf.ok(["init", "-backend=false"], root)
    proc = tf.run(["plan"], root)
    assert proc.returncode != 0
    text = " ".join((proc.stdout + proc.stderr).split())
    for message in (
        "The name must be 1 to 128 letters",
        'The effect must be "Allow" or "Deny"',
        "Every entry of read must be an ARN",
        "Every entry of sts_assume_role must be an IAM role ARN",
        "Every entry of wildcard_only_single_actions must be an action",
        "The keys of conditions must be template sections",
        'cross_service: "all" already covers every service',
        "Every key of named_actions must be one action",
        "Every ARN in named_actions must be an ARN",
        "include_dependent_actions must be true, scoped, all, false or none",
    ):
        assert message in text, text


# --- runs that load hashicorp/aws: few, and side by side ---------------------------------------
#
# Every terraform command that loads the aws provider costs seconds of CPU (its schema is
# huge), whatever the configuration holds. So the configurations that need it are few, and
# run in parallel:
#
# * "modules": one root holding several `policy` module instances (the TEST DOUBLE external
#   provider runs the real policy_tf) and, against moto, `policy` instances with
#   create_policy = true, a `policies-dir` instance and both examples (as child modules using
#   this root's aws provider); apply, output, then a plan that must find nothing to change;
# * "errors": a plan in which policy_tf fails and a precondition fails;
# * "invalid": validate with inputs that the modules' variable validations reject.

YAML_TEMPLATE = REPO / "examples" / "templates" / "region-locked-s3-writer.yml"


DEFERRED_BUCKET = "arn:aws:s3:::created-in-the-same-run"
SPLIT_ARGS = {  # too big for one managed policy: fit = "managed" splits it in two
    "name": "DataLakeReader",
    "read": [f"arn:aws:s3:::acme-data-lake-partition-{i:03d}/*" for i in range(250)],
}


def _modules_job(tf: Terraform, directory: Path, endpoint: str | None, external: bool):
    """One root with every module instance that can run here; None when there is none."""
    policy = MODULES / "policy"
    modules: dict[str, dict] = {}
    if external:
        modules.update({
            "lambda": module_call(policy, **LAMBDA_ARGS, policy_tf_command=POLICY_TF),
            "minimized": module_call(policy, **LAMBDA_ARGS, minimize=0, policy_tf_command=POLICY_TF),
            "fitted": module_call(policy, **LAMBDA_ARGS, fit="managed", policy_tf_command=POLICY_TF),
            "from_yaml": module_call(policy, name="ReportUploader", policy_tf_command=POLICY_TF,
                                     template_yaml=YAML_TEMPLATE.read_text(encoding="utf-8")),
            # An ARN known only after apply (like a bucket created in the same run): policy_tf
            # then runs during apply, and the policy's count and name must still plan.
            "deferred": module_call(policy, name="Deferred", policy_tf_command=POLICY_TF,
                                    read=["${terraform_data.bucket.output}/*"], create_policy=endpoint is not None),
        })
    policies = example_files = []
    if endpoint is not None:
        policies = write_policies_dir(EXAMPLES / "policy-dir" / "templates", directory / "policies", tf.env)
        modules["dir"] = module_call(MODULES / "policies-dir", policies_dir=str(directory / "policies"),
                                     name_prefix="test-dir-", path="/tests/", tags={"suite": "policy_tf"})
        # The examples as child modules of this root, without their providers.tf: they use this
        # root's aws provider (moto). One apply, and one set of aws provider processes, instead of three.
        tree = copy_tree(directory / "tree")
        example = tree / "examples" / "terraform" / "policy-dir"
        example_files = write_policies_dir(example / "templates", example / "policies", tf.env)
        # Local paths ("../"), so that the examples' own "../../../terraform/modules/..." resolve.
        # policies_dir given: path.root is this root, not the example's folder.
        modules["example_policy_dir"] = {"source": "../tree/examples/terraform/policy-dir",
                                         "policies_dir": str(example / "policies")}
        if external:
            modules["created"] = module_call(policy, **LAMBDA_ARGS, policy_tf_command=POLICY_TF, create_policy=True,
                                             policy_name="test-invoice-importer", policy_path="/tests/",
                                             tags={"suite": "policy_tf"})
            modules["split"] = module_call(policy, **SPLIT_ARGS, fit="managed", create_policy=True,
                                           policy_path="/tests/", policy_tf_command=POLICY_TF)
            modules["example_external_data"] = {"source": "../tree/examples/terraform/external-data",
                                                "policy_tf_command": POLICY_TF}
        for name in ("external-data", "policy-dir"):
            (tree / "examples" / "terraform" / name / "providers.tf").unlink()
    if not modules:
        return None
    providers = {"aws": REQUIRED_PROVIDERS["aws"]}
    if external:
        providers["external"] = REQUIRED_PROVIDERS["external"]
    root = write_root(directory / "root", {
        "terraform": {"required_providers": providers},
        "resource": {"terraform_data": {"bucket": {"input": DEFERRED_BUCKET}}},
        "provider": {"aws": OFFLINE_AWS if endpoint is None else {"region": "us-east-1", **moto_provider(endpoint)}},
        "module": modules,
        "output": {name: {"value": f"${{module.{name}}}"} for name in modules},
    })

    def run():
        tf.ok(["init", "-backend=false"], root)
        apply = tf.ok(["apply", "-auto-approve"], root)
        outputs = tf.outputs(root)
        # Nothing to change on a second run: what AWS gives back matches the configuration.
        replan = tf.run(["plan", "-detailed-exitcode"], root) if endpoint is not None else None
        return {"apply": apply, "outputs": outputs, "replan": replan, "policies": policies,
                "example_files": example_files}

    return run


def _errors_job(tf: Terraform, directory: Path):
    root = write_root(directory / "errors", {
        "terraform": {"required_providers": REQUIRED_PROVIDERS},
        "provider": {"aws": OFFLINE_AWS},
        "module": {
            "unknown_service": module_call(MODULES / "policy", name="Bad", policy_tf_command=POLICY_TF,
                                           read=["arn:aws:nosuchsvc:us-east-1:123456789012:thing/x"]),
            "mixed": module_call(MODULES / "policy", name="Mixed", read=["arn:aws:s3:::b/*"],
                                 policy_tf_command=POLICY_TF, template_yaml="mode: crud\nread: [arn:aws:s3:::b/*]\n"),
        },
    })

    def run():
        tf.ok(["init", "-backend=false"], root)
        return tf.run(["plan"], root)

    return run


def _invalid_job(tf: Terraform, directory: Path):
    (directory / "empty").mkdir(parents=True)
    root = write_root(directory / "invalid", {
        "terraform": {"required_providers": REQUIRED_PROVIDERS},
        "provider": {"aws": OFFLINE_AWS},
        "module": {
            "policy": module_call(MODULES / "policy", name="Bad", read=["arn:aws:s3:::b/*"], minimize=1.5, fit="huge",
                                  policy_path="no-slash", policy_name="no spaces", policy_tf_command=[]),
            "dir": module_call(MODULES / "policies-dir", policies_dir=str(directory / "empty"), path="x",
                               name_prefix="bad/"),
        },
    })

    def run():
        tf.ok(["init", "-backend=false"], root)
        return tf.run(["validate"], root)

    return run


@pytest.fixture(scope="module")
def applied(tf, tmp_path_factory, request) -> dict:
    base = tmp_path_factory.mktemp("applied")
    endpoint = request.getfixturevalue("moto_endpoint") if _MOTO else None
    jobs = {}
    external, aws = not _MISSING_DOUBLE_DEPS, _AWS_MIRROR.is_dir()
    modules = _modules_job(tf, base / "modules", endpoint, external) if aws else None
    if modules is not None:
        jobs["modules"] = modules
    if external and aws:
        jobs["errors"] = _errors_job(tf, base)
        jobs["invalid"] = _invalid_job(tf, base)
    return run_jobs(jobs)


def _policy_tf_text(proc: subprocess.CompletedProcess) -> str:
    return " ".join((proc.stdout + proc.stderr).split())  # terraform wraps long lines


@requires_terraform
@requires_external
@requires_aws
def test_policy_module_runs_policy_tf_through_data_external(applied, tf, tmp_path):
    from policy_tf.writing.finish import generate
    from policy_tf.writing.pipeline import write_policy as library_write_policy
    from policy_tf.writing.template import parse

    run = job_result(applied, "modules")
    assert "module.lambda.data.external.policy: Read complete" in run["apply"].stdout
    out = run["outputs"]

    # policy_json is exactly what `write-policy --fmt terraform` prints for the same template.
    lam = out["lambda"]
    expected = json.loads(write_policy(LAMBDA_TEMPLATE, tf.env, "--fmt", "terraform", tmp=tmp_path))["policy"]
    assert lam["policy_json"] == expected
    assert lam["policy_jsons"] == [expected]
    assert lam["policy_count"] == 1
    policy = json.loads(expected)
    assert policy == library_write_policy(LAMBDA_TEMPLATE)
    assert lam["sids"] == [statement["Sid"] for statement in policy["Statement"]]
    assert lam["size"] == generate(parse(LAMBDA_TEMPLATE, "template")).sizes[0]
    assert lam["sizes"] == [lam["size"]]
    assert any("ec2:NothingLikeThis* excluded nothing" in w for w in lam["warnings"]), lam["warnings"]
    assert json.loads(lam["template_json"]) == LAMBDA_TEMPLATE
    assert lam["policy_arn"] is None and lam["policy_arns"] == [] and lam["policy_names"] == []

    minimized = json.loads(write_policy(LAMBDA_TEMPLATE, tf.env, "--fmt", "terraform", "--minimize", "0", tmp=tmp_path))
    assert out["minimized"]["policy_json"] == minimized["policy"]
    assert out["minimized"]["size"] <= lam["size"]

    # With fit, policy_tf sends a list; a list of one policy comes out as that policy's exact text.
    fitted = json.loads(write_policy(LAMBDA_TEMPLATE, tf.env, "--fit", "managed", "--fmt", "terraform", tmp=tmp_path))
    assert out["fitted"]["policy_count"] == len(json.loads(fitted["policy"])) == 1
    assert out["fitted"]["policy_json"] == fitted["policy"][1:-1]
    assert out["fitted"]["policy_jsons"] == [fitted["policy"][1:-1]]
    assert out["fitted"]["sizes"] == [out["fitted"]["size"]]

    from_yaml = json.loads(write_policy(YAML_TEMPLATE, tf.env, "--fmt", "terraform"))
    assert out["from_yaml"]["policy_json"] == from_yaml["policy"]
    assert out["from_yaml"]["template_json"] == YAML_TEMPLATE.read_text(encoding="utf-8")


@requires_terraform
@requires_external
@requires_aws
def test_policy_module_runs_policy_tf_during_apply_when_inputs_are_unknown(applied, tf, tmp_path):
    run = job_result(applied, "modules")
    assert "module.deferred.data.external.policy: Reading..." in run["apply"].stdout
    deferred = run["outputs"]["deferred"]
    template = {"mode": "crud", "name": "Deferred", "read": [f"{DEFERRED_BUCKET}/*"]}
    assert deferred["policy_json"] \
        == json.loads(write_policy(template, tf.env, "--fmt", "terraform", tmp=tmp_path))["policy"]


@requires_terraform
@requires_external
@requires_aws
def test_policy_module_shows_policy_tf_errors(applied):
    proc = job_result(applied, "errors")
    assert proc.returncode != 0
    text = _policy_tf_text(proc)
    # policy_tf's own message, through the data source's error.
    assert "External Program Execution Failed" in text
    assert "policy_tf: error: query.template: read[0]: no AWS service uses 'nosuchsvc'" in text
    # template_yaml and template inputs at once.
    assert "With template_yaml set, put everything in that template" in text


@requires_terraform
@requires_external
@requires_aws
def test_modules_reject_bad_inputs(applied):
    proc = job_result(applied, "invalid")
    assert proc.returncode != 0
    text = _policy_tf_text(proc)
    for message in (
        "The minimize value must be null or a whole number",
        'The fit value must be null, "managed"',
        'The policy_path must start and end with "/"',
        "The policy_name must be 1 to 128 letters",
        "The policy_tf_command must hold at least one element",
        "The policies_dir holds no *.json file: run `policy_tf write-policy-dir",
        'The path must start and end with "/"',
        "The name_prefix may hold only letters",
    ):
        assert message in text, text


@requires_terraform
@requires_external
@requires_aws
@requires_moto
def test_policy_module_creates_the_policy_in_aws(applied, tf, tmp_path, moto_endpoint):
    out = job_result(applied, "modules")["outputs"]
    iam = iam_client(moto_endpoint)

    created = out["created"]
    arn = created["policy_arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/tests/test-invoice-importer"
    assert created["policy_arns"] == [arn]
    assert created["policy_names"] == ["test-invoice-importer"]
    # What AWS holds is what `policy_tf write-policy` prints for the same template.
    assert stored_document(iam, arn) == json.loads(write_policy(LAMBDA_TEMPLATE, tf.env, tmp=tmp_path))
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == LAMBDA_ARGS["description"]
    assert {t["Key"]: t["Value"] for t in iam.list_policy_tags(PolicyArn=arn)["Tags"]} == {"suite": "policy_tf"}


@requires_terraform
@requires_external
@requires_aws
@requires_moto
def test_policy_module_creates_one_policy_per_split(applied, tf, tmp_path, moto_endpoint):
    split = job_result(applied, "modules")["outputs"]["split"]
    template = {"mode": "crud", "effect": "Allow", **SPLIT_ARGS}
    expected = json.loads(write_policy(template, tf.env, "--fit", "managed", tmp=tmp_path))
    assert len(expected) == split["policy_count"] == 2
    assert split["policy_json"] is None and split["policy_arn"] is None
    assert [json.loads(p) for p in split["policy_jsons"]] == expected
    assert split["policy_names"] == ["DataLakeReader-1", "DataLakeReader-2"]
    assert all(size <= 6144 for size in split["sizes"]) and split["size"] == max(split["sizes"])
    iam = iam_client(moto_endpoint)
    assert [stored_document(iam, arn) for arn in split["policy_arns"]] == expected


@requires_terraform
@requires_aws
@requires_moto
def test_policies_dir_module_creates_one_policy_per_file(applied, moto_endpoint):
    run = job_result(applied, "modules")
    out, files = run["outputs"]["dir"], run["policies"]
    iam = iam_client(moto_endpoint)
    assert out["files"] == [p.name for p in files] == ["config.json", "queue.json"]
    assert sorted(out["arns"]) == sorted(p.stem for p in files)
    for path in files:
        arn = out["arns"][path.stem]
        assert arn == f"arn:aws:iam::{ACCOUNT}:policy/tests/test-dir-{path.stem}"
        assert out["names"][path.stem] == f"test-dir-{path.stem}"
        # The file write-policy-dir wrote, as AWS holds it.
        assert stored_document(iam, arn) == json.loads(path.read_text(encoding="utf-8"))
        assert {t["Key"]: t["Value"] for t in iam.list_policy_tags(PolicyArn=arn)["Tags"]} == {"suite": "policy_tf"}


@requires_terraform
@requires_aws
@requires_moto
def test_second_plan_changes_nothing(applied):
    replan = job_result(applied, "modules")["replan"]
    assert replan.returncode == 0, f"a second plan wants changes:\n{replan.stdout}\n{replan.stderr}"


@requires_terraform
@requires_external
@requires_aws
@requires_moto
def test_external_data_example_applies(applied, tf, tmp_path, moto_endpoint):
    out = job_result(applied, "modules")["outputs"]["example_external_data"]
    iam = iam_client(moto_endpoint)
    document = stored_document(iam, out["policy_arn"])
    assert document == json.loads(out["policy_json"])
    assert out["policy_arn"] == f"arn:aws:iam::{ACCOUNT}:policy/lambda/InvoiceImporterLambda"
    role = out["role_arn"].rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [out["policy_arn"]]
    # Each ARN gets its own service's actions only; ssm's bucket type (same format) has no List
    # action, so there is nothing to say (the old "matches resource types" note is gone).
    assert out["warnings"] == [], out["warnings"]
    # What write-policy prints for the example's template (moto's account is 123456789012).
    template = {
        "mode": "crud",
        "name": "InvoiceImporterLambda",
        "read": ["arn:aws:s3:::acme-invoices-eu-west-1/incoming/*"],
        "list": ["arn:aws:s3:::acme-invoices-eu-west-1"],
        "write": [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/invoices",
                  f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/invoice-importer:log-stream:*"],
        "exclude-actions": ["s3:GetObjectTorrent", "s3:GetObjectVersionTorrent", "s3:GetObjectVersionForReplication",
                            "dynamodb:*Table*", "dynamodb:*Global*", "dynamodb:*Backup*", "dynamodb:*Kinesis*",
                            "dynamodb:*Replicat*", "dynamodb:UpdateContributorInsights", "dynamodb:UpdateTimeToLive",
                            "dynamodb:PartiQL*", "logs:DeleteLogStream"],
        "conditions": {"all": {"Bool": {"aws:SecureTransport": ["true"]}}},
    }
    assert document == json.loads(write_policy(template, tf.env, tmp=tmp_path))


@requires_terraform
@requires_aws
@requires_moto
def test_policy_dir_example_applies(applied, moto_endpoint):
    run = job_result(applied, "modules")
    out, files = run["outputs"]["example_policy_dir"], run["example_files"]
    iam = iam_client(moto_endpoint)
    assert sorted(out["policy_arns"]) == sorted(p.stem for p in files) == ["config", "queue"]
    for path in files:
        arn = out["policy_arns"][path.stem]
        assert arn == f"arn:aws:iam::{ACCOUNT}:policy/order-worker/order-worker-{path.stem}"
        assert stored_document(iam, arn) == json.loads(path.read_text(encoding="utf-8"))
    attached = iam.list_attached_role_policies(RoleName="order-worker")["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == sorted(out["policy_arns"].values())


# --- the modules' own `terraform test` suites and generated READMEs -----------------------------------


@requires_terraform
@requires_external
@requires_aws
@pytest.mark.parametrize("module", sorted(p.name for p in MODULES.iterdir() if (p / "tests").is_dir()))
def test_module_terraform_test_suite_passes(tf, tmp_path, module):
    """Each module's tests/*.tftest.hcl, run by real `terraform test` (mock_provider: offline)."""
    work = tmp_path / module
    shutil.copytree(MODULES / module, work, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    tf.ok(["init", "-backend=false"], work)
    done = tf.run(["test", "-no-color"], work, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    runs = len(re.findall(r'^\s*run "', "".join(p.read_text() for p in (work / "tests").glob("*.tftest.hcl")), re.M))
    assert f"{runs} passed, 0 failed" in done.stdout


def test_the_policy_modules_have_terraform_tests():
    with_tests = {m.name for m in MODULES.iterdir() if list(m.glob("tests/*.tftest.hcl"))}
    assert {"policy", "template", "policies-dir"} <= with_tests, "add tests/*.tftest.hcl"


@pytest.mark.parametrize("module", sorted(p.name for p in MODULES.iterdir() if p.is_dir()))
def test_module_readme_inputs_and_outputs_are_generated_from_the_code(module):
    """tools/module_docs.py --check: the README's Requirements, Inputs and Outputs match the .tf files."""
    done = subprocess.run([sys.executable, str(REPO / "tools" / "module_docs.py"), "--check", str(MODULES / module)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{done.stderr}run: python tools/module_docs.py terraform/modules/{module}"


def test_module_docs_generator_reads_any_module(tmp_path):
    module = tmp_path / "any"
    module.mkdir()
    (module / "main.tf").write_text('''terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
variable "names" {
  description = "Names | with a pipe"
  type        = map(object({ a = string }))
  default     = { x = { a = "1" } }
}
variable "needed" {}
output "out" {
  description = "An output"
  value       = var.needed
  sensitive   = true
}
''', encoding="utf-8")
    (module / "README.md").write_text("# Module `any`\n\nHand-written text stays.\n", encoding="utf-8")
    tool = [sys.executable, str(REPO / "tools" / "module_docs.py")]
    assert subprocess.run([*tool, "--check", str(module)], capture_output=True).returncode == 1
    assert subprocess.run([*tool, str(module)], capture_output=True).returncode == 0
    text = (module / "README.md").read_text()
    assert text.startswith("# Module `any`\n\nHand-written text stays.\n")
    assert "| hashicorp/aws | >= 5.0 |" in text and "| terraform | >= 1.5 |" in text
    assert '| `names` | Names \\| with a pipe | `map(object({ a = string }))` | `{"x": {"a": "1"}}` | no |' in text
    assert "| `needed` |  | `any` | n/a | yes |" in text
    assert "| `out` | An output (sensitive) |" in text
    assert subprocess.run([*tool, "--check", str(module)], capture_output=True).returncode == 0
