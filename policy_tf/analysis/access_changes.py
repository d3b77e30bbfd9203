"""The access diff of two inputs: per policy, and per principal (every policy of a role, user or
group evaluated together, so a managed policy attached to three roles shows up on all three).

Inputs are what ``policy_tf.analysis.inputs.read`` returns for policy files, folders, plans,
``.tf`` and account-authorization-details; a plan alone is compared with its prior state.
Policies and principals are paired by name (the file's name within a folder, the Terraform
address, ``policy/NAME`` and ``role/NAME`` in account dumps); two single policy files are
paired whatever their names.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.analysis import access_diff
from policy_tf.analysis import condition_logic as cl


class Change(namedtuple("Change", "scope name file line status actions principal resource not_resources "
                                  "condition exceptions sources")):
    """One block of access added or removed. ``scope``: policy or principal; ``status``:
    added or removed; ``sources``: ((policy, statement index, sid), ...) that grant it (in the
    new input when added, the old one when removed)."""

    __slots__ = ()

    def as_dict(self) -> dict:
        return {
            "scope": self.scope, "name": self.name, "status": self.status, "effect": "Allow",
            "actions": list(self.actions),
            "principal": None if self.principal is None else {"type": self.principal[0], "value": self.principal[1]},
            "resource": self.resource, "not_resource": None if self.not_resources is None else list(self.not_resources),
            "condition": cl.as_map(self.condition),
            "except": [{"principal": None if e.principal is None else {"type": e.principal[0], "value": e.principal[1]},
                        "resource": None if e.resources is None else list(e.resources),
                        "not_resource": None if e.not_resources is None else list(e.not_resources),
                        "condition": cl.as_map(e.condition)} for e in self.exceptions],
            "granted_by": [{"policy": p, "statement": i, "sid": sid} for p, i, sid in self.sources],
            "file": self.file, "line": self.line,
        }


class DiffResult:
    """``changes`` (Change, policies first, then principals, each by name); ``errors``, bad
    inputs; ``compared``: how many policies and principals were compared."""

    __slots__ = ("changes", "errors", "compared", "not_analyzed")

    def __init__(self):
        self.changes: list = []
        self.errors: list = []
        self.compared = {"policies": 0, "principals": 0}
        self.not_analyzed: list = []

    @property
    def added(self) -> list:
        return [c for c in self.changes if c.status == "added"]

    @property
    def removed(self) -> list:
        return [c for c in self.changes if c.status == "removed"]


def _statements(policies) -> tuple[list, list]:
    from policy_tf.analysis.document import normalize

    pairs: list = []
    names: list = []
    for number, policy in enumerate(policies):
        names.append(policy.name)
        pairs.extend((number, s) for s in normalize(policy.document).statements if isinstance(s.raw, dict))
    return pairs, names


def access_of(policies, index) -> access_diff.Access:
    """The access of policies evaluated together."""
    pairs, names = _statements(policies)
    return access_diff.access(pairs, names, index)


def _changes(scope: str, name: str, old: list, new: list, index, where, memo: dict | None = None) -> list:
    """Changes between the old and new policies of one policy name or principal; ``memo``
    keeps each set of policies' access (a role holding one managed policy has that policy's)."""
    if [p.document for p in old] == [p.document for p in new]:
        return []
    memo = {} if memo is None else memo

    def of(policies):
        key = tuple((p.name, id(p.document)) for p in policies)
        found = memo.get(key)
        if found is None:
            found = memo[key] = access_of(policies, index)
        return found

    before, after = of(old), of(new)
    out = []
    for status, (a, b) in (("added", (before, after)), ("removed", (after, before))):
        key = (status, id(a), id(b))  # the Access objects stay alive in the memo
        found = memo.get(key)
        if found is None:
            found = memo[key] = access_diff.added(a, b)
        for block, actions, sources in found:
            file, line = where(sources)
            out.append(Change(scope, name, file, line, status, tuple(sorted(actions)), block.principal, block.resource,
                              block.not_resources, block.condition, tuple(sorted(block.exceptions, key=repr)),
                              tuple(sorted(sources, key=lambda s: (s[0], s[1])))))
    return out


def _locator(*inputs):
    """(sources) -> (file, line) of the first granting statement, from the policies' own records."""
    by_name = {}
    for found in inputs:
        for p in found.policies:
            by_name.setdefault(p.name, p)

    def where(sources) -> tuple:
        for name, statement, _ in sorted(sources, key=lambda s: (s[0], s[1])):
            policy = by_name.get(name)
            if policy is not None:
                lines = policy.statement_lines
                line = lines[statement] if 0 <= statement < len(lines) else policy.line
                return policy.file, line
        return None, None

    return where


