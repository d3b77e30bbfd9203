"""Grants -> one crud template as data, with its evidence as comments.

Each action the code needs is a ``named-actions`` entry: that action alone, on the ARNs the
code names (or the narrowest wildcard where it does not). An access level on an ARN would
grant every action of that level (``write`` on a DynamoDB table grants DeleteTable along
with PutItem), which is the opposite of what reading the code tells. Actions that support
only ``*`` go to ``wildcard-only``. The YAML text is written by the one template emitter
(``policy_tf.writing.emit``).
"""
from __future__ import annotations

import re

PLACES = 4  # call sites named in one comment line
_NAME_CHARS = re.compile(r"[^A-Za-z0-9+=,.@_-]+")


def policy_name(label: str, root: str | None = None) -> str:
    """A policy name (IAM's characters, at most 128) from a program's file or folder name; a
    file of a folder (``--per-file``) is named by its path below the folder (``pkg-worker``)."""
    import os

    if root is not None and os.path.isdir(root) and os.path.normpath(label) != os.path.normpath(root):
        base = os.path.relpath(label, root)
    else:
        # the folder's own name for '.' or '..' (a name '.' would be written as the hidden file '..yml')
        base = os.path.basename(os.path.abspath(label)) or "program"
    if base.endswith(".py"):
        base = base[:-3]
    name = _NAME_CHARS.sub("-", base).strip("-") or "program"
    return name[:128]


def _place(grant) -> str:
    return f"{grant.call.file}:{grant.call.line}"


def _evidence(grants) -> list[str]:
    """One line per action: the operations behind it and where the code calls them."""
    by_action: dict[str, dict[str, list[str]]] = {}
    for g in grants:
        ops = by_action.setdefault(g.action, {})
        places = ops.setdefault(g.call.operation, [])
        if _place(g) not in places:
            places.append(_place(g))
    lines = []
    for action in sorted(by_action):
        parts = []
        for op, places in sorted(by_action[action].items()):
            shown = ", ".join(places[:PLACES]) + (f" +{len(places) - PLACES} more" if len(places) > PLACES else "")
            parts.append(f"{op} at {shown}")
        lines.append(f"{action}: {'; '.join(parts)}")
    whys = sorted({g.why for g in grants if g.why})
    notes = sorted({g.note for g in grants if g.note})
    return lines + [f"  not exact: {w}" for w in whys] + [f"  note: {n}" for n in notes]


def template(label: str, files: list[str], grants, problems, context, name: str = "") -> tuple[dict, dict, list, list]:
    """(data, comments, header, footer) of one program's template; data is {} when nothing is granted."""
    named: dict[str, dict[str, list]] = {}
    single: dict[str, list] = {}
    for g in grants:
        if g.arn == "*":
            single.setdefault(g.action, []).append(g)
        else:
            named.setdefault(g.action, {}).setdefault(g.arn, []).append(g)
    data: dict = {}
    comments: dict = {}
    if named or single:
        data = {"mode": "crud", "name": name or policy_name(label)}
        if named:
            data["named-actions"] = {}
            for action in sorted(named):
                data["named-actions"][action] = sorted(named[action])
                for i, arn in enumerate(data["named-actions"][action]):
                    comments[("named-actions", action, i)] = _evidence(named[action][arn])
            comments[("named-actions",)] = ["each action the code needs, alone, on the resources the code names"]
        condition, why = _passed_to(grants)
        if condition:
            data["conditions"] = {"named-actions": condition}
            comments[("conditions",)] = ["iam:PassRole only to the services the calls pass roles to (the "
                                         "writer applies "
                                         "a key only to the actions that support it)"]
            crossed = _crossed_passes(grants)
            if crossed:
                problems = list(problems) + [("iam:PassRole: one iam:PassedToService condition holds every role's "
                                              "services (a template has one per section); split the template to "
                                              "tie each role to its own", crossed)]
        elif why:
            problems = list(problems) + [("iam:PassRole without iam:PassedToService", [why])]
        if single:
            data["wildcard-only"] = {"single-actions": sorted(single)}
            comments[("wildcard-only",)] = ['actions that support only Resource "*"']
            for i, action in enumerate(data["wildcard-only"]["single-actions"]):
                comments[("wildcard-only", "single-actions", i)] = _evidence(single[action])
    calls = len({(g.call.file, g.call.line) for g in grants})
    header = [
        f"Written by policy_tf generate-template --from-code from {label} ({len(files)} Python file(s)).",
        f"{calls} call site(s) granted; region: {context.region or '* (pass --region)'}; "
        f"account: {context.account or '* (pass --account)'}.",
        "It grants what the code calls, on the resources the code names: review it. Not granted: see the end.",
    ]
    footer = []
    for title, items in problems:
        if items:
            footer.append(f"{title}:")
            footer += [f"  {p.file}:{p.line}: {p.text}" if p.file else f"  {p.text}" for p in items]
    return data, comments, header, footer


def _passed_to(grants):
    """({StringEquals: {iam:PassedToService: [...]}}, None), or (None, why not) when a PassRole
    grant carries no such context (a condition would then deny that call)."""
    from policy_tf.sources.code.resolve import Problem

    passes = [g for g in grants if g.action == "iam:PassRole"]
    services: set[str] = set()
    for g in passes:
        context = dict(g.context)
        if "iam:PassedToService" not in context:
            return None, Problem(g.call.file, g.call.line, f"{g.call.service} {g.call.operation}: the service the role "
                                                           "is passed to is not known, so no "
                                                           "iam:PassedToService condition")
        services.update(context["iam:PassedToService"])
    if not services:
        return None, None
    return {"StringEquals": {"iam:PassedToService": sorted(services)}}, None


def _crossed_passes(grants) -> list:
    """When roles are passed to different services, one line per role naming the services it is
    passed to (the shared condition lets each go to all of them); [] when they agree."""
    from policy_tf.sources.code.resolve import Problem

    by_role: dict[str, set[str]] = {}
    for g in grants:
        if g.action == "iam:PassRole":
            by_role.setdefault(g.arn, set()).update(dict(g.context).get("iam:PassedToService", ()))
    if len({frozenset(v) for v in by_role.values()}) < 2:
        return []
    return [Problem("", 0, f"{arn} is passed to {', '.join(sorted(services))} only") for arn, services in
            sorted(by_role.items())]


def to_yaml(data: dict, comments: dict, header: list, footer: list) -> str:
    from policy_tf.writing.emit import emit_yaml

    return emit_yaml(data, comments=comments, header=header, footer=footer)
