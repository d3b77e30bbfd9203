"""The public API: lazy names in policy_tf, cheap to import, documented in docs/library-api.md."""
from __future__ import annotations

import ast
import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import SUBPROCESS_TIMEOUT

import policy_tf

REPO = Path(__file__).resolve().parents[2]
LIBRARY_API = REPO / "docs" / "library-api.md"
HEAVY = ("sqlite3", "_sqlite3", "yaml", "jinja2")


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True, timeout=SUBPROCESS_TIMEOUT)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_policy_tf_loads_no_database_yaml_or_templates():
    loaded = modules_after("import policy_tf")
    assert not loaded & set(HEAVY)
    assert not {m for m in loaded if m.startswith("policy_tf.")}


@pytest.mark.parametrize("name", sorted(policy_tf._PUBLIC))
def test_every_public_name_resolves(name):
    value = getattr(policy_tf, name)
    assert callable(value) or name == "query"
    assert name in dir(policy_tf)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'writer'"):
        policy_tf.writer  # noqa: B018


def test_query_command_starts_without_gettext_yaml_or_progress_bars():
    loaded = modules_after("from policy_tf.cli import main\nmain(['query', 'action-table', '--service', 's3'])")
    assert not loaded & {"gettext", "locale", "datetime", "yaml", "jinja2", "tqdm", "shtab"}


def test_the_library_api_page_example_runs():
    section = LIBRARY_API.read_text(encoding="utf-8").split("# Library API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the documentation's own example
    assert scope["policy"]["Statement"] and scope["fitted"].policies
    assert policy_tf.resource_types_for_arn("arn:aws:s3:::my-bucket/key") == ["s3:object"]


def test_all_lists_every_lazy_name_and_the_version():
    assert sorted(policy_tf.__all__) == sorted(["__version__", *policy_tf._PUBLIC])
    assert len(set(policy_tf.__all__)) == len(policy_tf.__all__)


def test_the_type_checking_block_mirrors_the_lazy_map():
    tree = ast.parse((REPO / "policy_tf" / "__init__.py").read_text())
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            name = alias.asname or alias.name
            imported = f"{node.module}.{alias.name}"
            # "from pkg import module" names a module: the lazy map says (module, None) for it.
            seen[name] = (imported, None) if imported in {m for m, a in policy_tf._PUBLIC.values() if a is None} \
                else (node.module, alias.name)
    assert seen == policy_tf._PUBLIC


@pytest.mark.parametrize("name", ["PolicyInput", "Finding", "Diagnostic"])
def test_the_records_a_caller_handles_are_exported(name):
    assert isinstance(getattr(policy_tf, name), type)


def test_the_package_is_marked_typed_and_ships_the_marker():
    assert (REPO / "policy_tf" / "py.typed").is_file()
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    assert "py.typed" in re.split(r"[,\s]+", cfg["options.package_data"]["policy_tf"])  # one per line, or commas
