"""write-policy's output: one definition shared by the CLI, write-policy-dir and terraform-external."""
from __future__ import annotations

import json


def render_policies(results: list, fmt: str, fit: bool, dumps) -> str:
    """One template: its policy (a list of policies with --fit). Several (legacy layout): name -> that."""

    def one(result):
        return result.policies if fit else result.policies[0]

    if len(results) == 1:
        data = one(results[0])
    else:
        from policy_tf.writing.sid import unique

        names = unique([r.name for r in results])
        data = {name: one(r) for name, r in zip(names, results)}
    if fmt == "terraform":
        if len(results) == 1:
            return dumps({"policy": dumps(data, pretty=False)}, pretty=False) + "\n"
        return dumps({name: dumps(value, pretty=False) for name, value in data.items()}, pretty=False) + "\n"
    if fmt == "yaml":
        from policy_tf.core.output import to_yaml

        return to_yaml(data)
    return dumps(data)


def dumps(policy: dict | list, pretty: bool = True) -> str:
    """Deterministic JSON text (key order as built: Version, Statement; Sid, Effect, ...)."""
    if pretty:
        from policy_tf.core.jsontext import dumps as indented

        return indented(policy) + "\n"
    return json.dumps(policy, separators=(",", ":"), ensure_ascii=False)
