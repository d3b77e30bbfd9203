"""Validity of a policy's shape: elements, types, Version, Sid, Effect."""
from __future__ import annotations

import re

from policy_tf.analysis.checks.base import IDENTITY_KINDS, registry
from policy_tf.analysis.document import POLICY_ELEMENTS, STATEMENT_ELEMENTS, VERSIONS
from policy_tf.analysis.model import UNKNOWN_ACCOUNT
from policy_tf.analysis.wildcard import has_variable

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("MALFORMED_JSON", E, V, "The policy is not valid JSON (or holds a duplicate key), so AWS rejects it."),
    ("MALFORMED_POLICY", E, V,
     "An input file is not valid JSON (or holds a duplicate key, or is not a JSON object), a plan JSON is not the "
     "shape terraform show -json writes, or a .tf file is not valid HCL: reported at its line, and the audit goes on "
     "with the rest."),
    ("POLICY_NOT_OBJECT", E, V, "A policy document must be a JSON object."),
    ("MISSING_STATEMENT", E, V, "A policy needs a Statement element."),
    ("EMPTY_STATEMENT", E, V, "An empty Statement list grants and denies nothing; AWS rejects it."),
    ("STATEMENT_NOT_OBJECT", E, V, "Each statement must be a JSON object."),
    ("UNKNOWN_POLICY_ELEMENT", E, V,
     "Only Version, Id and Statement are allowed at the top level (names are case-sensitive)."),
    ("UNKNOWN_STATEMENT_ELEMENT", E, V,
     "A statement element IAM does not know (names are case-sensitive) is rejected."),
    ("INVALID_ELEMENT_TYPE", E, V,
     "An element has the wrong JSON type (Action must be a string or a list of strings, ...)."),
    ("EMPTY_ARRAY", E, V, "An empty Action, Resource or Principal list is rejected."),
    ("MISSING_VERSION", W, V, "Without Version 2012-10-17, policy variables are read as literal text."),
    ("OLD_VERSION", W, V, "Version 2008-10-17 does not support policy variables; use 2012-10-17."),
    ("INVALID_VERSION", E, V,
     "Version must be 2012-10-17 (or the old 2008-10-17); it is a date, not your policy's version."),
    ("POLICY_VARIABLE_WITHOUT_VERSION", E, V,
     "A policy variable under an old or missing Version is literal text and matches nothing."),
    ("DUPLICATE_SID", E, V, "Statement ids must be unique within a policy."),
    ("INVALID_SID", E, V, "A Sid in an identity policy may hold only letters and digits."),
    ("MISSING_EFFECT", E, V, "Every statement needs Effect."),
    ("INVALID_EFFECT", E, V, "Effect must be exactly Allow or Deny (case-sensitive)."),
    ("MISSING_ACTION", E, V, "A statement needs Action or NotAction."),
    ("ACTION_AND_NOT_ACTION", E, V, "A statement may have Action or NotAction, not both."),
    ("MISSING_RESOURCE", E, V, "An identity or resource policy statement needs Resource or NotResource."),
    ("RESOURCE_AND_NOT_RESOURCE", E, V, "A statement may have Resource or NotResource, not both."),
    ("EMPTY_CONDITION", E, V, "An empty Condition block, or an operator with no keys, is rejected."),
)

_SID_IDENTITY = re.compile(r"^[A-Za-z0-9]*$")
_SID_OTHER = re.compile(r"^[A-Za-z0-9 _.:/=+@,-]*$")
_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


