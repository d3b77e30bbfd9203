"""The audit's access checks, offline counterparts of IAM Access Analyzer's custom policy checks:

* ``no_new_access``: what each policy and principal grants beyond its prior state in a
  Terraform plan, or beyond a reference policy (``NEW_ACCESS``);
* ``access_not_granted``: each statement that grants an action (on a resource) from a list of
  forbidden access (``ACCESS_GRANTED``), read exactly: wildcards, NotAction, NotResource, Deny, case;
* ``no_public_access``: each resource or trust policy statement open to anyone (``PUBLIC_ACCESS``,
  see ``public_access``).
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.analysis import access_changes, access_diff, wildcard
from policy_tf.analysis.accepted_findings import _strings  # one reader of "a string or a list of strings"
from policy_tf.analysis.model import Finding
from policy_tf.core.errors import InputError

NEW_ACCESS, ACCESS_GRANTED, PUBLIC_ACCESS = "NEW_ACCESS", "ACCESS_GRANTED", "PUBLIC_ACCESS"
SEVERITY = "SECURITY_WARNING"
RULES = {
    NEW_ACCESS: (SEVERITY, "access-change",
                 "the policy grants access that its prior state (or the reference) does not"),
    ACCESS_GRANTED: (SEVERITY, "forbidden-access", "the policy grants access listed as never to be granted"),
    PUBLIC_ACCESS: (SEVERITY, "resource-exposure", "the resource policy grants access to anyone, with no condition "
                    "that ties the caller to an account, organization, network or source"),
}
_CHECKED_KINDS = ("identity", "resource", "trust")


class Forbidden(namedtuple("Forbidden", "number actions patterns resources")):
    """One entry of an access-not-granted list: its 1-based number, the actions its patterns
    match, the patterns as written, and the resources (None: any)."""

    __slots__ = ()


def parse_forbidden(data, path: str, index) -> list:
    """An access-not-granted list: entries that are an action pattern, or a mapping with
    ``actions`` (or ``action``) and optionally ``resources`` (or ``resource``); a mapping of
    those at the top is one entry."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: expected a list of actions (strings, or mappings with actions and resources)")
    out = []
    for number, entry in enumerate(data, 1):
        where = f"{path}: entry {number}"
        if isinstance(entry, str):
            patterns, resources = _strings(entry, where), None
        elif isinstance(entry, dict):
            unknown = sorted(set(entry) - {"action", "actions", "resource", "resources"})
            if unknown:
                raise InputError(f"{where}: unknown field {unknown[0]!r} (expected actions and resources)")
            keys = [k for k in ("action", "actions") if k in entry]
            if len(keys) != 1:
                raise InputError(f"{where}: needs one of action or actions")
            patterns = _strings(entry[keys[0]], f"{where}: {keys[0]}")
            rkeys = [k for k in ("resource", "resources") if k in entry]
            if len(rkeys) > 1:
                raise InputError(f"{where}: give resource or resources, not both")
            resources = _strings(entry[rkeys[0]], f"{where}: {rkeys[0]}") if rkeys else None
            for r in resources or ():
                if r != "*" and not (r.startswith("arn:") and r.count(":") >= 5):
                    raise InputError(f"{where}: resource {r!r} is not an ARN "
                                     "(arn:partition:service:region:account:resource) or *")
        else:
            raise InputError(f"{where}: expected an action name or a mapping, not {type(entry).__name__}")
        for p in patterns:
            if not p.isascii():
                raise InputError(f"{where}: action {p!r} holds a non-ASCII character (IAM action names are ASCII)")
            if not index.expand(p):
                raise InputError(f"{where}: action {p!r} matches no action in the IAM database")
        out.append(Forbidden(number, index.expand_all(patterns), patterns, resources))
    return out


def load_forbidden(path: str, index) -> list:
    from policy_tf.core import safeload

    return parse_forbidden(safeload.loads(safeload.read_file(path, "YAML file"), path, "yaml"), path, index)


# --- access not granted ------------------------------------------------------------------------


def _reaches(block, resource: str) -> bool:
    """Whether the block's Resource (or NotResource) and the Deny exceptions leave some of ``resource`` granted."""
    if block.resource is not None:
        if not wildcard.resource_overlap(block.resource, resource):
            return False
    elif any(wildcard.resource_contains(n, resource) for n in block.not_resources):
        return False
    for exc in block.exceptions:  # an unconditioned Deny on all of it, for everyone
        if exc.principal is None and not exc.condition and exc.resources is not None and \
                any(not wildcard.has_variable(d) and wildcard.resource_contains(d, resource) for d in exc.resources):
            return False
    return True


def _granted(access, forbidden: list) -> list:
    """(source, entry, actions, resource) for each forbidden entry a block grants."""
    out = []
    for block, actions in access.blocks.items():
        for entry in forbidden:
            hit = actions & entry.actions
            if not hit:
                continue
            resources = [r for r in entry.resources or (None,) if r is None or _reaches(block, r)]
            if not resources:
                continue
            for source in access.sources_of(block, hit):
                out.append((source, entry, hit, block.resource, resources))
    return out


