"""The first step of writing: what a template asks for, validated before anything is granted.

Every ARN is parsed and resolved to its resource types, every action name or wildcard is
expanded, every service name is checked, so that a bad input anywhere in the template is
reported before the expensive work starts. The result is a list of requests, in template order.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.core import iamnames
from policy_tf.core.diagnostics import AMBIGUOUS, GRANTED_BROADLY, NOT_GRANTED, Diagnostic
from policy_tf.core.errors import InputError, not_found
from policy_tf.iamdb.arn import Arn, parse_arn, shape
from policy_tf.writing.template import LEVEL_KEYS, STS_KEYS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.catalog import Catalog
    from policy_tf.writing.template import Template

SECTION_OF_LEVEL = {level: key for key, level in LEVEL_KEYS.items()}

# Every action of ``level`` on ``arn``, which resolved to ``types`` ((prefix, resource type) pairs).
LevelRequest = namedtuple("LevelRequest", "section where level arn types")
# One action on '*'; ``label`` ends its Sid (Wildcard, SkipResourceConstraints).
StarRequest = namedtuple("StarRequest", "section prefix action label")
# One action on one ARN, in a statement of its own Sid (sts).
ArnActionRequest = namedtuple("ArnActionRequest", "section where prefix action arn sid")
# One action on its resource types' ARN formats, filled from the template (actions mode).
FormatRequest = namedtuple("FormatRequest", "section prefix action")
# One named action on one ARN, which resolved to ``types`` that the action acts on (named-actions).
NamedRequest = namedtuple("NamedRequest", "section where prefix action arn types")
ALL = "all"  # cross-service: every service
# (kind, text with "{arn}", hint) -> the (field, ARN) pairs it is about
Notes = dict[tuple[str, str, str], list[tuple[str, str]]]


def requests(t: Template, cat: Catalog, warnings: list[Diagnostic]) -> list:
    """The template's requests, in template order; bad input raises ``InputError``."""
    if t.mode != "crud":
        return [FormatRequest("actions", p, a) for p, a in actions(t.actions, t.where("actions"), cat)]
    parse_all(t)
    out: list = []
    out.extend(level_requests(t, cat, warnings))
    out.extend(named_requests(t, cat))
    out.extend(wildcard_requests(t, cat, warnings))
    out.extend(skip_requests(t, cat, warnings))
    out.extend(sts_requests(t, cat))
    return out


def parse(text: str, where: str) -> Arn:
    """``parse_arn`` with the template field in its message."""
    try:
        return parse_arn(text)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def cross_services(t: Template, cat: Catalog) -> frozenset[str] | str:
    """The template's cross-service prefixes (``ALL`` for all); unknown services are errors."""
    if t.cross_service == [ALL]:
        return ALL
    return frozenset(service(name, t.where(f"cross-service[{i}]"), cat) for i, name in enumerate(t.cross_service))


def parse_all(t: Template) -> None:
    """Parse every ARN of a crud template, in template order, before any is matched: a bad one
    at the end of 50,000 is reported at once."""
    for level, arns in t.levels.items():
        for i, text in enumerate(arns):
            parse(text, t.where(f"{SECTION_OF_LEVEL[level]}[{i}]"))
    for action, arns in t.named_actions.items():
        for i, text in enumerate(arns):
            parse(text, t.where(f"named-actions.{action}[{i}]"))
    for action, arns in t.sts.items():
        key = next(k for k, a in STS_KEYS.items() if a == action)
        for i, text in enumerate(arns):
            parse(text, t.where(f"sts.{key}[{i}]"))


def level_requests(t: Template, cat: Catalog, warnings: list[Diagnostic]) -> list[LevelRequest]:
    located = [(level, t.where(f"{SECTION_OF_LEVEL[level]}[{i}]"), text)
               for level, arns in t.levels.items() for i, text in enumerate(arns)]
    parsed = [(level, where, parse(text, where)) for level, where, text in located]
    cross = cross_services(t, cat)
    used: set[str] = set()
    notes: Notes = {}
    out = [LevelRequest(SECTION_OF_LEVEL[level], where, level, arn, resolve(arn, where, level, cat, cross, used, notes))
           for level, where, arn in parsed]
    warnings.extend(_noted(notes))
    if cross != ALL:
        for i, name in enumerate(t.cross_service):
            if cat.prefixes[iamnames.fold(name)] not in used:
                warnings.append(Diagnostic(NOT_GRANTED, t.where(f"cross-service[{i}]"),
                                           f"no action of {name} at the requested levels acts on "
                                           "the template's ARNs; nothing granted for it"))
    return out


