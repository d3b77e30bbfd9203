"""Renderers of an AuditResult: text for people, JSON, SARIF 2.1.0 and a self-contained HTML report.

Renderers only read the result; what each code means comes from the checks' own list
(``list_checks``), plus the few codes the audit itself reports.
"""
from __future__ import annotations

import os

FORMATS = ("text", "json", "sarif", "html")

# Codes the report itself uses, beside the checks' own.
OWN_RULES = {
    "NOT_ANALYZED": ("SUGGESTION", "validity", "the policy's content is not known yet (for example, known only after "
                     "apply), so it could not be checked: audit it again once it is known"),
}

# Why each category matters, for the HTML report.
CATEGORY_WHY = {
    "validity": "AWS rejects the policy or reads it differently from what its author meant: a policy that does "
                "not say what it seems to say is the start of every other problem.",
    "privilege-escalation": "A principal with these permissions can give itself (or a role it controls) more "
                            "permissions than it was granted, up to full administrator access.",
    "resource-exposure": "These permissions change who may access a resource (its policy, ACL or sharing): "
                         "a mistake or an attacker can open it to other accounts or to everyone.",
    "credentials-exposure": "These actions return credentials, keys or tokens: whoever holds them can act as "
                            "someone else, beyond this policy's limits.",
    "data-exfiltration": "These actions read data out of AWS (objects, secrets, parameters, records) with no "
                         "resource constraint: a leak of the principal is a leak of the data.",
    "infrastructure-modification": "These permissions change or delete infrastructure without a resource "
                                   "constraint: a mistake or an attacker can break what others rely on.",
    "service-wildcard": "A service-wide or full wildcard grants every action, including those added to the "
                        "service in the future: the opposite of least privilege.",
    "trust": "The trust policy decides who can assume this role: anyone, another account or a compute service "
             "that many people can configure is a way in.",
}


def rules() -> dict:
    """code -> (severity, category, reason) for every known code."""
    out = dict(OWN_RULES)
    try:
        from policy_tf.analysis.audit import _engine

        for code, severity, category, reason in _engine().list_checks():
            out[code] = (severity, category, reason)
    except ImportError:
        pass
    return out


def display_path(path: str) -> str:
    """A path relative to the working folder when it is inside it, else absolute; always with '/'."""
    if not path:
        return path
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    shown = absolute if relative.startswith("..") else relative
    return shown.replace(os.sep, "/")


def _module(fmt: str):
    from importlib import import_module

    return import_module(f"policy_tf.analysis.report.{fmt}_report")


def render(result, fmt: str) -> str:
    """The whole report in one of FORMATS."""
    return _module(fmt).render(result)


def chunks(result, fmt: str) -> list[str]:
    """The report as pieces to write in turn (``"".join`` of them is ``render``)."""
    module = _module(fmt)
    return module.chunks(result) if hasattr(module, "chunks") else [module.render(result)]


def statement_of(policies_by_name: dict, finding):
    """The raw statement a finding is about, or None."""
    policy = policies_by_name.get(finding.policy)
    if policy is None or finding.statement is None or not isinstance(policy.document, dict):
        return None
    statements = policy.document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list) and 0 <= finding.statement < len(statements):
        return statements[finding.statement]
    return None
