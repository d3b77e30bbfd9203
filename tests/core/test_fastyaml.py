"""The yaml_rs fast path gives PyYAML's values exactly, or steps aside.

PyYAML (YAML 1.1, safe_load) is the reference: whatever the fast path returns must equal
``yaml.safe_load`` of the same text, and safeload must give the same value or the same error
with the fast path on or off.
"""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.core import fastyaml, safeload
from policy_tf.core.errors import InputError

REPO = Path(__file__).resolve().parents[2]
# Skip only when yaml_rs is absent; installed but unusable is a failure (test below).
YAML_RS_INSTALLED = importlib.util.find_spec("yaml_rs") is not None
needs_yaml_rs = pytest.mark.skipif(not YAML_RS_INSTALLED, reason="yaml_rs is not installed")

# Spellings where YAML 1.1 and 1.2 (or PyYAML and yaml_rs) part ways.
TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "True", "FALSE", "null", "Null", "~", "",
    "010", "0o10", "0x1F", "0b101", "1_000", "1e3", "1.0e+3", ".inf", "-.inf", ".nan", "1:20", "190:20:30",
    "2024-01-02", "2024-01-02T03:04:05Z", "2001-12-14 21:59:43.10 -5", "123456789012", "012345678901", "+5", "-0",
    "=", "<<", "arn:aws:s3:::b/*", "s3:Get*", "a b", "a:b", "a#b", "'quoted'", "x\\y",
]


def pyyaml(text: str):
    return yaml.safe_load(text)


def outcome(text: str, fast: bool, monkeypatch):
    """safeload's value, or its error, with the fast path on or off."""
    monkeypatch.setattr(fastyaml, "_parse", fastyaml._parse if fast else False)
    try:
        return ("value", safeload.load_yaml(text, "t.yml"))
    except InputError as exc:
        return ("error", str(exc))


def assert_equivalent(text: str, monkeypatch):
    fast = fastyaml.loads(text)
    if fast is not fastyaml.UNSURE:
        assert fast == pyyaml(text) and _types(fast) == _types(pyyaml(text)), text
    on, off = outcome(text, True, monkeypatch), outcome(text, False, monkeypatch)
    assert on[0] == off[0], (text, on, off)
    if on[0] == "value":
        assert on[1] == off[1] and _types(on[1]) == _types(off[1]), text


def _types(value):
    """The value's shape with every scalar's type: True == 1 and 1 == 1.0 must not hide a difference."""
    if isinstance(value, dict):
        return {(type(k).__name__, k): _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@needs_yaml_rs
@pytest.mark.parametrize("scalar", TRICKY)
@pytest.mark.parametrize("layout",
                         ["k: {}\n", "- {}\n", "k: [{}]\n", "{}: v\n", "k: '{}'\n", 'k: "{}"\n', "k: |\n  {}\n"])
def test_every_tricky_scalar_gives_pyyamls_value(scalar, layout, monkeypatch):
    assert_equivalent(layout.format(scalar), monkeypatch)


@needs_yaml_rs
@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n", "yes: 1\ntrue: 2\n", "x: &x {a: 1}\ny: {<<: *x, b: 2}\n", "a: !!str 1\n", "a: !custom x\n",
    "a: !!python/object/apply:os.system [ls]\n", "---\na: 1\n---\nb: 2\n", "%YAML 1.2\n---\na: 1\n", "a:\tb\n",
    "a: b\u2028c\n", "a: b\x85c\n", "? [a, b]\n: c\n", "a: [b, c\n", "- " * 300 + "x\n", "[" * 300 + "]" * 300,
    "a: 'it''s'\n", 'a: "\\x41\\u00e9\\N\\_"\n', "a: >\n  folded\n  text\n", "a: b\n  c\n", "a: # comment\n  - b\n",
])
def test_constructs_where_the_parsers_differ_give_pyyamls_outcome(text, monkeypatch):
    assert_equivalent(text, monkeypatch)


@needs_yaml_rs
def test_an_installed_yaml_rs_is_used_through_its_public_loads():
    # Fails, never skips, when yaml_rs is installed but its entry point is gone or changed.
    parse = fastyaml._public_parser()
    assert parse is not None, "yaml_rs is installed but yaml_rs.loads/DuplicateKeyPolicy is unusable"
    assert parse("k: [a, b]\n") == {"k": ["a", "b"]}


