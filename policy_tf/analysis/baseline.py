"""Baselines: the findings a repository has today, so that only new ones fail CI.

``audit --write-baseline FILE`` records each finding's fingerprint (code, file from the
repository root, policy, method, actions, the statement's content: not its line, so edits
elsewhere keep it); ``audit --baseline FILE`` then reports the findings it holds as excluded
("in the baseline"), and only the others can fail the run.

```json
{"policy_tf_baseline": 1, "findings": [{"fingerprint": "…", "code": "…", "file": "…", "policy": "…"}]}
```
"""
from __future__ import annotations

from policy_tf.analysis.accepted_findings import Exclusion
from policy_tf.analysis.report import fingerprint, root_path, statement_of
from policy_tf.core import jsontext
from policy_tf.core.errors import InputError

FORMAT = 1


def _prints(result, root: str):
    by_name = {p.name: p for p in result.policies}
    for finding in result.findings:
        yield finding, fingerprint(finding, statement_of(by_name, finding), root)


def render(result, root: str) -> str:
    """The baseline file's text for the findings of ``result``."""
    entries = sorted(({"fingerprint": fp, "code": f.code, "file": root_path(f.file, root), "policy": f.policy}
                      for f, fp in _prints(result, root)),
                     key=lambda e: (e["file"], e["policy"], e["code"], e["fingerprint"]))
    unique = list({e["fingerprint"]: e for e in entries}.values())
    return jsontext.dumps({"policy_tf_baseline": FORMAT, "findings": unique}) + "\n"


def load(path: str) -> set:
    """The fingerprints of a baseline file; InputError naming the file and what is wrong."""
    from policy_tf.core import safeload

    regular_file(path, "baseline")
    data = safeload.load_json(safeload.read_file(path, "baseline"), path)
    if not isinstance(data, dict) or data.get("policy_tf_baseline") != FORMAT:
        raise InputError(f"{path}: not a policy_tf baseline (write one with audit --write-baseline)")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise InputError(f"{path}: findings: expected a list")
    prints = set()
    for i, entry in enumerate(findings, 1):
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not value:
            raise InputError(f"{path}: finding {i}: expected an object with a fingerprint")
        prints.add(value)
    return prints


def regular_file(path: str, what: str) -> None:
    """InputError unless ``path`` is a regular file (a FIFO would block the read, a device never end)."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    except ValueError:
        raise InputError(f"{path!r}: not a valid path") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file; the {what} must be one")


def apply(result, prints: set, root: str, path: str) -> int:
    """Move the findings the baseline holds to ``result.excluded``; how many moved."""
    reason = Exclusion(f"in the baseline {path}")
    kept, moved = [], 0
    for finding, fp in _prints(result, root):
        if fp in prints:
            result.excluded.append((finding, reason))
            moved += 1
        else:
            kept.append(finding)
    result.findings = kept
    from policy_tf.analysis.audit import sort_key

    result.excluded.sort(key=lambda pair: sort_key(pair[0]))
    return moved
