"""Installs that fit the use: a light core, extras named when missing, floors, both hcl2 distributions."""
from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TF_FIXTURE = REPO / "tests" / "fixtures" / "audit" / "terraform"


def _requirements(text: str) -> list:
    return [line.strip() for line in text.strip().splitlines() if line.strip() and not line.strip().startswith("#")]


def _release(version: str) -> tuple:
    """1.26 and 1.26.0 are the same release."""
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()


@pytest.fixture(scope="module")
def setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    return config


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    """policy_tf's main() in a fresh interpreter, after ``code`` (which may hide modules)."""
    script = f"import sys\n{code}\nfrom policy_tf.cli import main\nsys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_the_core_install_leaves_out_aws_the_database_build_and_the_tf_reader(setup_cfg):
    core = {_name(r) for r in _requirements(setup_cfg["options"]["install_requires"])}
    assert core == {"pyyaml", "yaml-rs", "jinja2", "tqdm", "shtab"}


def test_each_extra_brings_its_modules_and_test_brings_every_extra(setup_cfg):
    extras = {k: {_name(r) for r in _requirements(v)} for k, v in setup_cfg["options.extras_require"].items()}
    assert extras["aws"] == {"boto3"}
    assert extras["build"] == {"beautifulsoup4", "lxml", "requests"}
    assert extras["tf"] == {"python-hcl2"}
    assert extras["all"] == extras["aws"] | extras["build"] | extras["tf"] | extras["fast"]
    assert extras["all"] <= extras["test"]


def test_the_constraints_file_pins_every_floor_of_setup_cfg(setup_cfg):
    declared = {}
    for text in [setup_cfg["options"]["install_requires"], *setup_cfg["options.extras_require"].values()]:
        for requirement in _requirements(text):
            floor = re.search(r">=([0-9][^,;\s]*)", requirement)
            if floor and _name(requirement) not in ("pytest", "hypothesis", "tf", "moto", "pre-commit", "duckdb",
                                                    "sqlglot", "ruff", "mypy", "wheel"):  # test-only tools
                declared[_name(requirement)] = _release(floor.group(1))
    pinned = dict(line.split("==") for line in _requirements((REPO / "constraints" / "floors.txt").read_text()))
    assert {k.lower(): _release(v) for k, v in pinned.items()} == declared


@pytest.mark.parametrize("module, command, extra", [
    ("boto3", ["download-policies", "--output", "unused-dl"], "aws"),
    ("hcl2", ["audit", str(TF_FIXTURE)], "tf"),
    ("requests", ["initialize", "--fetch"], "build"),
])
def test_a_command_whose_extra_is_missing_names_the_extra_and_exits_2(module, command, extra, tmp_path):
    hide = f"sys.modules[{module!r}] = None\nsys.modules['botocore'] = None" if module == "boto3" else \
        f"sys.modules[{module!r}] = None"
    done = _run(f"import os\nos.environ['POLICY_TF_HOME'] = {str(tmp_path)!r}\n{hide}", *command)
    assert done.returncode == 2
    assert f"pip install 'policy_tf[{extra}]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (REPO / "unused-dl").exists()


def test_the_version_comes_from_the_install_not_a_constant():
    import policy_tf

    assert policy_tf.__version__ != "0+unknown", "setuptools-scm writes policy_tf/_version.py at install"
    assert re.match(r"^\d+\.\d+", policy_tf.__version__)


def test_license_file_is_mit():
    assert (REPO / "LICENSE").read_text().startswith("MIT License")


@pytest.fixture(scope="module")
def hcl2_installs(tmp_path_factory):
    """Folders holding bc-python-hcl2 alone, and both distributions in one folder (the fork last)."""
    root = tmp_path_factory.mktemp("hcl2")
    made = {}
    for name, packages in (("fork", ["bc-python-hcl2"]), ("both", ["python-hcl2", "bc-python-hcl2"])):
        target = root / name
        for package in packages:
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                                   str(target), "--upgrade", package], capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                pytest.skip(f"cannot install {package}: {done.stderr.strip()[-300:]}")
        made[name] = target
    return made


def _audit_json(pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    done = subprocess.run([sys.executable, "-m", "policy_tf", "audit", str(TF_FIXTURE), "--fmt", "json",
                           "--fail-on", "none"], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("install", ["fork", "both"])
def test_tf_audit_beside_checkovs_bc_python_hcl2_finds_the_same(hcl2_installs, install):
    check = subprocess.run([sys.executable, "-c", "import hcl2; print(hasattr(hcl2, 'parses_to_tree'))"],
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(hcl2_installs[install])})
    assert check.stdout.strip() == "False", "the fork's hcl2 module is the one imported"
    expected = _audit_json(None)
    assert expected["findings"]
    assert _audit_json(str(hcl2_installs[install])) == expected
