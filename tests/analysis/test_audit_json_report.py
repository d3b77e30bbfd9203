"""The audit's JSON report is json.dumps(indent=2, ensure_ascii=False) of its data, written by templates."""
import json


def _result(findings, excluded=None):
    from policy_tf.analysis.audit import AuditResult
    from policy_tf.analysis.model import NotAnalyzed, PolicyInput

    return AuditResult(policies=[PolicyInput("p.json", "p", "identity", {})],
                       not_analyzed=[NotAnalyzed("plan.json", "aws_iam_policy.x.policy", "known only after apply", 7)],
                       findings=findings, excluded=excluded)


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
    class Excluded:  # what the report reads of an exclusion
        def __init__(self, reason):
            self.reason = reason

    excluded = [(f, Excluded(r)) for f, r in zip(findings, ["accepted \"risk\"", None, "caf\u00e9", "x", 5, "y"])]
    for data in (_result(findings), _result([]), _result(findings[:2], excluded), _result([], excluded[:1])):
        assert render(data) == json.dumps(as_data(data), indent=2, ensure_ascii=False) + "\n"


def test_json_report_of_repeated_fields_and_mixed_actions_is_json_dumps_of_its_data():
    # codes, places and messages come again (encoded once); actions that are not all strings,
    # or strings of a subclass, are written as json.dumps writes them; long lists are pieces of their own
    from policy_tf.analysis.model import Finding
    from policy_tf.analysis.report.json_report import as_data, render

    class Name(str):
        pass

    long = tuple(f"ec2:Action{n}" for n in range(300))
    findings = []
    for n in range(3):
        findings += [
            Finding("SERVICE_WILDCARD", "SECURITY_WARNING", "service-wildcard", "same \"message\"", "p.json", "p", n,
                    long, None, n + 1),
            Finding("PRIVESC_X", "ERROR", "privilege-escalation", f"m{n}\t\u2028", "q.json", "q", n,
                    ("iam:PassRole", 5), "PassRole", None),
            Finding("ODD", "WARNING", "validity", "same \"message\"", "p.json", "q", None, (Name("s3:A"), "s3:B"),
                    None, 0),
        ]
    assert render(_result(findings)) == json.dumps(as_data(_result(findings)), indent=2, ensure_ascii=False) + "\n"


def test_json_report_policies_list_is_json_dumps_of_its_data():
    from policy_tf.analysis.audit import AuditResult
    from policy_tf.analysis.model import PolicyInput
    from policy_tf.analysis.report.json_report import as_data, render

    for policies in ([PolicyInput(f"dir/p{n}.json", f"caf\u00e9 \"{n}\"", "identity", {}) for n in range(3)],
                     [PolicyInput("p.json", "p", "trust", {}), PolicyInput("q.json", 5, "identity", {})], []):
        data = AuditResult(policies=policies)
        assert render(data) == json.dumps(as_data(data), indent=2, ensure_ascii=False) + "\n"
