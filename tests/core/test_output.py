"""Rendering query results: JSON output is exactly json.dumps's, whichever path renders it."""
from __future__ import annotations

import json

import pytest
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


@pytest.mark.parametrize("errors", ["strict", "surrogateescape", "backslashreplace", "replace"])
def test_write_pieces_writes_what_the_stream_would_with_its_error_handler(errors):
    import io

    from policy_tf.core.output import write_pieces

    shared = "\u00e9" + "x" * 5000 + ("\udc80" if errors != "strict" else "")
    pieces = ["[", shared, ",", shared, ", \u2603" + ("\udcff" if errors != "strict" else ""), "]\n"]
    expected, written = io.BytesIO(), io.BytesIO()
    plain = io.TextIOWrapper(expected, encoding="utf-8", errors=errors)
    plain.write("before " + "".join(pieces) + "after")
    plain.flush()
    stream = io.TextIOWrapper(written, encoding="utf-8", errors=errors)
    stream.write("before ")
    write_pieces(stream, pieces)
    stream.write("after")
    stream.flush()
    assert written.getvalue() == expected.getvalue()


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
