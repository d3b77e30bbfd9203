"""Resource-policy escalation: an identity policy that may rewrite a resource's own policy (a
bucket policy, a queue's Policy attribute, a function's permissions, ...) on a resource it
also uses can grant itself more there."""
from __future__ import annotations

from functools import lru_cache

from policy_tf.analysis import risklists
from policy_tf.analysis.checks.base import registry

CHECKS = registry(
    ("RESOURCE_POLICY_ESCALATION", "SECURITY_WARNING", "privilege-escalation",
     "The policy may rewrite the resource policy (Put*Policy, SetQueueAttributes, AddPermission, ...) of a resource it "
     "also uses: it can grant itself more on that resource."),
)


@lru_cache(maxsize=None)
def _writers() -> dict:
    return {e.action: e.reason for e in risklists.actions("resource-policy-escalation")}


@lru_cache(maxsize=None)
def _writer_set() -> frozenset:
    return frozenset(_writers())


def _related(writer: str, used: str) -> bool:
    """The writer's resource governs the used one: the same resource, or one under it (a
    bucket's objects), or patterns that may meet."""
    from policy_tf.analysis.wildcard import resource_overlap

    if writer == "*" or used == "*":
        return True
    return used == writer or used.startswith(writer.rstrip("*") + "/") or resource_overlap(writer, used)


_MEMO_LIMIT = 4096


def run(ctx, report) -> None:
    """Memoized per effective grants (``evaluate`` returns the same object for the same
    statements and resources): the reports are replayed in order."""
    if ctx.kind != "identity":
        return
    effective = ctx.effective
    if not effective.grants or _writer_set().isdisjoint(effective.actions()):
        return
    memo = ctx.index.memo("resourcepolicy")
    found = memo.get(id(effective))
    if found is None or found[0] is not effective:
        calls: list = []
        _run(ctx, effective, lambda *args, **kwargs: calls.append((args, kwargs)))
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[id(effective)] = (effective, calls)  # holding it keeps its id from being reused
    for args, kwargs in found[1]:
        report(*args, **kwargs)


def _run(ctx, effective, report) -> None:
    writers = _writers()
    index = ctx.index
    services = index.memo("resourcepolicy-services")
    by_statement: dict = {}  # statement -> ({writer: resource}, {resource: actions used there})
    for g in effective.grants:
        found = writers.keys() & g.actions
        if not found:
            continue
        target = g.resource or "*"
        for service in {a.partition(":")[0] for a in found}:
            names = services.get(service)
            if names is None:
                names = services[service] = frozenset(index.names(service)) - writers.keys()
            if names <= g.actions:
                continue  # it holds the whole service there already: a new policy grants it nothing more
            for h in effective.grants:
                used = names & h.actions  # set operations: a NotAction grant holds most of the database
                if used and _related(target, h.resource or "*"):
                    written, uses = by_statement.setdefault(g.statement, ({}, {}))
                    written.update((w, target) for w in found if w.startswith(service + ":"))
                    uses.setdefault(h.resource or "*", set()).update(used)
    for statement, (written, uses) in sorted(by_statement.items()):
        shown = ", ".join(f"{a} on {r}" for a, r in sorted(written.items())[:3])
        if len(written) > 3:
            shown += f" and {len(written) - 3} more"
        also = "; ".join(f"{', '.join(sorted(acts)[:3])}{' and more' if len(acts) > 3 else ''} on {r}"
                         for r, acts in sorted(uses.items())[:3])
        report("RESOURCE_POLICY_ESCALATION",
               f"statement {statement}: {shown} lets the holder rewrite that resource's policy and grant itself more "
               f"there; it also uses the resource ({also})", statement=statement, actions=tuple(sorted(written)))