def _fresh_python(code: str) -> str:
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_yaml_rs
def test_a_cold_start_reads_templates_through_the_compiled_parser_without_the_wrapper():
    # In a fresh interpreter: the compiled _loads serves, and yaml_rs's Python wrapper (with its
    # pathlib, typing and enum imports) is never run.
    out = _fresh_python("import sys\nfrom policy_tf.core import fastyaml\n"
                        "parse = fastyaml._parser()\n"
                        "print(parse is not None and parse.__qualname__.startswith('_native_parser'), "
                        "'yaml_rs' in sys.modules, parse('k: [a, b]\\n'))")
    assert out == "True False {'k': ['a', 'b']}"


@needs_yaml_rs
def test_yaml_rs_imported_after_the_compiled_parser_reuses_it():
    # An extension built with PyO3 initialises once per process: a later `import yaml_rs` must work.
    out = _fresh_python("from policy_tf.core import fastyaml\nfastyaml._parser()\nimport yaml_rs\n"
                        "print(yaml_rs.loads('k: v'))")
    assert out == "{'k': 'v'}"


@needs_yaml_rs
@pytest.mark.parametrize("text", [f"k: {t}\n" for t in TRICKY] + ["k: 1\nk: 2\n", "a: [x, {b: c}]\n", "- 1\n- x\n"])
def test_the_compiled_parser_answers_as_the_public_loads(text):
    native, public = fastyaml._native_parser_for_tests(), fastyaml._public_parser()

    def answer(parse):
        try:
            return "value", repr(parse(text))  # repr: NaN equals itself so
        except Exception as exc:  # noqa: BLE001 - the same refusal either way
            return "error", type(exc).__name__

    assert answer(native) == answer(public)


def test_without_the_compiled_module_the_public_loads_serves(monkeypatch):
    from importlib.machinery import PathFinder

    monkeypatch.setattr(PathFinder, "find_spec", classmethod(lambda cls, name, path=None, target=None: None))
    monkeypatch.delitem(sys.modules, "yaml_rs", raising=False)
    assert fastyaml._native_parser() is None


@pytest.mark.parametrize("module", [None, types.ModuleType("yaml_rs")], ids=["absent", "without-loads"])
def test_without_a_usable_yaml_rs_templates_are_read_by_pyyaml(module, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml_rs", module)  # None makes `import yaml_rs` fail
    monkeypatch.setattr(fastyaml, "_parse", None)
    assert fastyaml._parser() is None
    assert fastyaml.loads("k: v\n") is fastyaml.UNSURE
    assert safeload.load_yaml("k: [a, yes]\n", "t.yml") == {"k": ["a", True]}


@needs_yaml_rs
@pytest.mark.parametrize("spelling", ["123456789012", "-5", "+5", "0123", "0", "true", "True", "TRUE", "false",
                                      "False", "FALSE", "null", "Null", "NULL", "~", ""])
def test_yaml_rs_resolves_the_spellings_that_prove_a_string_was_quoted(spelling):
    # fastyaml trusts a string spelt like this only because yaml_rs never leaves it a string when plain.
    assert not isinstance(fastyaml._parser()(f"k: {spelling}\n")["k"], str)


@needs_yaml_rs
@pytest.mark.parametrize("path",
                         sorted((REPO / "examples" / "templates").glob("*.yml"))
                         + [REPO / "bench" / "inputs" / "crud.yml"],
                         ids=lambda p: p.name)
def test_the_example_templates_take_the_fast_path_with_pyyamls_values(path):
    text = path.read_text()
    fast = fastyaml.loads(text)
    assert fast is not fastyaml.UNSURE
    assert fast == pyyaml(text) and _types(fast) == _types(pyyaml(text))


SCALARS = st.sampled_from(TRICKY) | st.from_regex(r"[a-zA-Z][a-zA-Z0-9:/*._-]{0,12}", fullmatch=True)
QUOTED = SCALARS.map(lambda s: "'" + s.replace("'", "''") + "'")
VALUES = st.recursive(SCALARS | QUOTED,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SCALARS, inner, max_size=3),
                      max_leaves=8)


def _render(value, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "".join(f"{pad}{k}: {_render(v, indent + 2)}\n".replace(": \n", ":\n")
                              for k, v in value.items()).rstrip("\n")
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(_render(v) if not isinstance(v, (dict, list)) else _flow(v) for v in value) + "]"
    return value


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return value


@pytest.mark.slow
@needs_yaml_rs
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(SCALARS, VALUES, min_size=1, max_size=4))
def test_generated_documents_give_pyyamls_outcome(document):
    text = "".join(f"{k}: {_render(v, 2)}\n".replace(": \n", ":\n") for k, v in document.items())
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_equivalent(text, monkeypatch)