def _strings(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _uses_variables(document) -> bool:
    for s in document.statements:
        if isinstance(s.raw, dict):
            for key in ("Resource", "NotResource", "Condition"):
                # the account of a Terraform reference is known at apply: no variable in the policy IAM reads
                if has_variable(str(s.raw.get(key, "")).replace(UNKNOWN_ACCOUNT, "")):
                    return True
    return False


def run(ctx, report) -> None:
    raw = ctx.document.raw
    if not isinstance(raw, dict):
        report("POLICY_NOT_OBJECT", f"the policy is a JSON {type(raw).__name__}, not an object")
        return
    for key in raw:
        if key not in POLICY_ELEMENTS:
            hint = next((e for e in POLICY_ELEMENTS if e.lower() == str(key).lower()), None)
            report("UNKNOWN_POLICY_ELEMENT", f"unknown element {key!r}" + (f"; did you mean {hint!r}?" if hint else ""))
    version = raw.get("Version")
    if version is None:
        report("MISSING_VERSION", "no Version: add \"Version\": \"2012-10-17\"")
    elif version not in VERSIONS:
        report("INVALID_VERSION", f"Version {version!r} is not 2012-10-17")
    elif version == "2008-10-17":
        report("OLD_VERSION", "Version 2008-10-17: use 2012-10-17")
    if version != "2012-10-17" and _uses_variables(ctx.document):
        report("POLICY_VARIABLE_WITHOUT_VERSION",
               "policy variables (${...}) need Version 2012-10-17; here they are literal text")
    if "Statement" not in raw:
        report("MISSING_STATEMENT", "no Statement element")
        return
    if not isinstance(raw["Statement"], (list, dict)):
        report("INVALID_ELEMENT_TYPE", "Statement must be an object or a list of objects")
        return
    if raw["Statement"] == []:
        report("EMPTY_STATEMENT", "Statement is an empty list")
    sids: dict[str, int] = {}
    for s in ctx.document.statements:
        _statement(ctx, s, report, sids)


def _statement(ctx, s, report, sids) -> None:
    i = s.index
    raw = s.raw
    if not isinstance(raw, dict):
        report("STATEMENT_NOT_OBJECT", f"statement {i} is a JSON {type(raw).__name__}, not an object", statement=i)
        return
    for key in raw:
        if key not in STATEMENT_ELEMENTS:
            hint = next((e for e in STATEMENT_ELEMENTS if e.lower() == str(key).lower()), None)
            report("UNKNOWN_STATEMENT_ELEMENT",
                   f"statement {i}: unknown element {key!r}" + (f"; did you mean {hint!r}?" if hint else ""),
                   statement=i)
    for key in _LIST_ELEMENTS:
        if key in raw:
            if not _strings(raw[key]):
                report("INVALID_ELEMENT_TYPE", f"statement {i}: {key} must be a string or a list of strings",
                       statement=i)
            elif raw[key] == []:
                report("EMPTY_ARRAY", f"statement {i}: {key} is an empty list", statement=i)
    for key in ("Principal", "NotPrincipal"):
        if key in raw:
            value = raw[key]
            if value != "*" and not (isinstance(value, dict) and all(_strings(v) for v in value.values())):
                report("INVALID_ELEMENT_TYPE", f"statement {i}: {key} must be \"*\" or an object of strings or lists",
                       statement=i)
            elif value == {} or (isinstance(value, dict) and any(v == [] for v in value.values())):
                report("EMPTY_ARRAY", f"statement {i}: {key} is empty", statement=i)
    if "Sid" in raw:
        sid = raw["Sid"]
        if not isinstance(sid, str):
            report("INVALID_ELEMENT_TYPE", f"statement {i}: Sid must be a string", statement=i)
        else:
            pattern = _SID_IDENTITY if ctx.kind in IDENTITY_KINDS else _SID_OTHER
            if not pattern.match(sid):
                report("INVALID_SID", f"statement {i}: Sid {sid!r} may hold only letters and digits", statement=i)
            if sid in sids:
                report("DUPLICATE_SID", f"statement {i}: Sid {sid!r} is also statement {sids[sid]}'s", statement=i)
            else:
                sids[sid] = i
    if "Effect" not in raw:
        report("MISSING_EFFECT", f"statement {i} has no Effect", statement=i)
    elif raw["Effect"] not in ("Allow", "Deny"):
        report("INVALID_EFFECT", f"statement {i}: Effect {raw['Effect']!r} is not Allow or Deny", statement=i)
    if "Action" in raw and "NotAction" in raw:
        report("ACTION_AND_NOT_ACTION", f"statement {i} has both Action and NotAction", statement=i)
    elif "Action" not in raw and "NotAction" not in raw:
        report("MISSING_ACTION", f"statement {i} has neither Action nor NotAction", statement=i)
    if "Resource" in raw and "NotResource" in raw:
        report("RESOURCE_AND_NOT_RESOURCE", f"statement {i} has both Resource and NotResource", statement=i)
    elif "Resource" not in raw and "NotResource" not in raw and ctx.kind != "trust":
        report("MISSING_RESOURCE", f"statement {i} has neither Resource nor NotResource", statement=i)
    if "Condition" in raw:
        block = raw["Condition"]
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            report("INVALID_ELEMENT_TYPE", f"statement {i}: Condition must map operators to objects of keys",
                   statement=i)
        elif not block or any(not v for v in block.values()):
            report("EMPTY_CONDITION", f"statement {i}: Condition is empty", statement=i)