def access_not_granted(inputs, forbidden: list, index) -> list:
    """ACCESS_GRANTED findings: a principal's policies together (a Deny in one applies to all);
    a policy attached to none, on its own."""
    attached = {id(p) for policies in inputs.principals.values() for p in policies}
    groups = [(name, [p for p in policies if p.kind in _CHECKED_KINDS and p.kind != "trust"])
              for name, policies in sorted(inputs.principals.items())]
    groups += [(None, [p]) for p in inputs.policies if id(p) not in attached and p.kind in _CHECKED_KINDS]
    by_name = {p.name: p for p in inputs.policies}
    merged: dict = {}
    for principal, policies in groups:
        if not policies:
            continue
        for (policy, statement, sid), entry, actions, resource, _resources in _granted(
                access_changes.access_of(policies, index), forbidden):
            key = (policy, statement, entry.number)
            found = merged.setdefault(key, [set(), set(), set(), sid])
            found[0] |= actions
            found[1].add(resource if resource is not None else "NotResource")
            if principal:
                found[2].add(principal)
    out = []
    for (policy, statement, number), (actions, where, principals, sid) in sorted(merged.items()):
        entry = forbidden[number - 1]
        item = by_name.get(policy)
        label = f"statement {statement}" + (f" ({sid})" if sid else "")
        shown = ", ".join(sorted(actions)[:5]) + (f" and {len(actions) - 5} more" if len(actions) > 5 else "")
        message = (f"{label} grants {shown} on {', '.join(sorted(where))}, which entry {number} of the "
                   f"access-not-granted list forbids ({', '.join(entry.patterns)}"
                   + (f" on {', '.join(entry.resources)}" if entry.resources else "") + ")"
                   + (f"; for {', '.join(sorted(principals))}" if principals else ""))
        out.append(Finding(ACCESS_GRANTED, SEVERITY, RULES[ACCESS_GRANTED][1], message, item.file if item else "",
                           policy, statement, tuple(sorted(actions)), None, None, {"entry": number}))
    return out


# --- no new access -----------------------------------------------------------------------------


def _new_access_findings(changes, index) -> list:
    from policy_tf.analysis.diff_report import findings

    return [f._replace(code=NEW_ACCESS, category=RULES[NEW_ACCESS][1]) for f in
            findings([c for c in changes if c.status == "added"], index, removed=False, severity=SEVERITY)]


def no_new_access(inputs, index, reference=None) -> list:
    """NEW_ACCESS findings: against ``reference`` (Inputs) when given, else the plan's prior state."""
    if reference is None:
        if inputs.prior is None:
            raise InputError("--no-new-access compares with a Terraform plan's prior state: give a plan JSON "
                             "(terraform show -json plan.out), or a reference policy with --reference FILE|DIR")
        return _new_access_findings(access_changes.diff_inputs(inputs.prior, inputs, index), index)
    by_kind: dict = {}
    for p in reference.policies:
        by_kind.setdefault(p.kind, []).append(p)
    everything = access_changes.access_of(reference.policies, index)
    allowed = {kind: access_changes.access_of(policies, index) for kind, policies in by_kind.items()}
    where = access_changes._locator(inputs)
    changes = []
    for policy in inputs.policies:
        if policy.kind not in _CHECKED_KINDS:
            continue
        base = allowed.get(policy.kind, everything)
        for block, actions, sources in access_diff.added(base, access_changes.access_of([policy], index)):
            file, line = where(sources)
            changes.append(access_changes.Change(
                "policy", policy.name, file or policy.file, line, "added", tuple(sorted(actions)), block.principal,
                block.resource, block.not_resources, block.condition, tuple(sorted(block.exceptions, key=repr)),
                tuple(sorted(sources, key=lambda s: (s[0], s[1])))))
    return _new_access_findings(changes, index)


# --- no public access --------------------------------------------------------------------------


def no_public_access(inputs, index) -> list:
    from policy_tf.analysis.public_access import exposures

    out = []
    for policy in inputs.policies:
        if policy.kind not in ("resource", "trust"):
            continue
        for e in exposures(policy.document, index):
            label = f"statement {e.statement}" + (f" ({e.sid})" if e.sid else "")
            what = f" ({policy.resource_type})" if policy.resource_type else ""
            message = (f"{label} of this {policy.kind} policy{what} allows {e.principal} to "
                       f"{', '.join(e.actions[:5])}{' and more' if len(e.actions) > 5 else ''} with no condition that "
                       "ties the caller to an account, organization, network or source: public access")
            out.append(Finding(PUBLIC_ACCESS, SEVERITY, RULES[PUBLIC_ACCESS][1], message, policy.file, policy.name,
                               e.statement, e.actions))
    return out