def resolve(arn: Arn, where: str, level: str, cat: Catalog, cross: frozenset[str] | str, used: set[str],
            notes: Notes) -> list[tuple[str, str]]:
    """The resource types of the ARN's own service that it matches, plus those of ``cross`` services.

    An ARN of no known type is an error listing the formats. Other services' actions that would
    act on the ARN at this level are noted (``notes``: (kind, text with ``{arn}``, hint) -> (field, ARN) pairs),
    with the cross-service key that adds them.
    """
    keys = cat.match(arn)
    if not keys:
        formats = cat.formats_for_service(arn.service)
        if not formats:
            raise InputError(f"{where}: no AWS service uses '{arn.service}' in its ARNs ({arn.text})")
        listing = "\n  ".join(formats[:40]) + ("\n  ..." if len(formats) > 40 else "")
        raise InputError(
            f"{where}: {arn.text} matches no resource type of '{arn.service}'; its ARN formats are:\n  {listing}"
        )
    own = [k for k in keys if k[0] == arn.service]
    types = ", ".join(f"{p}:{t}" for p, t in keys)
    if not own:
        # Formats such as AWS Backup's recovery points (arn:...:${Vendor}:...) belong to another service.
        notes.setdefault(
            (
                AMBIGUOUS,
                f"no resource type of '{arn.service}' has the format of {{arn}}; granting for {types}, "
                "whose format it matches",
                "",
            ),
            [],
        ).append((where, arn.text))
        kept = keys
    else:
        kept = [k for k in keys if k in own or cross == ALL or k[0] in cross]
        used.update(k[0] for k in kept if k not in own)
        left = _actions_of(cat, [k for k in keys if k not in kept], level)
        if left:
            listing = "; ".join(f"{p} ({', '.join(names)})" for p, names in sorted(left.items()))
            notes.setdefault(
                (
                    NOT_GRANTED,
                    f"not granted: {level} actions of other services that act on {{arn}}: {listing}",
                    f"to grant them add cross-service: [{', '.join(sorted(left))}]",
                ),
                [],
            ).append((where, arn.text))
    by_service: dict[str, list[tuple[str, str]]] = {}
    for key in kept:
        by_service.setdefault(key[0], []).append(key)
    for same in by_service.values():
        if len(same) > 1:
            shapes = {shape(f) for p, t in same for f in cat.formats(p, t)}
            why = "share one ARN format" if len(shapes) == 1 else "are all covered by this wildcard"
            notes.setdefault((AMBIGUOUS, f"{{arn}} matches resource types {', '.join(f'{p}:{t}' for p, t in same)}, "
                              f"which {why}; granting for each", ""), []).append((where, arn.text))
    return kept


_SHOWN = 3  # fields named in a note shared by many ARNs


def _noted(notes: Notes) -> list[Diagnostic]:
    """One diagnostic per note: a note that many ARNs share (50,000 buckets) is said once, naming a few."""
    out = []
    for (kind, text, hint), places in notes.items():
        (where, arn), rest = places[0], places[1:]
        if rest:
            fields = ", ".join(w.rpartition(": ")[2] for w, _ in rest[:_SHOWN]) + (
                ", ..." if len(rest) > _SHOWN else ""
            )
            arn = f"{arn} and {len(rest)} more ARN(s) ({fields})"
        out.append(Diagnostic(kind, where, text.replace("{arn}", arn), hint))
    return out


def _actions_of(cat: Catalog, keys: list[tuple[str, str]], level: str) -> dict[str, list[str]]:
    """Service prefix -> its actions of ``level`` on any of ``keys``' resource types."""
    out: dict[str, set[str]] = {}
    for prefix, rtype in keys:
        names = {r.action for r in cat.by_resource_type(prefix, rtype) if r.level == level}
        if names:
            out.setdefault(prefix, set()).update(names)
    return {p: sorted(names) for p, names in out.items()}


