"""The template emitter: any data reads back as itself, any comment stays one comment."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.writing.emit import COMMENT_CHARS, EmitError, clean_comment, emit_yaml, scalar

INJECTION = "0\nwrite:\n  - 'arn:aws:s3:::*'\n#"

text = st.text(st.characters(blacklist_categories=("Cs",)))  # lone surrogates: see below
scalars = st.one_of(text, st.none(), st.booleans(), st.integers(),
                    st.floats(allow_nan=False), st.sampled_from(["true", "no", "~", "null", "1.5", "0x1f", "<<",
                                                                 "*a", "&a", "!!python/object", "- x", "a: b",
                                                                 "#", "...", "---", "\ufeff", "\u2028", "\x85"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(text, inner, max_size=4)), max_leaves=20)
templates = st.dictionaries(text, values, max_size=5)


def load(text: str):
    return yaml.safe_load(text)


@settings(max_examples=300, deadline=None)
@given(templates)
def test_any_template_reads_back_as_itself(data):
    assert load(emit_yaml(data)) == data


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=3), st.lists(st.text(), max_size=3), st.text(), st.text())
def test_comments_never_change_the_data(header, footer, on_key, on_item):
    data = {"mode": "crud", "read": ["arn:aws:s3:::b"]}
    text = emit_yaml(data, header=header, footer=footer,
                     comments={("read",): [on_key], ("read", 0): [on_item, INJECTION]})
    assert load(text) == data


def test_a_comment_holding_yaml_stays_one_comment_line():
    text = emit_yaml({"mode": "crud"}, header=[INJECTION], comments={("mode",): [INJECTION]})
    assert load(text) == {"mode": "crud"}
    assert "\nwrite:" not in text
    assert all(line.startswith("#") or line == "mode: crud" for line in text.splitlines())


def test_comments_are_printable_ascii_and_bounded():
    assert clean_comment("a\nb\r\x00c\u212a\u2028") == "a?b??c??"
    long = clean_comment("x" * 10_000)
    assert len(long) == COMMENT_CHARS and long.endswith("...")


def test_output_is_ascii_even_for_non_ascii_data():
    data = {"name": "\u212ams:*", "list": ["caf\u00e9", "\U0001f600", "\u0085\ufeff"]}
    text = emit_yaml(data)
    assert text.isascii()
    assert load(text) == data


def test_words_yaml_would_read_as_other_types_are_quoted():
    for word in ("true", "No", "null", "~", "1.5", "12", "0o7", ".inf", "2026-11-02", "=", "<<"):
        assert load(f"k: {scalar(word)}") == {"k": word}


def test_simple_names_stay_plain_for_readability():
    assert emit_yaml({"mode": "crud", "name": "app"}) == "mode: crud\nname: app\n"


def test_layout_of_nested_mappings_lists_and_comments():
    text = emit_yaml({"read": ["arn:aws:s3:::b"], "wildcard-only": {"single-actions": ["s3:ListAllMyBuckets"]},
                      "empty": [], "none": {}},
                     header=["top"], footer=["bottom"],
                     comments={("read", 0): ["2 calls"], ("wildcard-only", "single-actions"): ["only *"]})
    assert text == ("# top\n"
                    "read:\n"
                    "  # 2 calls\n"
                    '  - "arn:aws:s3:::b"\n'
                    "wildcard-only:\n"
                    "  # only *\n"
                    "  single-actions:\n"
                    '    - "s3:ListAllMyBuckets"\n'
                    "empty: []\n"
                    "none: {}\n"
                    "# bottom\n")


def test_keys_too_long_for_an_implicit_key_are_written_explicitly():
    data = {"k" * 5000: {"a": ["b"]}, "\u0101" * 400: "v"}
    assert load(emit_yaml(data)) == data


def test_lists_of_mappings():
    data = {"statements": [{"effect": "Allow", "actions": ["s3:GetObject"]}, [], [1, [2]]]}
    assert load(emit_yaml(data)) == data


def test_an_empty_template_is_an_empty_mapping():
    assert load(emit_yaml({}, header=["h"])) == {}


@pytest.mark.parametrize("bad",
                         [{"k": "\ud800"}, {"\udfff": 1}, {1: "x"}, {"k": b"bytes"}, {"k": {1, 2}}, {"k": object()}])
def test_data_yaml_cannot_give_back_is_refused(bad):
    with pytest.raises(EmitError):
        emit_yaml(bad)


def test_a_template_is_a_mapping():
    with pytest.raises(EmitError):
        emit_yaml(["x"])  # type: ignore[arg-type]


def test_types_are_kept_not_only_values():
    text = emit_yaml({"a": True, "b": 1, "c": 1.0, "d": None, "e": "1"})
    loaded = load(text)
    assert [type(loaded[k]) for k in "abcde"] == [bool, int, float, type(None), str]
