"""policy_sentry's policy analysis, done right: the actions a policy effectively allows,
filtered by access level or by a list of actions, and the policy with its wildcards expanded.
"""
from __future__ import annotations

from policy_tf.errors import InputError

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
    effective = evaluate([(0, s) for s in normalize(document).statements], action_index(db))
    return sorted(effective.actions())


def at_access_level(actions: list[str], level: str, db: Database | None = None) -> list[str]:
    """The subset at one access level (``read``, ``permissions-management``, ...; effective levels)."""
    from policy_tf.analysis.expand import action_index
    from policy_tf.iamdb import access_level

    wanted = access_level.normalize(level)
    index = action_index(db)
    return [a for a in actions if index.level(a) == wanted]


def allowed_by_file(files: list[str], access_level: str | None = None, among: list[str] | None = None,
                    db: Database | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """What each policy file allows (``analyze-iam-policy``): (file -> actions, one error per bad file).

    With ``access_level`` or ``among`` (a list of actions) only those actions are kept, and a file
    left with none is left out; without a filter every good file is listed.
    """
    from policy_tf.analysis import loading

    results: dict[str, list[str]] = {}
    errors: list[str] = []
    for path in files:
        try:
            actions = allowed_actions(loading.read_json(path), db)
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

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    stripped = text.strip()
    if stripped.startswith("[") or stripped.startswith("-"):
        import yaml

        try:
            items = yaml.safe_load(stripped)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not a valid YAML/JSON list: {exc}") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InputError(f"{path}: expected a list of action names")
    else:
        items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        items = [i for i in items if i]
    if not items:
        raise InputError(f"{path}: no actions listed")
    index = action_index(db)
    unknown = [i for i in items if not index.expand(i)]
    if unknown:
        raise InputError(f"{path}: unknown actions: {', '.join(unknown)}")
    return sorted(index.expand_all(items))


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
    for s in normalize(document).statements:
        raw = raws[s.index]
        if not isinstance(raw, dict) or not s.allow:
            out_statements.append(raw)
            continue
        for pattern in s.actions or s.not_actions or ():
            if pattern != "*" and not index.expand(pattern):
                notes.append(f"statement {s.index}: {pattern!r} matches no action")
        actions = statement_actions(s, index)
        if s.resources is not None:
            kept = sorted(a for a in actions if any(res.applies(a, r) for r in s.resources))
        elif s.not_resources is not None:
            kept = sorted(a for a in actions if res.applies_not(a, s.not_resources))
        else:
            kept = sorted(actions)
        if len(kept) < len(actions):
            notes.append(f"statement {s.index}: {len(actions) - len(kept)} matched actions apply to none of its resources and are left out")
        new = {}
        for key, value in raw.items():
            if key in ("Action", "NotAction"):
                new["Action"] = kept
            else:
                new[key] = value
        out_statements.append(new)
    expanded = dict(document)
    expanded["Statement"] = out_statements if isinstance(document["Statement"], list) or len(out_statements) != 1 else out_statements[0]
    return expanded, notes
