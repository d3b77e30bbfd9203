"""Rendering query results: JSON output is exactly json.dumps's, whichever path renders it."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from policy_tf.core.output import to_json


@given(st.lists(st.text()))
def test_a_list_of_names_renders_as_json_dumps_would(names):
    assert to_json(names) == json.dumps(names, indent=2, ensure_ascii=False) + "\n"


@given(st.lists(st.one_of(st.text(), st.integers(), st.dictionaries(st.text(), st.text()))))
def test_mixed_lists_render_as_json_dumps_would(items):
    assert to_json(items) == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def test_write_pieces_writes_what_joining_the_pieces_would_to_a_utf8_stream():
    import io

    from policy_tf.core.output import write_pieces

    shared = "\u00e9" + "x" * 5000
    pieces = ["[", shared, ",", shared, ", \u2603", "]\n"]
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    stream.write("before ")
    write_pieces(stream, pieces)
    stream.write("after")
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "before " + "".join(pieces) + "after"


def test_write_pieces_falls_back_to_text_writes_without_a_utf8_buffer():
    import io

    from policy_tf.core.output import write_pieces

    pieces = ["caf\u00e9 ", "y" * 5000]
    text = io.StringIO()
    write_pieces(text, pieces)
    assert text.getvalue() == "".join(pieces)
    raw = io.BytesIO()
    latin = io.TextIOWrapper(raw, encoding="latin-1")
    write_pieces(latin, pieces)
    latin.flush()
    assert raw.getvalue() == "".join(pieces).encode("latin-1")
