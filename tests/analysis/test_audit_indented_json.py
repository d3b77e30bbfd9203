"""The audit's JSON encoder writes exactly what json.dumps(indent=2, ensure_ascii=False) writes."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.analysis.report.indented_json import dumps

_SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=True)
_DATA = st.recursive(_SCALARS,
                     lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(), inner, max_size=6),
                     max_leaves=60)


def _standard(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


@pytest.mark.slow
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
    data = {1: (1, 2), None: [3.5, float("inf")], False: {"a": ()}}
    assert dumps(data) == _standard(data)


def _result(findings):
    from policy_tf.analysis.audit import AuditResult
    from policy_tf.analysis.model import NotAnalyzed, PolicyInput

    return AuditResult(policies=[PolicyInput("p.json", "p", "identity", {})],
                       not_analyzed=[NotAnalyzed("plan.json", "aws_iam_policy.x.policy", "known only after apply", 7)],
                       findings=findings)


def test_json_report_is_json_dumps_of_its_data_for_findings_of_every_shape():
    from policy_tf.analysis.model import Finding
    from policy_tf.analysis.report.json_report import as_data, render

    shared = tuple(f"s3:Action{n}" for n in range(30))
    findings = [
        Finding("SERVICE_WILDCARD", "SECURITY_WARNING", "service-wildcard", "caf\u00e9 \"%s\" 100%", "p.json", "p", 0,
                shared, None, 4),
        Finding("SERVICE_WILDCARD", "SECURITY_WARNING", "service-wildcard", "again", "p.json", "p", 1, shared, None, 9),
        Finding("PRIVESC_X", "ERROR", "privilege-escalation", "m", "p.json", "p", None, ("iam:PassRole",), "PassRole",
                None),
        Finding("EMPTY", "WARNING", "validity", "no actions", "p.json", "p", 2, (), None, 0),
        Finding("ODD", "WARNING", "validity", "unusual types", "p.json", "p", True, (1, None), None, 3),
        Finding("ODD_LINE", "WARNING", "validity", "a float line", "p.json", "p", 3, ["a"], None, 2.5),
    ]
    for data in (_result(findings), _result([])):
        assert render(data) == json.dumps(as_data(data), indent=2, ensure_ascii=False) + "\n"
