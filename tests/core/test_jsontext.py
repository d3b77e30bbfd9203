"""JSON text out (policy_tf.core.jsontext) is exactly json.dumps(indent=2, ensure_ascii=False),
with orjson installed or not."""
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.core import jsontext
from policy_tf.core.jsontext import dumps

# Big ints (beyond orjson's 64 bits), floats of every spelling, any text (non-ASCII, control
# characters, lone surrogates), keys of every JSON-able type, tuples.
_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
            | st.text() | st.floats(allow_nan=True) | st.sampled_from([1e16, 1e-5, -0.0, 1.5e300, 123456789.0]))
_KEYS = st.text() | st.integers() | st.booleans() | st.none()
_DATA = st.recursive(_SCALARS,
                     lambda inner: (st.lists(inner, max_size=20) | st.dictionaries(st.text(), inner, max_size=6)
                                    | st.dictionaries(_KEYS, inner, max_size=4) | st.tuples(inner, inner)),
                     max_leaves=60)
_PLAIN = st.recursive(st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**64 - 1) | st.text(),
                      lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(), inner, max_size=6),
                      max_leaves=60)


def _standard(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@pytest.fixture(params=["orjson", "json"])
def encoder(request, monkeypatch):
    """Each test runs with the orjson fast path (when orjson is installed) and without it."""
    if request.param == "orjson":
        orjson = pytest.importorskip("orjson")
        monkeypatch.setattr(jsontext, "_orjson", orjson)
    else:
        monkeypatch.setattr(jsontext, "_orjson", False)
    return request.param


# the fixture only selects the encoder, the same for every input
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_DATA)
def test_any_json_data_is_written_as_json_dumps_writes_it(data, encoder):
    assert dumps(data) == _standard(data)


@settings(max_examples=200, deadline=None)
@given(data=_PLAIN)
def test_data_of_the_agreed_types_takes_the_orjson_path(data):
    # Not skipped when orjson is installed: the fast path must be what writes such data
    # (a lone surrogate aside, which orjson refuses).
    jsontext._orjson = pytest.importorskip("orjson")
    fast = jsontext._orjson_dumps(data)
    assert jsontext._agreed(data)
    if fast is None:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in _standard(data))
    else:
        assert fast.decode("utf-8") == _standard(data)


def test_orjson_is_imported_only_for_data_worth_its_import_time():
    pytest.importorskip("orjson")
    code = ("import sys\nfrom policy_tf.core.jsontext import dumps\n"
            "dumps({'Statement': [{'Action': ['s3:GetObject'], 'Resource': '*'}]})\n"
            "assert 'orjson' not in sys.modules\n"
            "dumps([{'Action': ['s3:GetObject'], 'Sid': n} for n in range(5000)])\n"
            "assert 'orjson' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("data", [1.0, 1e16, float("nan"), {"a": [1, 2.5]}, {1: "a"}, [("a", 1.5)], 2**64,
                                  "\ud800", {"k": object}])
def test_values_orjson_spells_otherwise_are_not_agreed_or_fall_back(data):
    assert not jsontext._agreed(data) or jsontext._orjson_dumps(data) is None


def test_long_string_lists_repeated_across_findings_are_written_in_full_each_time(encoder):
    actions = [f"s3:Action{n}" for n in range(40)]
    data = {"findings": [{"actions": actions}, {"actions": list(actions)}, {"nested": [{"actions": actions}]}]}
    assert dumps(data) == _standard(data)


def test_a_list_of_names_is_written_as_json_dumps_writes_it(encoder):
    names = ["s3:GetObject", "caf\u00e9", "a\"b", "\x00"] * 50
    assert dumps(names) == _standard(names)


def test_unicode_and_control_characters_are_escaped_as_json_dumps_does(encoder):
    data = {"message": "caf\u00e9 \u2603 \"quoted\" back\\slash\n\t\x00\x7f\u2028", "k\u00e9y": ["\x1f", "\ud800"]}
    assert dumps(data) == _standard(data)


def test_keys_that_are_not_strings_and_tuples_are_left_to_json_dumps(encoder):
    data = {1: (1, 2), None: [3.5, float("inf")], False: {"a": ()}}
    assert dumps(data) == _standard(data)


def test_nested_text_is_shifted_by_its_indent(encoder):
    assert jsontext.dumps_at({"a": [1]}, "  ") == _standard({"a": [1]}).replace("\n", "\n  ")
