"""Calls -> IAM actions on ARNs.

An operation's actions come from the curated table, else the IAM database's API operations
table, else an IAM action of the operation's own name; a call none of them resolves is
reported. Each action's resources are built from the ARN formats of its resource types,
filled from the call's parameter values (``values``), the client's region, and ``--region``
/ ``--account``. What the code does not say becomes the narrowest wildcard the format allows
(``arn:aws:s3:::bucket/*``), and the grant says so (``exact`` False) with the reason.
"""
from __future__ import annotations

import re
from collections import namedtuple
from dataclasses import dataclass, field
from itertools import product

from policy_tf.sources.code import sdk
from policy_tf.sources.code.values import Choice, Text, as_text, is_partial, literal, options, pattern

# One action on one resource for one call. exact: the ARN is what the code names (no
# wildcard stands for something the code did not say); own: from a curated entry's own
# resource (another resource than the call's); why: what is not exact.
Grant = namedtuple("Grant", "action level arn exact own call why note context", defaults=((),))
Problem = namedtuple("Problem", "file line text")

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_WHERE = {"Partition", "Region", "Account"}
_QUEUE_URL = re.compile(r"https?://(?:sqs\.)?([a-z0-9-]+)?\.?(?:queue\.)?amazonaws\.com(?:\.cn)?/(\d{12})/([^/?#]+)")
_IAM_WILDCARDS = re.compile(r"[*?]")
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
               ("eu-isoe-", "aws-iso-e"), ("eusc-", "aws-eusc"))
_BAD_PIECE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
MAX_ARNS = 50  # ARNs one action of one call may expand to (lists of names); more: a wildcard


def partition_of(region: str) -> str:
    return next((p for lead, p in _PARTITIONS if region.startswith(lead)), "aws")


@dataclass
class Context:
    region: str = ""    # --region ("" = not given)
    account: str = ""   # --account


@dataclass
class Resolved:
    grants: list = field(default_factory=list)
    unknown: list = field(default_factory=list)   # Problem: calls mapped to no action
    warnings: list = field(default_factory=list)  # Problem
    origins: dict = field(default_factory=dict)   # (service, operation) -> where the mapping came from


