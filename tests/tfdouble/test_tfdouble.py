"""Tests of the TEST DOUBLE hashicorp/external provider.

Two groups:

* unit tests of ``run_external_program`` (the data source's behaviour), which
  need neither terraform nor the ``tf`` package;
* end-to-end tests that run the real ``terraform`` binary (init / plan /
  apply / output) against the double, installed from a temporary filesystem
  mirror.  They are skipped, with the reason shown, when terraform is not on
  PATH or the double's Python dependencies are not installed.
"""

import json
import sys
import textwrap
from pathlib import Path

import pytest

from . import mirror
from .terraform_provider_external import (
    ExternalProgramError,
    encode_query,
    run_external_program,
)

PY = sys.executable

_missing = mirror.missing_modules()
_terraform_missing = pytest.mark.skipif(
    mirror.terraform_binary() is None or bool(_missing),
    reason=(
        "terraform is not on PATH"
        if mirror.terraform_binary() is None
        else "test dependencies of the TEST DOUBLE provider are missing: "
        + ", ".join(_missing)
        + " (pip install tf)"
    ),
)


def requires_terraform(test):
    """Runs the real terraform binary: skipped without it, marked terraform and slow."""
    return pytest.mark.slow(pytest.mark.terraform(_terraform_missing(test)))


# Programs the data sources run, written into each test's directory.
ECHO_PROGRAM = """\
import json, sys
query = json.load(sys.stdin)
query["extra"] = "added by program"
json.dump(query, sys.stdout)
"""

CWD_PROGRAM = """\
import json, os, sys
stdin = sys.stdin.read()
json.dump({"cwd": os.getcwd(), "stdin": stdin, "arg": sys.argv[1]}, sys.stdout)
"""

FAILING_PROGRAM = """\
import sys
sys.stderr.write("policy_tf: cannot build policy for bucket 'x'\\n")
sys.exit(1)
"""

NON_STRING_PROGRAM = """\
print('{"count": 3, "ok": "yes"}')
"""


