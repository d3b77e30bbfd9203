"""Rendering query results: JSON output is exactly json.dumps's, whichever path renders it."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from policy_tf.output import to_json


@given(st.lists(st.text()))
def test_a_list_of_names_renders_as_json_dumps_would(names):
    assert to_json(names) == json.dumps(names, indent=2, ensure_ascii=False) + "\n"


@given(st.lists(st.one_of(st.text(), st.integers(), st.dictionaries(st.text(), st.text()))))
def test_mixed_lists_render_as_json_dumps_would(items):
    assert to_json(items) == json.dumps(items, indent=2, ensure_ascii=False) + "\n"