def named_requests(t: Template, cat: Catalog) -> list[NamedRequest]:
    """named-actions: each action, validated, on each of its ARNs, which must be of a type it acts on."""
    out = []
    for action, arns in t.named_actions.items():
        where = t.where(f"named-actions.{action}")
        problem = iamnames.problem(action, wildcards=False)
        if problem:
            raise InputError(f"{where}: {problem}")
        found = cat.expand(action)
        if not found:
            raise InputError(f"{where}: {unknown_action(action, cat)}")
        (prefix, name), = found
        acts_on = sorted({r.resource_type for r in cat.rows(prefix, name) if r.resource_type})
        if not acts_on:
            raise InputError(f"{where}: {prefix}:{name} supports only Resource '*'; "
                             "list it under wildcard-only.single-actions instead")
        for i, text in enumerate(arns):
            arn_where = t.where(f"named-actions.{action}[{i}]")
            arn = parse(text, arn_where)
            matched = cat.match(arn)
            types = [(p, rt) for p, rt in matched if p == prefix and rt in acts_on]
            if not types:
                what = ", ".join(f"{p}:{rt}" for p, rt in matched) or "no known resource type"
                raise InputError(f"{arn_where}: {prefix}:{name} does not act on {arn.text} ({what}); it acts on "
                                 f"{', '.join(f'{prefix}:{rt}' for rt in acts_on)}")
            out.append(NamedRequest("named-actions", arn_where, prefix, name, arn, types))
    return out


def actions(patterns: list[str], where_key: str, cat: Catalog) -> list[tuple[str, str]]:
    """(prefix, action) pairs for action names or wildcards; unknown ones are errors with suggestions."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, pattern in enumerate(patterns):
        where = f"{where_key}[{i}]"
        problem = iamnames.problem(pattern)
        if problem:
            raise InputError(f"{where}: {problem}")
        found = cat.expand(pattern)
        if not found:
            raise InputError(f"{where}: {unknown_action(pattern, cat)}")
        for pair in found:
            if pair not in seen:
                seen.add(pair)
                out.append(pair)
    return out


def unknown_action(pattern: str, cat: Catalog) -> str:
    service, _, name = pattern.partition(":")
    prefix = cat.prefixes.get(iamnames.fold(service))
    if prefix is None:
        return str(not_found("service", service, list(cat.prefixes.values())))
    return str(not_found(f"action of {prefix}", name, cat.action_names(prefix)))


def service(name: str, where: str, cat: Catalog) -> str:
    """The prefix of a service named in the template (any case); unknown ones are errors with suggestions."""
    prefix = cat.prefixes.get(iamnames.fold(name))
    if prefix is None:
        raise InputError(f"{where}: {not_found('service', name, list(cat.prefixes.values()))}")
    return prefix


def wildcard_requests(t: Template, cat: Catalog, warnings: list[Diagnostic]) -> list[StarRequest]:
    out = []
    for prefix, action in actions(t.single_actions, t.where("wildcard-only.single-actions"), cat):
        typed = sorted({r.resource_type for r in cat.rows(prefix, action) if r.resource_type})
        if typed:
            raise InputError(
                t.where(
                    f"wildcard-only.single-actions: {prefix}:{action} supports resource types ({', '.join(typed)}); "
                    "list its ARNs under an access level, or put it under "
                    "skip-resource-constraints to grant it on '*' on purpose"
                )
            )
        out.append(StarRequest("wildcard-only", prefix, action, "Wildcard"))
    for level, names in t.service_levels.items():
        key = "service-" + SECTION_OF_LEVEL[level]
        for i, name in enumerate(names):
            prefix = service(name, t.where(f"wildcard-only.{key}[{i}]"), cat)
            found = cat.wildcard_only(prefix, level)
            if not found:
                warnings.append(Diagnostic(NOT_GRANTED, t.where(f"wildcard-only.{key}[{i}]"),
                                           f"{prefix} has no {level} action that supports only '*'; nothing granted"))
            out.extend(StarRequest("wildcard-only", prefix, action, "Wildcard") for action in found)
    return out


def skip_requests(t: Template, cat: Catalog, warnings: list[Diagnostic]) -> list[StarRequest]:
    found = actions(t.skip_resource_constraints, t.where("skip-resource-constraints"), cat)
    if found:
        warnings.append(Diagnostic(GRANTED_BROADLY, t.where("skip-resource-constraints"),
                                   f"{len(found)} action(s) granted on '*' although they support resource ARNs"))
    return [StarRequest("skip-resource-constraints", p, a, "SkipResourceConstraints") for p, a in found]


def sts_requests(t: Template, cat: Catalog) -> list[ArnActionRequest]:
    out = []
    for action, arns in t.sts.items():
        key = next(k for k, a in STS_KEYS.items() if a == action)
        prefix, name = action.split(":")
        for i, text in enumerate(arns):
            where = t.where(f"sts.{key}[{i}]")
            arn = parse(text, where)
            if ("iam", "role") not in cat.match(arn):
                raise InputError(f"{where}: {arn.text} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
            out.append(ArnActionRequest("sts", where, prefix, name, arn, name))
    return out
