"""AccessDenied messages, read into one typed record.

The forms AWS writes (IAM User Guide, "Troubleshoot access denied error messages"):

* ``User: ARN is not authorized to perform: ACTION [on resource: ARN] because no TYPE policy
  allows the ACTION action`` (an implicit deny: no policy of that type allows it);
* ``... with an explicit deny in a TYPE policy[: POLICY-ARN]`` (a Deny statement; since 2025
  the denying policy's ARN follows within an account or organization);
* the older form, without "because" or "with": the policy type is not said;
* the JSON that ``aws sts decode-authorization-message`` prints (``{"DecodedMessage": "..."}``),
  or the decoded document itself (``allowed``, ``explicitDeny``, ``matchedStatements``,
  ``context``).

The SDK's wrapper (``An error occurred (AccessDenied) when calling the GetObject operation:``)
is read too. Anything else is an ``InputError`` quoting the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from policy_tf.core.errors import InputError

# Policy kinds, as the messages name them.
IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"
SCP = "service control policy"
RCP = "resource control policy"
BOUNDARY = "permissions boundary"
SESSION = "session policy"
ENDPOINT = "VPC endpoint policy"
UNKNOWN = ""  # the message does not say

_KINDS = {
    "identity-based": IDENTITY, "identity based": IDENTITY,
    "resource-based": RESOURCE, "resource based": RESOURCE,
    "service control": SCP, "resource control": RCP,
    "permissions boundary": BOUNDARY, "permission boundary": BOUNDARY,
    "session": SESSION, "vpc endpoint": ENDPOINT,
}
_WRAPPER = re.compile(r"^(?:[\w.]+(?:Error|Exception):\s*)?An error occurred \((?P<code>[\w.]+)\) when calling the "
                      r"(?P<operation>\w+) operation(?: \(reached max retries: \d+\))?:\s*", re.S)
_MESSAGE = re.compile(
    r"(?:User|Principal): (?P<principal>\S+) is not authorized to perform: (?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+)"
    r"(?: on resource: (?P<resource>\"[^\"]*\"|.+?))?"
    r"(?: (?P<tail>because no .+|with an explicit deny in .+))?\s*\.?\s*$", re.S)
_IMPLICIT = re.compile(r"because no (?P<kind>.+?) (?:policy|policies)? ?allows? the (?P<action>\S+) action", re.S)
_EXPLICIT = re.compile(r"with an explicit deny in (?:a|an|the) (?P<kind>.+?)(?: policy)?(?:: (?P<arn>arn:\S+))?\s*\.?$",
                       re.S)
_ENCODED = re.compile(r"Encoded authorization failure message: \S+")


@dataclass
class Denial:
    principal: str
    action: str
    resource: str       # "" when the message names none
    kind: str           # the kind of policy that blocks (IDENTITY, SCP...), UNKNOWN when not said
    explicit: bool      # a Deny statement (True) or no Allow (False)
    policy_arn: str = ""  # the denying policy, when the message names it
    form: str = ""      # which message form was read
    operation: str = ""  # from the SDK's wrapper
    statements: list = field(default_factory=list)  # decoded messages: matched statement ids
    conditions: dict = field(default_factory=dict)  # decoded messages: request context keys


def quoted(text: str, limit: int = 300) -> str:
    shown = text.strip()
    shown = shown if len(shown) <= limit else shown[:limit] + "..."
    return repr(shown)


# AccessDenied messages are a few hundred characters (an encoded one at most 10,240); decoded
# JSON a few KiB. Longer text is no message, and would make the patterns below slow.
MAX_CHARS = 64 * 1024


def parse(text: str) -> Denial:
    """The denial a message describes; ``InputError`` quoting the text when it is none of the forms."""
    if len(text) > MAX_CHARS:
        raise InputError(f"cannot read an AccessDenied message from {quoted(text, 80)}: it is {len(text):,} characters "
                         f"long, more than any such message ({MAX_CHARS:,} at most)")
    body = text.strip()
    if body.startswith("{"):
        return _decoded(body, text)
    operation = ""
    wrapper = _WRAPPER.match(body)
    if wrapper:
        operation = wrapper.group("operation")
        body = body[wrapper.end():].strip()
    if _ENCODED.search(body):
        raise InputError(f"{quoted(text)}: the message is encoded; decode it first with "
                         "'aws sts decode-authorization-message --encoded-message ...' and pass its JSON")
    match = _MESSAGE.search(" ".join(body.split()))
    if match is None:
        raise InputError(f"cannot read an AccessDenied message from {quoted(text)}: expected 'User: ARN is not "
                         "authorized to perform: ACTION ...' or the JSON of 'aws sts decode-authorization-message'")
    resource = (match.group("resource") or "").strip().strip('"')
    tail = match.group("tail") or ""
    kind, explicit, policy_arn, form = UNKNOWN, False, "", "older form (no policy type)"
    if tail.startswith("because"):
        implicit = _IMPLICIT.match(tail)
        if implicit is None:
            raise InputError(f"cannot read the policy type of {quoted(text)}")
        kind, form = _kind(implicit.group("kind"), text), "implicit deny"
    elif tail.startswith("with"):
        deny = _EXPLICIT.match(tail)
        if deny is None:
            raise InputError(f"cannot read the policy type of {quoted(text)}")
        kind, explicit, form = _kind(deny.group("kind"), text), True, "explicit deny"
        policy_arn = deny.group("arn") or ""
    return Denial(match.group("principal"), match.group("action"), resource, kind, explicit, policy_arn, form,
                  operation)


def _kind(words: str, text: str) -> str:
    key = words.strip().lower()
    for ending in (" policy", " policies"):
        key = key.removesuffix(ending)
    found = _KINDS.get(key)
    if found is None:
        raise InputError(f"{quoted(text)}: unknown policy type {words!r}")
    return found


def _decoded(body: str, text: str) -> Denial:
    from policy_tf.core import safeload

    try:
        data = safeload.load_json(body, "<message>")
    except InputError as exc:
        raise InputError(f"cannot read an AccessDenied message from {quoted(text)}: not valid JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("DecodedMessage"), str):
        try:
            data = safeload.load_json(data["DecodedMessage"], "<DecodedMessage>")
        except InputError as exc:
            raise InputError(f"{quoted(text)}: DecodedMessage is not valid JSON ({exc})") from None
    context = data.get("context") if isinstance(data, dict) else None
    if not isinstance(context, dict) or not isinstance(context.get("action"), str):
        raise InputError(f"cannot read an AccessDenied message from {quoted(text)}: expected the JSON of "
                         "'aws sts decode-authorization-message' (context.action missing)")
    if data.get("allowed") is True:
        raise InputError(f"{quoted(text)}: the decoded message says the request was allowed; nothing to explain")
    given_principal, given_resource = context.get("principal"), context.get("resource")
    principal: dict = given_principal if isinstance(given_principal, dict) else {}
    resource: str = given_resource if isinstance(given_resource, str) else ""
    action = context["action"]
    if ":" not in action:  # some services write the bare action name: take the service from the resource
        service = resource.split(":")[2] if resource.count(":") >= 2 else ""
        if not service:
            raise InputError(f"{quoted(text)}: context.action {action!r} names no service")
        action = f"{service}:{action}"
    statements = []
    matched = data.get("matchedStatements")
    for item in _items(matched):
        if isinstance(item, dict):
            statements.append(f"{item.get('statementId') or '(no Sid)'} ({str(item.get('effect', '')).lower() or '?'})")
    conditions = {}
    for item in _items(context.get("conditions")):
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            conditions[item["key"]] = [v.get("value") for v in _items(item.get("values")) if isinstance(v, dict)]
    return Denial(str(principal.get("arn") or principal.get("id") or "?"), action, resource, UNKNOWN,
                  bool(data.get("explicitDeny")), "", "decoded authorization message", "", statements, conditions)


def _items(value) -> list:
    if isinstance(value, dict) and isinstance(value.get("items"), list):
        return value["items"]
    return []