def _single(found) -> bool:
    return len(found.policies) == 1 and not found.principals and all(kind == "policy" for _, kind in found.sources)


def diff_inputs(old, new, index, principals: bool = True) -> list:
    """Every Change between two ``Inputs``."""
    where_new, where_old = _locator(new), _locator(old)
    memo: dict = {}  # the documents stay alive in the inputs, so their ids stay theirs
    out = []
    if _single(old) and _single(new):
        pairs = {new.policies[0].name: ([old.policies[0]], [new.policies[0]])}
    else:
        pairs = {}
        for p in old.policies:
            pairs.setdefault(p.name, ([], []))[0].append(p)
        for p in new.policies:
            pairs.setdefault(p.name, ([], []))[1].append(p)
    for name in sorted(pairs):
        before, after = pairs[name]
        for change in _changes("policy", name, before, after, index, where_new, memo):
            out.append(change if change.status == "added" else change._replace(file=where_old(change.sources)[0],
                                                                              line=where_old(change.sources)[1]))
    if principals:
        names = set(old.principals) | set(new.principals)
        for name in sorted(names):
            before = [p for p in old.principals.get(name, []) if p.kind != "trust"]
            after = [p for p in new.principals.get(name, []) if p.kind != "trust"]
            for change in _changes("principal", name, before, after, index, where_new, memo):
                out.append(change if change.status == "added" else change._replace(file=where_old(change.sources)[0],
                                                                                  line=where_old(change.sources)[1]))
    return out


def bad_inputs(found) -> list:
    """What makes an input unusable for a diff, one message each: reading errors, and files or
    policy strings that are not JSON (which the audit reports as findings and goes on)."""
    return list(found.errors) + [f"{f.file}: {f.message}" if not f.message.startswith(f.file) else f.message
                                 for f in found.findings if f.code.startswith("MALFORMED")]


def diff_paths(old_path: str, new_path: str | None = None, db=None) -> DiffResult:
    """``policy_tf diff``: OLD against NEW; with one path, a plan's prior state against its planned values."""
    from policy_tf.analysis import inputs as readers
    from policy_tf.analysis.expand import action_index
    from policy_tf.core.errors import InputError

    result = DiffResult()
    new = readers.read([new_path if new_path is not None else old_path])
    if new_path is None:
        result.errors += bad_inputs(new)
        if new.prior is None and not result.errors:
            raise InputError(f"{old_path}: one input is compared with its prior state, which only a Terraform plan "
                             "JSON (terraform show -json plan.out) has; give OLD and NEW otherwise")
        from policy_tf.analysis.inputs import Inputs

        old = new.prior or Inputs()
    else:
        old = readers.read([old_path])
        result.errors += bad_inputs(old) + bad_inputs(new)
    if result.errors:
        return result
    index = action_index(db)
    result.not_analyzed = list(new.not_analyzed)
    result.changes = diff_inputs(old, new, index)
    single = _single(old) and _single(new)
    result.compared = {"policies": 1 if single
                       else len({p.name for p in old.policies} | {p.name for p in new.policies}),
                       "principals": len(set(old.principals) | set(new.principals))}
    return result