class Resolver:
    def __init__(self, catalog, mappings, context: Context):
        self.catalog = catalog
        self.mappings = mappings
        self.context = context
        self._actions: dict = {}
        self._wheres: dict = {}
        self._matched: dict = {}

    # -- operation -> actions --------------------------------------------------------------
    def prefix(self, service: str) -> str | None:
        prefixes = self.catalog.prefixes
        name = self.mappings.services.get(service)
        candidates = [name] if name else []
        model = sdk.service(service)
        if model is not None:
            candidates += [model.signing_name, model.endpoint_prefix]
        candidates.append(service)
        return next((prefixes[c.lower()] for c in candidates if c and c.lower() in prefixes), None)

    def actions(self, service: str, operation: str):
        """(MappedAction list, origin) for an operation; ([], why) when nothing maps it."""
        key = (service, operation)
        found = self._actions.get(key)
        if found is None:
            found = self._actions[key] = self._find_actions(service, operation)
        return found

    def _find_actions(self, service: str, operation: str):
        from policy_tf.sources.code.mappings import MappedAction

        curated = self.mappings.operations.get((service, operation))
        if curated is not None:
            return list(curated), "curated: " + self.mappings.sources[(service, operation)]
        prefix = self.prefix(service)
        if prefix is None:
            return [], f"no IAM service for the SDK service {service!r}"
        from policy_tf.core.errors import NotFoundError
        from policy_tf.iamdb import query

        try:
            rows = query.operations(prefix, operation, db=self.catalog.db)
        except NotFoundError:
            rows = []
        rows = [row for row in rows if row["operation"].lower() == operation.lower()]
        names = [a for row in rows for a in row["actions"]]
        if names:
            contexts = {a: c for row in rows for a, c in row.get("context", {}).items()}
            mapped = [MappedAction(a, context=tuple((k, tuple(v)) for k, v in contexts.get(a, {}).items()))
                      for a in names]
            return mapped, \
                "the IAM database's API operations table"
        if self.catalog.expand(f"{prefix}:{operation}"):
            return [MappedAction(f"{prefix}:{operation}")], "an IAM action of the same name"
        return [], f"no IAM action for {prefix} {operation} in the curated table, the operations table or by name"

    # -- calls -> grants --------------------------------------------------------------------
    def resolve(self, calls) -> Resolved:
        out = Resolved()
        for call in calls:
            mapped, origin = self.actions(call.service, call.operation)
            out.origins[(call.service, call.operation)] = origin
            if not mapped:
                if not origin.startswith("curated"):
                    out.unknown.append(Problem(call.file, call.line,
                                               f"{call.service} {call.operation} ({call.via}): {origin}"))
                continue
            for item in mapped:
                if item.when and not _present(call.params.get(item.when)):
                    continue
                self._grant(call, item, out)
        return out

    def _grant(self, call, item, out: Resolved) -> None:
        found = self.catalog.expand(item.action)
        if not found:
            out.unknown.append(Problem(call.file, call.line, f"{item.action} (for {call.service} {call.operation}) "
                                                             "is not in the IAM database"))
            return
        prefix, name = found[0]
        action = f"{prefix}:{name}"
        level = self.catalog.level(prefix, name)
        types = [r.resource_type for r in self.catalog.rows(prefix, name) if r.resource_type]
        if not types:
            out.grants.append(Grant(action, level, "*", True, False, call, "", item.note, item.context))
            return
        where = self._where(call)
        if item.resource:
            arn, why = self._fill_template(item.resource, call, where)
            exact = not why
            if arn and not self._matches(arn, prefix, types):
                why = f"{arn} is not an ARN of a resource type {action} acts on"
                arn = ""
            if not arn:
                for arn_format in self._formats(prefix, types[:1]):
                    arn = _VARIABLE.sub(lambda m: where.get(m.group(1), "*") if m.group(1) in _WHERE else "*",
                                        arn_format)
                exact = False
            out.grants.append(Grant(action, level, arn, exact, True, call, why, item.note, item.context))
            if why:
                out.warnings.append(Problem(call.file, call.line, f"{action}: {why}"))
            return
        for arn, exact, why in self._arns(prefix, name, types, call, where):
            out.grants.append(Grant(action, level, arn, exact, False, call, why, item.note, item.context))
            if why:
                out.warnings.append(Problem(call.file, call.line, f"{action} on {arn}: {why}"))

    def _where(self, call) -> dict[str, str]:
        """Partition, Region and Account of a call's ARNs (memoized per call)."""
        found = self._wheres.get(id(call))
        if found is None or found[0] is not call:
            found = self._wheres[id(call)] = (call, self._find_where(call))
        return found[1]

    def _find_where(self, call) -> dict[str, str]:
        region = literal(call.region) if isinstance(call.region, Text) else None
        region = region or self.context.region
        account = self.context.account
        # A queue URL names its region and account.
        for value in call.params.values():
            text = literal(value) if isinstance(value, Text) else None
            match = _QUEUE_URL.match(text or "")
            if match:  # the queue's own region and account, whatever the client's or the defaults
                region = match.group(1) if match.group(1) not in (None, "queue") else region
                account = match.group(2)
        return {"Partition": partition_of(region) if region else partition_of(self.context.region),
                "Region": region or "*", "Account": account or "*"}

    def _formats(self, prefix: str, types) -> list[str]:
        return [f for t in types for f in self.catalog.formats(prefix, t)]

    def _matches(self, arn: str, prefix: str, types) -> bool:
        key = (arn, prefix, tuple(types))
        found = self._matched.get(key)
        if found is None:
            found = self._matched[key] = self._match(arn, prefix, types)
        return found

    def _match(self, arn: str, prefix: str, types) -> bool:
        from policy_tf.core.errors import InputError
        from policy_tf.iamdb.arn import parse_arn

        try:
            matched = self.catalog.match(parse_arn(arn))
        except InputError:
            return False
        return any(p == prefix and t in types for p, t in matched)

    def _arns(self, prefix: str, name: str, types: list[str], call, where: dict):
        """(ARN, exact, why) for an action of the call, over the resource types it acts on."""
        # Whole ARNs among the parameters, of a type the action acts on, are used as they are.
        whole = [(text, value) for text, value in _param_texts(call.params) if text.startswith("arn:")]
        out = []
        scored = []
        for rtype in types:
            for arn_format in self.catalog.formats(prefix, rtype):
                names = [v for v in _VARIABLE.findall(arn_format) if v not in _WHERE]
                bound = {v: self._bound(v, call) for v in names}
                score = sum(1 for v in names if bound[v])
                scored.append((rtype, arn_format, names, bound, score))
        required = {r.resource_type for r in self.catalog.rows(prefix, name) if r.required}
        full = [s for s in scored if s[2] and s[4] == len(s[2])]
        chosen = [s for s in scored if s[0] in required] + [s for s in full if s[0] not in required]
        if not chosen:
            best = max((s[4] for s in scored), default=0)
            chosen = [s for s in scored if best and s[4] == best] or scored
        for rtype, arn_format, names, bound, _score in chosen:
            direct = [(t, v) for t, v in whole if self._matches(t, prefix, [rtype])]
            if direct:
                for text, value in direct:
                    if is_partial(value):
                        out.append((text, False, f"the ARN is only partly known ({text})"))
                    elif _IAM_WILDCARDS.search(text):
                        out.append((text, False, "the name holds * or ?, which IAM reads as wildcards"))
                    else:
                        out.append((text, True, ""))
                continue
            out += self._build(arn_format, names, bound, where, prefix, rtype)
        seen, unique = set(), []
        for arn, exact, why in out:
            if arn not in seen:
                seen.add(arn)
                unique.append((arn, exact, why))
        return unique

    def _build(self, arn_format: str, names: list[str], bound: dict, where: dict, prefix: str, rtype: str):
        options: dict[str, list[tuple[str, str]]] = {}
        for variable in names:
            values = bound[variable]
            choices = []
            for value, transform in values:
                choices.append(_piece(value, transform, variable))
            if not choices:
                choices = [("*", f"no parameter of the call names its {variable}")]
            named = [c for c in choices if not c[1]]
            options[variable] = list(dict.fromkeys(named or choices))  # a value the code names beats a guess
        out = []
        location_why = [f"{k.lower()} not known (pass --{k.lower()})" for k in ("Region", "Account")
                        if f"${{{k}}}" in arn_format and where[k] == "*"]
        combinations = 1
        for v in names:
            combinations *= len(options[v])
        if combinations > MAX_ARNS:
            # Lists of many names: one wildcard for the variables that vary, said, not a cut list.
            varying = [v for v in names if len(options[v]) > 1]
            for v in varying:
                options[v] = [("*", f"more than {MAX_ARNS} combinations of {', '.join(varying)}")]

        def filled(chosen: dict, wild: list | None = None) -> str:
            """The ARN with each variable's chosen value; ``wild`` names (None: all) become ``*``."""
            def piece(m: re.Match) -> str:
                name = m.group(1)
                if name in _WHERE:
                    return where[name]
                return "*" if wild is None or name in wild else chosen[name][0]

            return _VARIABLE.sub(piece, arn_format)

        for combo in product(*(options[v] for v in names)):
            chosen = dict(zip(names, combo))
            arn = filled(chosen, [])
            whys = [w for _piece_text, w in chosen.values() if w]
            exact = not whys
            if not self._matches(arn, prefix, [rtype]):
                # A value IAM cannot match (whitespace, a control character, a separator where the
                # format has none) becomes a wildcard alone; the values that fit are kept.
                bad = [v for v in names if _BAD_PIECE.search(chosen[v][0])]
                whys.append(f"the values do not form an ARN of type {rtype}"
                            + (f" ({', '.join(bad)} holds whitespace or control characters)" if bad else ""))
                arn = filled(chosen, bad)
                if not bad or not self._matches(arn, prefix, [rtype]):
                    arn = filled(chosen)
                exact = False
            out.append((arn, exact, "; ".join(whys + (location_why if not exact else []))))
        return out

    def _bound(self, variable: str, call) -> list[tuple]:
        """(value, transform) pairs of the call's parameters that name ``variable``."""
        spec = self.mappings.parameters.get(variable)
        paths = list(spec.paths) if spec else []
        transform = spec.transform if spec else ""
        wanted = _norm(variable)
        paths += [k for k in call.params if _norm(k) == wanted and k not in paths]
        found = []
        for path in paths:
            path, _, own = path.partition("|")
            for value in _at(call.params, path):
                for option in (options(value) if isinstance(value, Choice) else (value,)):
                    found.append((option, own or transform))
        return found

    def _fill_template(self, template: str, call, where: dict) -> tuple[str, str]:
        whys = []

        def value(match) -> str:
            name = match.group(1)
            if name in ("partition", "region", "account"):
                filled = where[name.capitalize()]
                if filled == "*":
                    whys.append(f"{name} not known (pass --{name})")
                return filled
            path, _, transform = name.partition("|")
            values = _at(call.params, path)
            if not values:
                whys.append(f"the call does not name its {path}")
                return "*"
            value = as_text(values[0]) if isinstance(values[0], Choice) else values[0]
            whole = pattern(value) if isinstance(value, Text) else None
            if whole and whole.startswith("arn:") and not transform:
                text, why = whole, (f"its {path} is only partly known ({whole})" if is_partial(value) else "")
            else:
                text, why = _piece(value, transform, path)
            if why:
                whys.append(why)
            return text

        arn = _PLACEHOLDER.sub(value, template)
        if not arn.startswith("arn:"):
            return "", whys[0] if whys else f"{template} is not an ARN"
        return arn, "; ".join(whys)


