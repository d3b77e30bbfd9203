"""The audit's JSON encoder writes exactly what json.dumps(indent=2, ensure_ascii=False) writes."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.analysis.report.indented_json import dumps

_SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=True)
_DATA = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(), inner, max_size=6),
                     max_leaves=60)


def _standard(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(_DATA)
def test_any_json_data_is_written_as_json_dumps_writes_it(data):
    assert dumps(data) == _standard(data)


def test_long_string_lists_repeated_across_findings_are_written_in_full_each_time():
    actions = [f"s3:Action{n}" for n in range(40)]
    data = {"findings": [{"actions": actions}, {"actions": list(actions)}, {"nested": [{"actions": actions}]}]}
    assert dumps(data) == _standard(data)


def test_unicode_and_control_characters_are_escaped_as_json_dumps_does():
    data = {"message": "caf\u00e9 \u2603 \"quoted\" back\\slash\n\t\x00\u2028", "k\u00e9y": ["\x1f", "\ud800"]}
    assert dumps(data) == _standard(data)


def test_keys_that_are_not_strings_and_tuples_are_left_to_json_dumps():
    data = {1: (1, 2), None: [3.5, float("inf")], True: {"a": ()}}
    assert dumps(data) == _standard(data)
