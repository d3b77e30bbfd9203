"""The roles, users and groups of an account, as the AWS commands see them."""
from __future__ import annotations

from dataclasses import dataclass

from policy_tf.core.errors import InputError

KINDS = ("roles", "users", "groups")
TYPE = {"roles": "role", "users": "user", "groups": "group"}
SERVICE_LINKED_PATH = "/aws-service-role/"  # AWS keeps service-linked roles there, and manages them


@dataclass(frozen=True)
class Entity:
    kind: str  # roles, users or groups
    name: str
    arn: str
    path: str
    created: object  # datetime from boto3

    @property
    def type(self) -> str:
        return TYPE[self.kind]

    @property
    def service_linked(self) -> bool:
        return self.kind == "roles" and self.path.startswith(SERVICE_LINKED_PATH)


def parse_kinds(text: str) -> tuple[str, ...]:
    """``roles,users,groups`` (any subset, any order) -> the kinds, in that canonical order."""
    wanted = {word.strip().lower() for word in text.split(",") if word.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown or not wanted:
        raise InputError(f"--entities: expected a comma-separated list of {', '.join(KINDS)}, got {text!r}")
    return tuple(k for k in KINDS if k in wanted)


def list_entities(iam, kinds=KINDS) -> list[Entity]:
    """Every entity of ``kinds``, every page, sorted by kind then name."""
    found = []
    for kind in kinds:
        operation, key, name_key = {"roles": ("list_roles", "Roles", "RoleName"),
                                    "users": ("list_users", "Users", "UserName"),
                                    "groups": ("list_groups", "Groups", "GroupName")}[kind]
        for page in iam.get_paginator(operation).paginate():
            for item in page[key]:
                found.append(Entity(kind, item[name_key], item["Arn"], item.get("Path", "/"), item.get("CreateDate")))
    return sorted(found, key=lambda e: (KINDS.index(e.kind), e.name))


def read_name_list(source: str, what: str, boto_session=None) -> list[str]:
    """Names, ARNs, globs or actions: one a line (``#`` comments), or a YAML/JSON list.

    ``source`` is a local path or ``s3://bucket/key``; either way the text goes through the
    safe reader (size cap while reading, strict UTF-8, safe_load, duplicate and depth checks).
    """
    from policy_tf.aws.s3 import is_s3_url, read_text
    from policy_tf.core import safeload

    text = read_text(source, what, boto_session) if is_s3_url(source) else safeload.read_file(source, what)
    where = f"{what} {source}"
    if text.lstrip().startswith("["):
        items = safeload.loads(text, where)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InputError(f"{where}: expected a list of strings")
        return [i.strip() for i in items if i.strip()]
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def checked_actions(actions: list[str], where: str) -> list[str]:
    """``actions`` if each is a ``service:Action`` name (wildcards allowed), else InputError naming ``where``."""
    from policy_tf.core import iamnames

    bad = [repr(a) for a in actions if not iamnames.is_pattern(a)]  # the one action grammar
    if bad:
        raise InputError(f"{where}: not service:Action names: {', '.join(bad[:5])}")
    return actions


def matches(entity: Entity, patterns: list[str]) -> bool:
    """True when a pattern (name, ``kind/name``, ARN; ``*`` globs) names ``entity``, ignoring case as IAM does."""
    from policy_tf.core.iamnames import glob

    candidates = (entity.name, f"{entity.type}/{entity.name}", entity.arn)
    return any(glob(p, c, ignore_case=True) for p in patterns for c in candidates)
