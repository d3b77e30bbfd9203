"""The JSON report: {"policies": [...], "not_analyzed": [...], "findings": [...]}, and
"excluded" (each with its "reason") when an exclusion, inline ignore or baseline applied."""
from __future__ import annotations

from policy_tf.analysis.report import display_paths


def as_data(result) -> dict:
    """The report as plain data (what ``render`` writes, indented)."""
    path = display_paths()
    findings = []
    for finding in result.findings:
        item = finding.as_dict()
        item["file"] = path(item["file"])
        findings.append(item)
    data = {**_head(result, path), "findings": findings}
    if result.excluded:
        data["excluded"] = _excluded(result, path)
    return data


def _excluded(result, path) -> list:
    """Excluded findings (exclusions file, inline ignores, baseline), each with its reason."""
    out = []
    for finding, exclusion in result.excluded:
        item = finding.as_dict()
        item["file"] = path(item["file"])
        item["reason"] = exclusion.reason
        out.append(item)
    return out


def _head(result, path) -> dict:
    return {
        "policies": [{"file": path(p.file), "policy": p.name, "kind": p.kind} for p in result.policies],
        "not_analyzed": [{"file": path(n.file), "policy": n.name, "reason": n.reason,
                          "location": {"line": n.line} if n.line else None} for n in result.not_analyzed],
    }


# One finding, as json.dumps(indent=2) writes it at its depth in the report (keys in as_dict's
# order), around its ``actions`` list.
_HEAD = '{\n      "code": %s,\n      "severity": %s,\n      "category": %s,\n      "method": %s,\n      "actions": '
_TAIL = (',\n      "file": %s,\n      "policy": %s,\n      "statement": %s,\n      "message": %s,'
         '\n      "location": %s%s\n    }')


def _plain(f) -> bool:
    """Whether a finding holds only the types the template writes (else: the generic encoder)."""
    return (type(f.code) is type(f.severity) is type(f.category) is type(f.message) is type(f.policy) is str
            and type(f.file) is str and (f.method is None or type(f.method) is str)
            and (f.statement is None or type(f.statement) is int) and (not f.line or type(f.line) is int)
            and type(f.actions) is tuple and (not f.actions or type(f.actions[0]) is str))


def _findings(findings, path, out: list, reasons=None) -> None:
    """Append the findings list to ``out``, by a template per finding: the report's bulk. An
    ``actions`` tuple many findings share is encoded once, and no piece is copied until the
    one final join. With ``reasons`` (one per finding), each ends with its "reason".

    The few codes, files and policies, and the messages of findings a memo replayed, come again
    and again: each is encoded once. A finding whose actions are short is one piece (fewer
    pieces to write). 8 ms for the 500-policy report, against 9 ms to build its data plus 15 ms
    for orjson's type check and text, or 175 ms for json.dumps."""
    from json.encoder import encode_basestring as enc

    from policy_tf.core.jsontext import dumps_at

    if not findings:
        out.append("[]")
        return
    lists: dict = {}  # id(actions) -> (actions, text); the findings keep the tuples alive
    heads: dict = {}  # (code, severity, category, method) -> the text up to "actions"
    places: dict = {}  # (file, policy) -> their encoded texts
    messages: dict = {}  # message -> encoded
    sep = "[\n    "
    for n, f in enumerate(findings):
        reason = None if reasons is None else reasons[n]
        if not _plain(f) or (reason is not None and type(reason) is not str):
            item = f.as_dict()
            item["file"] = path(item["file"])
            if reasons is not None:
                item["reason"] = reason
            out.append(sep)
            out.append(dumps_at(item, "    "))
            sep = ",\n    "
            continue
        actions = f.actions
        found = lists.get(id(actions))
        if found is None:
            try:  # the C string encoder refuses what is not a string, and writes a str subclass as json does
                text = "[\n        " + ",\n        ".join(map(enc, actions)) + "\n      ]" if actions else "[]"
            except TypeError:
                text = dumps_at(list(actions), "      ")
            found = lists[id(actions)] = (actions, text)
        method, statement, line, message = f.method, f.statement, f.line, f.message
        kind = (f.code, f.severity, f.category, method)
        head = heads.get(kind)
        if head is None:
            head = heads[kind] = _HEAD % (enc(f.code), enc(f.severity), enc(f.category),
                                          "null" if method is None else enc(method))
        where = (f.file, f.policy)
        place = places.get(where)
        if place is None:
            place = places[where] = (enc(path(f.file)), enc(f.policy))
        said = messages.get(message)
        if said is None:
            said = messages[message] = enc(message)
        ending = "" if reasons is None else ',\n      "reason": ' + ("null" if reason is None else enc(reason))
        tail = _TAIL % (place[0], place[1], "null" if statement is None else int.__repr__(statement), said,
                        '{\n        "line": %d\n      }' % line if line else "null", ending)
        if len(found[1]) < 4096:  # one piece; a long list stays a piece of its own, shared
            out.append(sep + head + found[1] + tail)
        else:
            out.append(sep + head)
            out.append(found[1])
            out.append(tail)
        sep = ",\n    "
    out.append("\n  ]")


# One entry of "policies", as json.dumps(indent=2) writes it at its depth in the report.
_POLICY = '{\n      "file": %s,\n      "policy": %s,\n      "kind": %s\n    }'


def _policies(entries: list) -> str:
    """The "policies" list, by a template per entry (json.dumps of 500 of them is ~1.5 ms)."""
    from json.encoder import encode_basestring as enc

    from policy_tf.core.jsontext import dumps_at

    if not entries or not all(type(v) is str for e in entries for v in e.values()):
        return dumps_at(entries, "  ")
    return "[\n    " + ",\n    ".join([_POLICY % (enc(e["file"]), enc(e["policy"]), enc(e["kind"])) for e in entries]) \
        + "\n  ]"


def chunks(result) -> list[str]:
    """The report in pieces, to be written one after the other: a report of thousands of
    findings is tens of MB, which need not be joined into one string (nor encoded at once)."""
    from policy_tf.core.jsontext import dumps_at

    path = display_paths()
    head = _head(result, path)
    out = ['{\n  "policies": ', _policies(head["policies"]), ',\n  "not_analyzed": ',
           dumps_at(head["not_analyzed"], "  "), ',\n  "findings": ']
    _findings(result.findings, path, out)
    if result.excluded:
        out.append(',\n  "excluded": ')
        _findings([finding for finding, _ in result.excluded], path, out,
                  [exclusion.reason for _, exclusion in result.excluded])
    out.append("\n}\n")
    return out


def render(result) -> str:
    """What ``policy_tf.core.output.to_json`` writes of ``as_data(result)`` (json.dumps, indent=2),
    byte for byte, by the faster equivalent encoders."""
    return "".join(chunks(result))
