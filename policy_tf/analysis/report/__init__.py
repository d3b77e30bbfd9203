"""Renderers of an AuditResult: text for people, JSON, SARIF 2.1.0 and a self-contained HTML report.

Renderers only read the result; what each code means comes from the checks' own list
(``list_checks``), plus the few codes the audit itself reports.
"""
from __future__ import annotations

import os

FORMATS = ("text", "json", "sarif", "html", "junit", "codequality")
# Documentation of the checks, for each rule's helpUri (SARIF) and the HTML report.
DOCS_URL = "https://github.com/policy-tf/policy_tf/blob/main/README.md"

# Codes the report itself uses, beside the checks' own.
OWN_RULES = {
    "NOT_ANALYZED": ("SUGGESTION", "validity", "the policy's content is not known yet (for example, known only after "
                     "apply), so it could not be checked: audit it again once it is known"),
}

# Why each category matters, for the HTML report.
CATEGORY_WHY = {
    "validity": "The policy does not say what it seems to: AWS rejects it, reads it differently from what its "
                "author meant, or it grants more than intended. Every other problem starts there.",
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
    return _display(path, os.getcwd()) if path else path


def display_paths():
    """``display_path`` for the many files of one report: memoized per file, with the working
    folder asked for once (``relpath`` asks the system for it twice a call)."""
    cwd = os.getcwd()
    shown: dict = {}

    def path(file: str) -> str:
        found = shown.get(file)
        if found is None:
            found = shown[file] = _display(file, cwd) if file else file
        return found

    return path


def _display(path: str, cwd: str) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, cwd)
    shown = absolute if relative.startswith("..") else relative
    return shown.replace(os.sep, "/")


def help_uri(code: str) -> str:
    """Where a check is documented (the README's table of checks)."""
    return f"{DOCS_URL}#checks"


def repo_root(start: str | None = None) -> str:
    """The git top level above ``start`` (default: the working folder), else ``start`` itself.

    Found by walking up to a ``.git`` folder or file (a worktree's), so no git is needed."""
    here = os.path.abspath(start or os.getcwd())
    folder = here
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


def root_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` with '/', or absolute when it lies outside ``root``."""
    if not path:
        return path
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root)
    shown = absolute if relative == ".." or relative.startswith(".." + os.sep) else relative
    return shown.replace(os.sep, "/")


def fingerprint(finding, statement, root: str) -> str:
    """What identifies a finding across runs: its code, file (from the repository root), policy,
    method, actions and the statement's content, not its line: moving code keeps it."""
    import hashlib
    import json

    parts = (finding.code, root_path(finding.file, root), finding.policy, finding.method,
             sorted(finding.actions), statement if statement is not None else finding.statement)
    text = "\x1f".join(json.dumps(p, sort_keys=True, default=str) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def database_date() -> str | None:
    """The date of the IAM database's data, when the database says."""
    try:
        from policy_tf.iamdb import database

        meta = database.get().meta
        return meta.get("data_date") or (meta.get("built_at") or "")[:10] or None
    except Exception:  # noqa: BLE001 - a report never fails for want of a date
        return None


def _module(fmt: str):
    from importlib import import_module

    return import_module(f"policy_tf.analysis.report.{fmt}_report")


def _call(function, result, options: dict):
    """``function(result, **options)``, passing only the options it takes."""
    names = function.__code__.co_varnames[1:function.__code__.co_argcount + function.__code__.co_kwonlyargcount]
    return function(result, **{k: v for k, v in options.items() if k in names})


def render(result, fmt: str, **options) -> str:
    """The whole report in one of FORMATS. ``options``: ``root`` (the repository root paths in SARIF,
    JUnit and Code Quality reports are relative to), ``fail_on`` (what a JUnit failure is); each
    format takes those it uses."""
    return _call(_module(fmt).render, result, options)


def chunks(result, fmt: str, **options) -> list[str]:
    """The report as pieces to write in turn (``"".join`` of them is ``render``)."""
    module = _module(fmt)
    if hasattr(module, "chunks"):
        return _call(module.chunks, result, options)
    return [_call(module.render, result, options)]


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
