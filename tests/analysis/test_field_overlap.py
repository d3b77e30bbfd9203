"""field_overlap's fast path (literal globs, and globs whose only * ends them, read left to right) answers
exactly what the search over the glob and the format answers."""
from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.analysis.applicability import _fits, _fits_search, field_overlap, overlap_search, tokens
from policy_tf.iamdb.database import BUNDLED

_CHARS = "ab/:-_.0*?"
_FORMAT_PARTS = st.lists(st.sampled_from(["a", "b", "/", ":", "-", "0", "${Name}", "${Path}"]), max_size=8)


def _formats() -> list[str]:
    con = sqlite3.connect(BUNDLED)
    try:
        return sorted({f.split(":", 5)[5]
                       for (f,) in con.execute("SELECT arn_format FROM arn_formats") if f.count(":") >= 5})
    finally:
        con.close()


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_CHARS, max_size=10), _FORMAT_PARTS, st.booleans())
def test_fast_path_agrees_with_the_search_on_any_glob_and_format(glob, parts, last):
    fmt = tokens("".join(parts))
    assert field_overlap(glob, fmt, last) == overlap_search(glob, fmt, last)


def test_fast_path_agrees_with_the_search_on_every_real_format():
    globs = ["b", "b/*", "b*", "*", "", "my-bucket/private/*", "table/t1", "table/*", "key/1234", "role/app/*",
             "parameter/app/x", "function:f:1", "function:f*", "a:b:c", "db:prod", "cluster/c/*", "/", "x/"]
    for resource in _formats():
        fmt = tokens(resource)
        for glob in globs:
            for last in (True, False):
                assert field_overlap(glob, fmt, last) == overlap_search(glob, fmt, last), (glob, resource, last)


def test_a_bucket_is_no_object_and_an_object_pattern_reaches_objects():
    bucket, obj = tokens("${BucketName}"), tokens("${BucketName}/${ObjectName}")
    assert field_overlap("data", bucket, True) and not field_overlap("data/*", bucket, True)
    assert field_overlap("data/*", obj, True) and field_overlap("data/a/b", obj, True)
    assert not field_overlap("data", obj, True)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="ab/:-0", max_size=8), _FORMAT_PARTS, st.booleans(), st.booleans())
def test_a_lead_and_one_variable_read_directly_is_what_the_walk_finds(text, parts, last, prefix):
    fmt = tokens("".join(parts))
    assert _fits(text, fmt, last, prefix) == _fits_search(text, fmt, last, prefix)


def test_every_real_format_is_read_directly_as_the_walk_reads_it():
    texts = ["b", "", "my-bucket/private/x", "table/t1", "table/", "key/1234", "role/app/x", "parameter/app/x",
             "function:f:1", "a:b:c", "db:prod", "cluster/c/x", "/", "x/", "alias/a", "key", "ta"]
    for resource in _formats():
        fmt = tokens(resource)
        for text in texts:
            for last in (True, False):
                for prefix in (True, False):
                    assert _fits(text, fmt, last, prefix) == _fits_search(text, fmt, last, prefix), (text, resource)