def write_program(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(source, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Unit tests of the data source logic (no terraform needed)
# ---------------------------------------------------------------------------


def test_query_encoding_matches_go_json():
    assert encode_query(None) == b"{}"
    assert encode_query({"b": "2", "a": "1", "gone": None}) == b'{"a":"1","b":"2"}'
    assert encode_query({"k": "<a&b> é"}) == '{"k":"\\u003ca\\u0026b\\u003e é"}'.encode()


def test_program_gets_query_on_stdin_and_result_is_parsed(tmp_path):
    prog = write_program(tmp_path, "echo.py", ECHO_PROGRAM)
    result = run_external_program([PY, str(prog)], None, {"a": "1"})
    assert result == {"a": "1", "extra": "added by program"}


def test_working_dir_and_empty_elements(tmp_path):
    prog = write_program(tmp_path, "cwd.py", CWD_PROGRAM)
    (tmp_path / "sub").mkdir()
    result = run_external_program([PY, "", str(prog), "x"], str(tmp_path / "sub"), None)
    assert result == {"cwd": str(tmp_path / "sub"), "stdin": "{}", "arg": "x"}


def test_nonzero_exit_reports_stderr(tmp_path):
    prog = write_program(tmp_path, "fail.py", FAILING_PROGRAM)
    with pytest.raises(ExternalProgramError) as err:
        run_external_program([PY, str(prog)])
    assert err.value.summary == "External Program Execution Failed"
    assert "cannot build policy for bucket 'x'" in err.value.detail
    assert "exit status 1" in err.value.detail


@pytest.mark.parametrize(
    "stdout, message",
    [
        ('{"count": 3}', "'count' is a JSON number"),
        ('{"l": ["a"], "o": {}}', "'l' is a JSON array, 'o' is a JSON object"),
        ('{"b": true}', "'b' is a JSON bool"),
        ('["a"]', "not a JSON object"),
        ("not json", "not valid JSON"),
        ("", "not valid JSON"),
    ],
)
def test_bad_output_is_rejected(tmp_path, stdout, message):
    prog = write_program(tmp_path, "out.py", f"print({stdout!r})\n")
    with pytest.raises(ExternalProgramError) as err:
        run_external_program([PY, str(prog)])
    assert err.value.summary == "Unexpected External Program Results"
    assert message in err.value.detail


def test_go_decoder_leniencies_are_kept(tmp_path):
    prog = write_program(tmp_path, "null.py", "print('null')\n")
    assert run_external_program([PY, str(prog)]) == {}
    prog = write_program(tmp_path, "nullval.py", 'print(\'{"a": null}\')\n')
    assert run_external_program([PY, str(prog)]) == {"a": ""}


def test_missing_and_unknown_programs(tmp_path):
    with pytest.raises(ExternalProgramError, match="External Program Missing"):
        run_external_program(["", None])
    with pytest.raises(ExternalProgramError, match="External Program Lookup Failed"):
        run_external_program(["policy-tf-no-such-program-xyz"])
    with pytest.raises(ExternalProgramError, match="External Program Lookup Failed"):
        run_external_program([str(tmp_path / "absent")])


# ---------------------------------------------------------------------------
# Mirror / CLI config helpers
# ---------------------------------------------------------------------------


def test_make_mirror_layout(tmp_path):
    root = mirror.make_mirror(tmp_path / "m")
    exe = mirror.provider_executable(root)
    assert exe == (
        root
        / "registry.terraform.io/hashicorp/external/2.3.5"
        / mirror.platform_dir()
        / "terraform-provider-external_v2.3.5"
    )
    assert exe.stat().st_mode & 0o111
    text = exe.read_text()
    assert text.startswith(f"#!{sys.executable}\n") or text.startswith("#!/bin/sh\n")
    assert "TEST DOUBLE" in text


def test_long_interpreter_path_uses_sh_launcher(tmp_path):
    long_python = "/opt/" + "x" * 200 + "/python3"
    exe = mirror.provider_executable(mirror.make_mirror(tmp_path, python=long_python))
    text = exe.read_text()
    assert text.startswith("#!/bin/sh\n")
    compile(text, str(exe), "exec")  # still valid Python after the sh header


def test_cli_config_text(tmp_path):
    cfg = mirror.write_cli_config(tmp_path / "cli.tfrc", tmp_path / "m")
    text = cfg.read_text()
    assert f'path    = "{tmp_path / "m"}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/external"]' in text
    assert 'path    = "/opt/tf-plugins"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/*/*"]' in text


# ---------------------------------------------------------------------------
# End-to-end: real terraform + the double
# ---------------------------------------------------------------------------

TF_TIMEOUT = 60

REQUIRED_PROVIDERS = """\
terraform {
  required_providers {
    external = {
      source  = "hashicorp/external"
      version = "~> 2.3"
    }
  }
}
"""


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory):
    base = tmp_path_factory.mktemp("tfdouble")
    mirror_root = mirror.make_mirror(base / "mirror")
    return mirror.write_cli_config(base / "terraform.tfrc", mirror_root)


def tf(args, cwd, cli_config):
    return mirror.run_terraform(args, cwd, cli_config, timeout=TF_TIMEOUT)


def init_config(workdir: Path, cli_config: Path, body: str) -> None:
    (workdir / "main.tf").write_text(REQUIRED_PROVIDERS + textwrap.dedent(body), encoding="utf-8")
    proc = tf(["init", "-input=false"], workdir, cli_config)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def program_hcl(*parts) -> str:
    return "[" + ", ".join(mirror.hcl_string(p) for p in parts) + "]"


@requires_terraform
def test_apply_and_output(tmp_path, cli_config):
    echo = write_program(tmp_path, "echo.py", ECHO_PROGRAM)
    cwd_prog = write_program(tmp_path, "cwd.py", CWD_PROGRAM)
    (tmp_path / "run_here").mkdir()
    init_config(
        tmp_path,
        cli_config,
        f"""
        data "external" "echo" {{
          program = {program_hcl(PY, echo)}
          query = {{
            bucket = "logs"
            html   = "<a&b>"
          }}
        }}

        data "external" "cwd" {{
          program     = {program_hcl(PY, cwd_prog, "arg1")}
          working_dir = "${{path.module}}/run_here"
        }}

        output "echo" {{
          value = data.external.echo.result
        }}

        output "echo_id" {{
          value = data.external.echo.id
        }}

        output "cwd" {{
          value = data.external.cwd.result
        }}
        """,
    )
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/external"' in lock
    assert 'version     = "2.3.5"' in lock

    proc = tf(["apply", "-auto-approve", "-input=false"], tmp_path, cli_config)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    proc = tf(["output", "-json"], tmp_path, cli_config)
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(proc.stdout)
    assert outputs["echo"]["value"] == {
        "bucket": "logs",
        "html": "<a&b>",
        "extra": "added by program",
    }
    assert outputs["echo_id"]["value"] == "-"
    assert outputs["cwd"]["value"] == {
        "cwd": str((tmp_path / "run_here").resolve()),
        "stdin": "{}",
        "arg": "arg1",
    }


@requires_terraform
def test_failing_program_fails_plan_with_its_stderr(tmp_path, cli_config):
    prog = write_program(tmp_path, "fail.py", FAILING_PROGRAM)
    init_config(
        tmp_path,
        cli_config,
        f"""
        data "external" "x" {{
          program = {program_hcl(PY, prog)}
        }}
        """,
    )
    proc = tf(["plan", "-input=false"], tmp_path, cli_config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "External Program Execution Failed" in output
    assert "policy_tf: cannot build policy for bucket 'x'" in output
    assert "exit status 1" in output


@requires_terraform
def test_non_string_values_fail_plan(tmp_path, cli_config):
    prog = write_program(tmp_path, "nonstr.py", NON_STRING_PROGRAM)
    init_config(
        tmp_path,
        cli_config,
        f"""
        data "external" "x" {{
          program = {program_hcl(PY, prog)}
        }}
        """,
    )
    proc = tf(["plan", "-input=false"], tmp_path, cli_config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Unexpected External Program Results" in output
    assert "'count' is a JSON number" in output


@requires_terraform
def test_empty_program_list_is_invalid(tmp_path, cli_config):
    init_config(
        tmp_path,
        cli_config,
        """
        data "external" "x" {
          program = []
        }
        """,
    )
    proc = tf(["validate"], tmp_path, cli_config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "at least 1" in output


@requires_terraform
def test_other_registry_providers_are_not_downloaded(tmp_path, cli_config):
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    null = { source = "hashicorp/null" }\n  }\n}\n'
    )
    proc = tf(["init", "-input=false"], tmp_path, cli_config)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "was not found" in output and "search locations" in output


AWS_PACKAGE = mirror.AWS_PLUGIN_MIRROR / "registry.terraform.io/hashicorp/aws/5.100.0"


@requires_terraform
@pytest.mark.skipif(not AWS_PACKAGE.is_dir(), reason=f"{AWS_PACKAGE} is not present")
def test_aws_provider_comes_from_opt_mirror(tmp_path, cli_config):
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            """\
            terraform {
              required_providers {
                aws      = { source = "hashicorp/aws", version = "5.100.0" }
                external = { source = "hashicorp/external", version = "~> 2.3" }
              }
            }
            """
        )
    )
    proc = tf(["init", "-input=false"], tmp_path, cli_config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'provider "registry.terraform.io/hashicorp/external"' in lock
