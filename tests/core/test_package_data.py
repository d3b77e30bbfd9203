"""Every data file is package data: a wheel installed with --target or --user reads them as a checkout does.

setup.cfg once shipped the CloudTrail and code mapping tables as ``data_files`` found through
``sysconfig``, which points elsewhere under ``pip install --user`` and ``--target``: there
``generate-template`` failed with "cloudtrail-event-mappings.yml: cannot read".
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from policy_tf.core.datafiles import data_file, data_path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "templates" / "lambda-s3-reader-dynamodb-writer.yml"
CODE = REPO / "examples" / "code" / "orders_lambda.py"
LOGS = REPO / "tests" / "fixtures" / "cloudtrail"
# The tables read at run time, by package.
SHIPPED = [
    ("policy_tf.sources.cloudtrail", "cloudtrail-event-mappings.yml"),
    ("policy_tf.sources.code", "code-operation-mappings.yml"),
    ("policy_tf.iamdb", "access-level-overrides.yml"),
    ("policy_tf.analysis", "privilege-escalation.yml"),
    ("policy_tf.analysis", "risk-lists.json"),
]
# In the installed copy: the path of policy_tf, then its own overrides, as JSON on stdout.
PROBE = ("import json, policy_tf\nfrom policy_tf.iamdb import overrides\n"
         "print(json.dumps([policy_tf.__file__, [o.action for o in overrides.project_overrides()]]))")


@pytest.mark.parametrize("package, name", SHIPPED)
def test_a_data_file_is_where_importlib_resources_finds_it(package, name):
    assert data_file(package, name) == files(package) / "data" / name
    assert data_file(package, name).is_file()


@pytest.mark.parametrize("package, name", SHIPPED)
def test_data_path_is_data_file_as_a_string(package, name):
    assert data_path(package, name) == str(data_file(package, name))


def test_setup_cfg_ships_no_data_files_outside_the_package():
    setup = (REPO / "setup.cfg").read_text(encoding="utf-8")
    assert "[options.data_files]" not in setup and "sysconfig" not in (REPO / "policy_tf").joinpath(
        "core", "datafiles.py").read_text(encoding="utf-8")


def test_data_readme_points_to_every_table_in_the_package():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for package, name in SHIPPED[:3]:
        home = data_file(package, name).relative_to(REPO)
        assert f"(../{home.as_posix()})" in readme and (REPO / home).is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """policy_tf built offline into a wheel, from a copy of the sources (the checkout stays clean)."""
    pytest.importorskip("wheel", reason="building a wheel with setuptools needs the wheel package ([test] extra)")
    source = tmp_path_factory.mktemp("source")
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "policy_tf", source / "policy_tf", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--quiet", "-w", str(out), str(source)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": "0.1.0"})
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("policy_tf-*.whl")
    return built


def _site_packages() -> str:
    """Where this interpreter's dependencies are (pyyaml, jinja2, boto3 ...), appended after the install."""
    import yaml

    return str(Path(yaml.__file__).resolve().parents[1])


def _launcher(first: str | None) -> str:
    """Run policy_tf's CLI (or PROBE) with the install found first and the dependencies last on sys.path."""
    head = f"import sys\nsys.path.insert(0, {first!r})\n" if first else "import sys\n"
    return head + f"sys.path.append({_site_packages()!r})\n"


def _run(python: str, launcher: str, argv: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    script = launcher + ("import runpy\nsys.argv = ['policy_tf', *sys.argv[1:]]\n"
                         "runpy.run_module('policy_tf', run_name='__main__')")
    return subprocess.run([python, "-c", script, *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def _outputs(python: str, launcher: str, cwd: Path, env: dict) -> dict:
    """What the install writes for the three commands that read the shipped tables."""
    results = {}
    cloudtrail = _run(python, launcher, ["generate-template", "--cloudtrail", str(LOGS), "--output-dir", "ct",
                                         "--no-progress", "-j", "1"], cwd, env)
    assert cloudtrail.returncode == 0, cloudtrail.stderr
    code = _run(python, launcher, ["generate-template", "--from-code", str(CODE), "--account", "123456789012",
                                   "--output-dir", "code"], cwd, env)
    assert code.returncode == 0, code.stderr
    for folder in ("ct", "code"):
        results.update({f"{folder}/{p.name}": p.read_text(encoding="utf-8") for p in sorted((cwd / folder).iterdir())})
    policy = _run(python, launcher, ["write-policy", "--input-file", str(EXAMPLE)], cwd, env)
    assert policy.returncode == 0, policy.stderr
    results["policy"] = policy.stdout
    probe = subprocess.run([python, "-c", launcher + PROBE], capture_output=True, text=True, cwd=cwd, env=env,
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    results["probe"] = json.loads(probe.stdout)
    return results


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> dict:
    cwd = tmp_path_factory.mktemp("checkout")
    env = {**os.environ, "POLICY_TF_HOME": str(cwd / "home")}
    return _outputs(sys.executable, _launcher(str(REPO)), cwd, env)


def _same_as_checkout(installed: dict, checkout: dict, root: Path) -> None:
    where, rules = installed.pop("probe")
    assert Path(where).resolve().is_relative_to(root.resolve()), where  # the installed copy ran, not the checkout
    assert rules == checkout["probe"][1] and rules  # policy_tf's own access-level overrides, read from the wheel
    assert installed == {k: v for k, v in checkout.items() if k != "probe"}


@pytest.mark.slow
def test_the_wheel_ships_every_table(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{package.replace('.', '/')}/data/{name}" for package, name in SHIPPED} <= names


@pytest.mark.slow
def test_a_wheel_installed_with_target_reads_its_tables(wheel, checkout, tmp_path):
    target = tmp_path / "target"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "POLICY_TF_HOME": str(tmp_path / "home")}
    _same_as_checkout(_outputs(sys.executable, _launcher(str(target)), tmp_path, env), checkout, target)


@pytest.mark.slow
def test_a_wheel_installed_with_user_reads_its_tables(wheel, checkout, tmp_path):
    # A virtualenv hides the user site: --user needs the interpreter the venv was made from.
    base = getattr(sys, "_base_executable", sys.executable)
    user = tmp_path / "userbase"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONNOUSERSITE", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYTHONUSERBASE=str(user), POLICY_TF_HOME=str(tmp_path / "home"))
    if subprocess.run([base, "-m", "pip", "--version"], capture_output=True, env=env, timeout=120).returncode:
        pytest.skip(f"{base} has no pip for a --user install")
    done = subprocess.run([base, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--user",
                           "--no-warn-script-location", str(wheel)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    _same_as_checkout(_outputs(base, _launcher(None), tmp_path, env), checkout, user)