def _present(value) -> bool:
    return value is not None and value is not False


_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_PATH_PARTS = re.compile(r"[^.\[\]{}]+|\[\]|\{\}")


def _norm(name: str) -> str:
    return _NOT_ALNUM.sub("", name.lower())


def _at(params: dict, path: str) -> list:
    """The values at a parameter path: "A.B" (mapping key), "A[]" (list items), "A{}" (mapping keys)."""
    current = [params]
    for part in _PATH_PARTS.findall(path):
        nxt: list = []
        for item in current:
            if part == "[]":
                nxt += item if isinstance(item, list) else []
            elif part == "{}":
                nxt += [Text((k,)) for k in item] if isinstance(item, dict) else []
            elif isinstance(item, dict) and part in item:
                nxt.append(item[part])
        current = nxt
    return [v for v in current if v is not params]


def _param_texts(params: dict):
    for value in params.values():
        for item in (value if isinstance(value, list) else [value]):
            for option in (options(item) if isinstance(item, Choice) else (item,)):
                if isinstance(option, Text) and pattern(option):
                    yield pattern(option), option


def _piece(value, transform: str, variable: str) -> tuple[str, str]:
    """(text for an ARN variable, why it is not exact or "")."""
    if transform == "instance-profile-role" and isinstance(value, dict):
        value = value.get("Name") or value.get("Arn")
    if transform == "copy-source" and isinstance(value, dict):
        bucket, key = value.get("Bucket"), value.get("Key")
        return _join_source(bucket, key)
    if not isinstance(value, Text):
        return "*", f"its {variable} is not a string the code spells out"
    text = pattern(value)
    if text is None:
        return "*", f"its {variable} is not a constant of the code"
    partial = is_partial(value)
    why = f"its {variable} is only partly known ({text})" if partial else ""
    if not partial and _IAM_WILDCARDS.search(text):
        why = f"its {variable} {text!r} holds * or ?, which IAM reads as wildcards"
    if transform == "queue-url":
        match = _QUEUE_URL.match(text)
        if match:
            return match.group(3), why
        return text.rstrip("/").rsplit("/", 1)[-1] or "*", why
    if transform == "secret-name":
        if text.startswith("arn:"):
            return text.split(":secret:", 1)[-1], why
        # A secret's ARN ends in "-" and six random characters that its name does not hold.
        return f"{text}-??????", why
    if transform == "path-and-below":
        return text.strip("/") + "*", why or "a path: the parameters under it (path*)"
    if transform == "no-leading-slash":
        return text.lstrip("/") or "*", why
    if transform == "copy-source":
        text = text.split("?versionId=", 1)[0].lstrip("/")
        return text, why
    if transform == "instance-profile-role":
        return text.rsplit("/", 1)[-1].split(":")[-1], why or "the role's name is taken to be the instance profile's"
    if text.startswith("arn:") and variable not in ("ObjectName",):
        # A parameter that takes a name or an ARN (FunctionName, TableName...): the ARN's last part.
        return re.split(r"[:/]", text)[-1] or "*", why
    return text, why


def _join_source(bucket, key) -> tuple[str, str]:
    b, bw = _piece(bucket, "", "CopySource.Bucket") if bucket is not None else ("*", "its source bucket is not known")
    k, kw = _piece(key, "", "CopySource.Key") if key is not None else ("*", "its source key is not known")
    return f"{b}/{k}", "; ".join(w for w in (bw, kw) if w)
