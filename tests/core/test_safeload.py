"""safeload: user YAML/JSON becomes plain data with bounded cost, or one clear error."""
from __future__ import annotations

import time

import pytest

from policy_tf.core import safeload
from policy_tf.core.errors import InputError

BOMB = ("a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
        + "mode: crud\nread: *i\n")


def error(text: str, source: str = "t.yml", fmt: str = "auto") -> str:
    with pytest.raises(InputError) as caught:
        safeload.loads(text, source, fmt)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(source)
    return message


def test_a_billion_laughs_fails_fast_naming_the_alias_limit():
    started = time.perf_counter()
    assert "aliases expand to more than 100,000 values" in error(BOMB)
    assert time.perf_counter() - started < 5  # seconds, not the minutes expanding it would take


def test_a_few_aliases_are_still_fine():
    assert safeload.loads("a: &a [x, y]\nb: *a\n", "t.yml") == {"a": ["x", "y"], "b": ["x", "y"]}


def test_a_recursive_alias_is_an_error():
    assert "recursive alias" in error("a: &a [*a]\n")


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, "- " * 100_000 + "x",
                                  '{"a": ' * 50_000 + "1" + "}" * 50_000,
                                  "a:\n" + "".join(" " * i + "a:\n" for i in range(1, 200))])
def test_deep_nesting_is_an_error_not_a_recursion_error(text):
    assert "nested more than 32 levels deep" in error(text)


def test_input_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(safeload, "MAX_CHARS", 100)
    assert "larger than the" in error("a: " + "x" * 200)


def test_duplicate_yaml_keys_name_the_key_and_both_lines():
    assert error("mode: crud\nread: [a]\nname: x\nread: [b]\n") == "t.yml: duplicate key 'read' (lines 2 and 4)"


def test_duplicate_keys_in_a_nested_mapping_are_found_too():
    assert "duplicate key 'StringEquals' (lines 3 and 4)" in error(
        "conditions:\n  all:\n    StringEquals: {a: b}\n    StringEquals: {c: d}\n")


def test_keys_equal_after_resolution_are_duplicates():
    assert "duplicate key" in error("yes: 1\ntrue: 2\n")


def test_a_merge_key_may_be_overridden():
    assert safeload.loads("x: &x {a: 1}\ny: {<<: *x, a: 2}\n", "t.yml")["y"] == {"a": 2}


def test_duplicate_json_keys_name_the_key_and_both_lines():
    assert error('{"mode": "crud",\n "read": [],\n "read": ["x"]}') == "t.yml: duplicate key 'read' (lines 2 and 3)"


def test_json_keys_repeated_in_different_objects_are_not_duplicates():
    assert safeload.loads('{"a": {"k": 1}, "b": {"k": 2}}', "t.json") == {"a": {"k": 1}, "b": {"k": 2}}


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system [echo hi]", "a: !!python/name:os.system x",
                                  "a: !custom x"])
def test_tags_that_build_objects_are_refused(text):
    assert "not valid YAML" in error(text)


def test_json_constants_nan_and_infinity_are_refused():
    assert "not valid JSON" in error('{"a": NaN}', fmt="json")


def test_yaml_errors_name_the_line_and_column():
    assert error("a: [b, c\n") .startswith("t.yml: not valid YAML (line")


def test_read_file_refuses_a_nul_in_the_path():
    with pytest.raises(InputError, match="NUL character"):
        safeload.read_file("a\0b")


def test_read_file_names_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        safeload.read_file(str(tmp_path))


def test_binary_bytes_are_not_text():
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        safeload.decode(bytes(range(256)), "<stdin>")


def test_decode_gives_universal_newlines_without_a_byte_order_mark():
    assert safeload.decode(b"\xef\xbb\xbfa: 1\r\nb: 2\r", "t.yml") == "a: 1\nb: 2\n"


@pytest.mark.parametrize("size", [0, 1, 999, 1_000, 70_000])
def test_a_file_is_read_whole_up_to_the_cap(tmp_path, size):
    path = tmp_path / "f"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    cap = max(size, 1)
    assert safeload.read_user_bytes(str(path), max_bytes=cap) == path.read_bytes()
    if size > 1:  # a cap of 0 is no cap (the default)
        with pytest.raises(InputError, match="larger than"):
            safeload.read_user_bytes(str(path), max_bytes=size - 1)


def test_a_file_that_grows_after_fstat_is_read_to_its_end_and_still_capped(tmp_path, monkeypatch):
    # The first read is sized by fstat; what the file holds beyond it is read too, under the cap.
    path = tmp_path / "growing"
    path.write_bytes(b"a" * 10)
    import os

    real_fstat = os.fstat

    def fstat_then_grow(fd):
        status = real_fstat(fd)
        with open(path, "ab") as handle:
            handle.write(b"b" * 100_000)
        return status

    monkeypatch.setattr(os, "fstat", fstat_then_grow)
    assert safeload.read_user_bytes(str(path), max_bytes=200_000) == b"a" * 10 + b"b" * 100_000
    with pytest.raises(InputError, match="larger than"):
        safeload.read_user_bytes(str(path), max_bytes=150_000)


def test_check_depth_given_the_text_walks_only_when_brackets_allow_the_depth():
    import json

    deep = "[" * 40 + "]" * 40
    with pytest.raises(safeload.TooDeep):
        safeload.check_depth(json.loads(deep), "deep.json", text=deep)
    shallow = '{"a": [[1], {"b": "[[[[{{{{"}]}'  # brackets in strings count: walked, and fine
    safeload.check_depth(json.loads(shallow), "s.json", max_depth=3, text=shallow)
    with pytest.raises(safeload.TooDeep):
        safeload.check_depth(json.loads(shallow), "s.json", max_depth=2, text=shallow)
