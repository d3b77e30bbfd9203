"""The exclusions file: findings a team has accepted, each with the reason recorded.

```yaml
exclusions:
  - codes: [PRIVESC_PASSROLE_LAMBDA]        # issue codes
    policies: ["aws_iam_role.deployer.*"]   # policy names (globs)
    reason: the deployer role creates functions by design (SEC-142)
  - principals: ["role/legacy-*"]           # roles/users/groups (globs)
    reason: legacy account, decommissioned in Q3
  - actions: ["s3:GetObject"]               # a finding whose actions all match is excluded
    reason: public website bucket
  - sids: ["LegacyDeploy*"]                 # statements by Sid (JSON policies have no comments)
    reason: replaced by the pipeline role in Q4
```

An entry matches a finding when every field it gives matches (fields are ANDed, the values of
one field ORed); globs (``*`` and ``?`` only) are ASCII case-insensitive for codes and actions, case-sensitive
for names.

Cloudsplaining's exclusions file (``policies``, ``roles``, ``users``, ``groups``,
``exclude-actions``, ``include-actions``) is read as is: each list becomes an entry, and a
finding about an ``include-actions`` action is never excluded by it.
"""
from __future__ import annotations

from collections import namedtuple

from policy_tf.core.errors import InputError

FIELDS = ("codes", "policies", "principals", "actions", "files", "sids")
CLOUDSPLAINING_KEYS = ("policies", "roles", "users", "groups", "exclude-actions", "include-actions")


class Exclusion(namedtuple("Exclusion", "reason codes policies principals actions files index sids lines keep_actions "
                                        "source", defaults=((), (), (), (), (), 0, (), None, (), None))):
    """One accepted finding pattern, with its reason; ``index`` is its place in the file.
    ``lines`` (first, last) limits it to findings on those lines (an inline ignore's block);
    ``keep_actions`` (Cloudsplaining's include-actions) are never excluded; ``source`` says
    where the entry was written (file:line of an inline ignore)."""

    __slots__ = ()

    def matches(self, finding, principal: str | None, sid: str | None = None) -> bool:
        if self.codes and not any(_glob(c, finding.code, True) for c in self.codes):
            return False
        if self.lines and not (finding.line and self.lines[0] <= finding.line <= self.lines[1]):
            return False
        if self.sids and not (sid and any(_glob(p, sid) for p in self.sids)):
            return False
        if self.keep_actions and any(_glob(p, a, True) for p in self.keep_actions for a in finding.actions):
            return False
        if self.policies and not any(_glob(p, finding.policy) for p in self.policies):
            return False
        if self.files and not any(_glob(p, finding.file) for p in self.files):
            return False
        if self.principals and not (principal and any(_glob(p, principal) for p in self.principals)):
            return False
        if self.actions:
            if not finding.actions or not all(any(_glob(p, a, True) for p in self.actions) for a in finding.actions):
                return False
        return True


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """policy_tf's one matcher (``*`` and ``?`` only; ``[`` is a literal), ASCII case-insensitive if asked."""
    from policy_tf.core import iamnames

    return iamnames.glob(pattern, value, ignore_case)


def _strings(value, where: str) -> tuple:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{where}: expected a non-empty string or list of strings")
    return tuple(value)


def parse(data, path: str, known_codes=None) -> list:
    """Exclusions from the parsed YAML; InputError naming the entry and field for anything wrong."""
    if data is None:
        return []
    if isinstance(data, dict) and "exclusions" not in data and data and set(data) <= set(CLOUDSPLAINING_KEYS):
        return _cloudsplaining(data, path)
    if isinstance(data, dict):
        unknown = set(data) - {"exclusions"}
        if unknown:
            raise InputError(f"{path}: unknown key {sorted(unknown)[0]!r} (expected 'exclusions')")
        data = data.get("exclusions") or []
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of exclusions (or 'exclusions:' holding one)")
    out = []
    for i, entry in enumerate(data):
        where = f"{path}: exclusion {i + 1}"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a mapping, not {type(entry).__name__}")
        unknown = set(entry) - set(FIELDS) - {"reason"}
        if unknown:
            raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected reason and any of "
                             f"{', '.join(FIELDS)})")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: every exclusion needs a reason (a non-empty string)")
        fields = {name: _strings(entry[name], f"{where}: {name}") for name in FIELDS if name in entry}
        if not fields:
            raise InputError(f"{where}: say what to exclude: one of {', '.join(FIELDS)}")
        for n, pattern in enumerate(fields.get("actions", ())):
            from policy_tf.core import iamnames

            problem = iamnames.problem(pattern)
            if problem:
                raise InputError(f"{where}: actions[{n}]: {problem}")
        if known_codes is not None:
            for code in fields.get("codes", ()):
                if not any(_glob(code, k, True) for k in known_codes):
                    from policy_tf.core.errors import not_found

                    raise InputError(f"{where}: {not_found('issue code', code, sorted(known_codes))}")
        out.append(Exclusion(reason.strip(), index=i + 1, **fields))
    return out


def _cloudsplaining(data: dict, path: str) -> list:
    """Cloudsplaining's exclusions file, read as is: one entry per list it fills."""
    lists = {}
    for key in CLOUDSPLAINING_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{path}: {key}: expected a list of strings (Cloudsplaining's exclusions format)")
        lists[key] = tuple(v for v in value if v.strip())  # its template holds "" placeholders
    keep = lists.get("include-actions", ())
    out: list = []
    principals = tuple(f"{kind[:-1]}/{name}" for kind in ("roles", "users", "groups") for name in lists.get(kind, ()))
    if lists.get("policies"):
        # a name matches a managed policy (policy/NAME in account details) or an inline one
        # (principal/inline/NAME), as well as a policy file's name
        names = lists["policies"] + tuple(f"{prefix}{p}" for prefix in ("policy/", "*/inline/")
                                          for p in lists["policies"])
        out.append(Exclusion(f"Cloudsplaining exclusions ({path}): policies", policies=names,
                             keep_actions=keep, index=len(out) + 1))
    if principals:
        out.append(Exclusion(f"Cloudsplaining exclusions ({path}): roles, users, groups", principals=principals,
                             keep_actions=keep, index=len(out) + 1))
    if lists.get("exclude-actions"):
        out.append(Exclusion(f"Cloudsplaining exclusions ({path}): exclude-actions", actions=lists["exclude-actions"],
                             keep_actions=keep, index=len(out) + 1))
    return out


def load(path: str, known_codes=None) -> list:
    """The exclusions file through the input gate (``policy_tf.core.safeload``: regular files only,
    size and nesting bounded, duplicate keys refused), then its shape checked entry by entry."""
    from policy_tf.core import safeload

    return parse(safeload.load_yaml(safeload.read_file(path, "exclusions file"), path), path, known_codes)




def first_match(exclusions: list, finding, principal: str | None, sid: str | None = None):
    return next((e for e in exclusions if e.matches(finding, principal, sid)), None)
