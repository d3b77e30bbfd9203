"""Policy documents in one normal shape, whatever the JSON wrote.

``Statement`` may be one object or a list; ``Action``, ``Resource`` and their ``Not``
forms a string or a list; ``Principal`` ``"*"`` or a map of lists. Normalizing never
fails: malformed parts are left out here and reported by the validity checks, which read
the raw document (``Statement.raw``) too.
"""
from __future__ import annotations

from collections import namedtuple
from types import MappingProxyType

POLICY_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                      "Resource", "NotResource", "Condition")
VERSIONS = ("2012-10-17", "2008-10-17")


_NO_CONDITION: MappingProxyType = MappingProxyType({})


class Statement(namedtuple("Statement", "index raw sid effect actions not_actions resources not_resources "
                                        "principal not_principal condition",
                           defaults=(None, None, None, None, None, None, None, None, _NO_CONDITION))):
    """One statement; ``actions``/``resources`` are None when the element is absent.

    ``not_actions``/``not_resources`` likewise; ``principal`` is a dict of
    type -> tuple of values (``"*"`` becomes ``{"*": ("*",)}``); ``condition`` the
    Condition map (empty when absent); ``raw`` the statement as the JSON wrote it.
    """

    __slots__ = ()

    @property
    def allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def deny(self) -> bool:
        return self.effect == "Deny"

    @property
    def conditional(self) -> bool:
        return bool(self.condition)


Document = namedtuple("Document", "raw version statements")


def strings(value) -> tuple | None:
    """A string or a list of strings as a tuple of the strings; anything else ()."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def principals(value) -> dict | None:
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, dict):
        return {k: strings(v) or () for k, v in value.items() if isinstance(k, str)}
    return {}


def raw_statements(document) -> list:
    """The Statement element as a list (one object becomes a list of one)."""
    if not isinstance(document, dict):
        return []
    value = document.get("Statement")
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    return []


def normalize(document) -> Document:
    statements = []
    for index, raw in enumerate(raw_statements(document)):
        if not isinstance(raw, dict):
            statements.append(Statement(index, raw))
            continue
        condition = raw.get("Condition")
        statements.append(Statement(
            index=index, raw=raw,
            sid=raw.get("Sid") if isinstance(raw.get("Sid"), str) else None,
            effect=raw.get("Effect") if isinstance(raw.get("Effect"), str) else None,
            actions=strings(raw.get("Action")), not_actions=strings(raw.get("NotAction")),
            resources=strings(raw.get("Resource")), not_resources=strings(raw.get("NotResource")),
            principal=principals(raw.get("Principal")), not_principal=principals(raw.get("NotPrincipal")),
            condition=condition if isinstance(condition, dict) else {},
        ))
    version = document.get("Version") if isinstance(document, dict) else None
    return Document(document, version if isinstance(version, str) else None, tuple(statements))
