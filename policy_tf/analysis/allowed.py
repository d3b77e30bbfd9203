"""policy_sentry's policy analysis, done right: the actions a policy effectively allows,
filtered by access level or by a list of actions, and the policy with its wildcards expanded.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from policy_tf.iamdb.database import Database


def allowed_actions(document, db: Database | None = None) -> list[str]:
    """Every action the policy allows: Action expanded, NotAction complemented, actions whose
    resource types no Resource reaches left out, unconditioned Denies subtracted."""
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.effective import evaluate
    from policy_tf.analysis.expand import action_index

    if not isinstance(document, dict) or "Statement" not in document:
        raise InputError("not a policy document (a JSON object with a Statement)")
    # Repeated statements change nothing that is allowed: each distinct one is evaluated once.
    distinct = {(s.effect, s.actions, s.not_actions, s.resources, s.not_resources, s.conditional): s
                for s in reversed(normalize(document).statements)}
    effective = evaluate([(0, s) for s in sorted(distinct.values(), key=lambda s: s.index)], action_index(db))
    return sorted(effective.actions())


def at_access_level(actions: list[str], level: str, db: Database | None = None) -> list[str]:
    """The subset at one access level (``read``, ``permissions-management``, ...; effective levels)."""
    from policy_tf.analysis.expand import action_index
    from policy_tf.iamdb import access_level

    wanted = access_level.normalize(level)
    index = action_index(db)
    return [a for a in actions if index.level(a) == wanted]


def allowed_by_file(files: list[str], access_level: str | None = None, among: list[str] | None = None,
                    db: Database | None = None, notes: list[str] | None = None
                    ) -> tuple[dict[str, list[str]], list[str]]:
    """What each policy file allows (``analyze-iam-policy``): (file -> actions, one error per bad file).

    With ``access_level`` or ``among`` (a list of actions) only those actions are kept, and a file
    left with none is left out; without a filter every good file is listed. Each file first goes
    through audit's validity pass: a document AWS would not accept is an error; other validity
    findings are appended to ``notes`` (when given) and the policy is still read.
    """
    from policy_tf.analysis import loading, validity

    results: dict[str, list[str]] = {}
    errors: list[str] = []
    for path in files:
        try:
            document = loading.read_json(path)
            for finding in validity.check(document, path, db):
                if notes is not None:
                    notes.append(f"{path}: {finding.code}: {finding.message}")
            actions = allowed_actions(document, db)
        except InputError as exc:
            errors.append(str(exc) if str(exc).startswith(path) else f"{path}: {exc}")
            continue
        if access_level:
            actions = at_access_level(actions, access_level, db)
        elif among is not None:
            wanted = set(among)
            actions = [a for a in actions if a in wanted]
        if actions or not (access_level or among is not None):
            results[path] = actions
    return results, errors


def read_audit_file(path: str, db: Database | None = None) -> list[str]:
    """Actions to audit for: one per line (``#`` comments; wildcards allowed), or a JSON/YAML list."""
    from policy_tf.analysis.expand import action_index
    from policy_tf.core import iamnames, safeload

    text = safeload.read_file(path, "audit file")
    stripped = text.strip()
    if stripped.startswith("[") or stripped.startswith("-"):
        items = safeload.load_yaml(stripped, path)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InputError(f"{path}: expected a list of action names")
        items = [i.strip() for i in items]
    else:
        items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        items = [i for i in items if i]
    if not items:
        raise InputError(f"{path}: no actions listed")
    for i, item in enumerate(items):
        problem = iamnames.problem(item)
        if problem:
            raise InputError(f"{path}: item {i + 1}: {problem}")
    items = list(dict.fromkeys(items))  # the cost scales with distinct names
    index = action_index(db)
    unknown = [i for i in items if not index.expand(i)]
    if unknown:
        raise InputError(f"{path}: unknown actions: {', '.join(unknown)}")
    return sorted(index.expand_all(items))


MAX_EXPANDED = 1_000_000  # actions across the expanded statements: ~45 statements of "*" (22,000 actions each)


def expand_policy(document, db: Database | None = None) -> tuple[dict, list[str]]:
    """The policy with every Allow's Action/NotAction as the explicit list of actions it grants
    on its Resource; Deny statements and everything else kept as they are. Returns the policy
    and notes (patterns that match nothing, actions that apply to none of the Resources)."""
    from policy_tf.analysis.applicability import resolver
    from policy_tf.analysis.document import normalize, raw_statements
    from policy_tf.analysis.expand import action_index, statement_actions

    if not isinstance(document, dict) or "Statement" not in document:
        raise InputError("a policy document must be a JSON object with a Statement")
    index = action_index(db)
    res = resolver(index.catalog)
    notes: list[str] = []
    out_statements = []
    raws = raw_statements(document)
    # Work scales with distinct (actions, resources) pairs: a statement repeated 2,000 times is
    # expanded once and its list shared; the output itself is bounded by MAX_EXPANDED.
    kept_of: dict = {}
    total = 0
    for s in normalize(document).statements:
        raw = raws[s.index]
        if not isinstance(raw, dict) or not s.allow:
            out_statements.append(raw)
            continue
        for pattern in dict.fromkeys(s.actions or s.not_actions or ()):
            if pattern != "*" and not index.expand(pattern):
                notes.append(f"statement {s.index}: {pattern!r} matches no action")
        actions = statement_actions(s, index)
        key = (id(actions), s.resources, s.not_resources)
        kept = kept_of.get(key)
        if kept is None:
            if s.resources is not None:
                resources = tuple(dict.fromkeys(s.resources))
                kept = sorted(a for a in actions if any(res.applies(a, r) for r in resources))
            elif s.not_resources is not None:
                kept = sorted(a for a in actions if res.applies_not(a, s.not_resources))
            else:
                kept = sorted(actions)
            kept_of[key] = kept
        total += len(kept)
        if total > MAX_EXPANDED:
            raise InputError(f"the expanded policy would list more than {MAX_EXPANDED:,} actions (statement {s.index} "
                             f"alone expands to {len(kept):,}); expand fewer statements at a time, or use "
                             "analyze-iam-policy, which lists each allowed action once")
        if len(kept) < len(actions):
            notes.append(f"statement {s.index}: {len(actions) - len(kept)} matched actions apply to none of its "
                         "resources and are left out")
        new = {}
        for key, value in raw.items():
            if key in ("Action", "NotAction"):
                new["Action"] = kept
            else:
                new[key] = value
        out_statements.append(new)
    expanded = dict(document)
    keep_list = isinstance(document["Statement"], list) or len(out_statements) != 1
    expanded["Statement"] = out_statements if keep_list else out_statements[0]
    return expanded, notes
