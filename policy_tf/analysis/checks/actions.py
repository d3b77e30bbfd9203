"""Validity of Action and NotAction: known services and actions, spelling, redundancy."""
from __future__ import annotations

from policy_tf.analysis.checks.base import registry
from policy_tf.analysis.wildcard import action_contains, has_wildcard
from policy_tf.core import iamnames
from policy_tf.core.iamnames import fold

E, S, W, G = "ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION"
V = "validity"

CHECKS = registry(
    ("INVALID_ACTION_FORMAT", E, V, "An action is 'service:Action' (wildcards allowed) or '*'."),
    ("UNKNOWN_SERVICE", E, V, "The service prefix is not in the IAM database (suggestions given)."),
    ("UNKNOWN_ACTION", E, V,
     "The action, or every action a wildcard could match, is not in the IAM database (suggestions given)."),
    ("ACTION_CASE_MISMATCH", G, V, "Actions are case-insensitive, but AWS's spelling is easier to read and search."),
    ("REDUNDANT_ACTION", G, V, "An action is already matched by another pattern of the same statement."),
    ("TRUST_POLICY_UNSUPPORTED_ACTION", E, V,
     "A role trust policy may allow only sts:AssumeRole* , sts:TagSession, sts:SetSourceIdentity and sts:SetContext."),
)

TRUST_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
                 "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext")


def _suggest(name: str, candidates) -> str:
    import difflib

    lowered = {c.lower(): c for c in candidates}
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)]
    return f"; did you mean: {', '.join(close)}?" if close else ""


def _check_pattern(ctx, i: int, element: str, pattern: str, report) -> None:
    index = ctx.index
    if pattern == "*":
        return
    problem = iamnames.problem(pattern)  # the one grammar: ASCII, no white space, no brackets
    if problem:
        report("INVALID_ACTION_FORMAT", f"statement {i}: {element} {problem}", statement=i, actions=(pattern,))
        return
    service, _, name = pattern.partition(":")
    if not has_wildcard(service) and service.lower() not in index.prefixes:
        report("UNKNOWN_SERVICE",
               f"statement {i}: unknown service {service!r} in {pattern!r}"
               + _suggest(service, index.prefixes.values()),
               statement=i, actions=(pattern,))
        return
    found = index.expand(pattern)
    if not found:
        prefix = index.prefixes.get(service.lower())
        names = index.names(prefix) if prefix else []
        report("UNKNOWN_ACTION", f"statement {i}: {pattern!r} matches no action" + _suggest(pattern, names),
               statement=i, actions=(pattern,))
        return
    if not has_wildcard(pattern):
        canonical = next(iter(found))
        if canonical != pattern:
            report("ACTION_CASE_MISMATCH", f"statement {i}: {pattern!r} is spelled {canonical!r} by AWS", statement=i,
                   actions=(canonical,))


def _redundant(patterns) -> list:
    """(pattern, the earlier pattern that already matches it, else a later wildcard that does).

    A literal contains only itself, so only repeats and wildcards need comparing: the cost is
    patterns x distinct wildcards, not patterns squared (a 20,000-action statement is common
    in generated policies and hostile in crafted ones).
    """
    first: dict = {}  # folded pattern -> index of its first spelling
    wild = []  # (index, pattern) of each distinct wildcard, at its first spelling
    for k, p in enumerate(patterns):
        if has_wildcard(p) and first.setdefault(fold(p), k) == k:
            wild.append((k, p))
    first = {}
    out = []
    for k, pattern in enumerate(patterns):
        key = fold(pattern)
        repeat = first.setdefault(key, k)
        before = next((j for j, o in wild if j < k and fold(o) != key and action_contains(o, pattern)), None)
        if repeat != k and (before is None or repeat < before):
            out.append((pattern, patterns[repeat]))
        elif before is not None:
            out.append((pattern, patterns[before]))
        else:
            later = next((o for j, o in wild if j > k and fold(o) != key and action_contains(o, pattern)), None)
            if later is not None:
                out.append((pattern, later))
    return out


def run(ctx, report) -> None:
    for s in ctx.document.statements:
        i = s.index
        for element, patterns in (("Action", s.actions), ("NotAction", s.not_actions)):
            if not patterns:
                continue
            for pattern in patterns:
                _check_pattern(ctx, i, element, pattern, report)
            for pattern, outer in _redundant(patterns):
                what = "repeats" if fold(outer) == fold(pattern) else f"is already matched by {outer!r}"
                report("REDUNDANT_ACTION", f"statement {i}: {element} {pattern!r} {what}", statement=i,
                       actions=(pattern,))
        if ctx.kind == "trust" and s.actions:
            allowed = {a.lower() for a in TRUST_ACTIONS}
            bad = sorted(a for a in ctx.actions_of(s) if a.lower() not in allowed)
            if bad:
                report("TRUST_POLICY_UNSUPPORTED_ACTION",
                       f"statement {i}: a trust policy cannot allow "
                       f"{', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}",
                       statement=i, actions=tuple(bad))
