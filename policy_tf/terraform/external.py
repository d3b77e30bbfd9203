"""Terraform's ``data "external"`` protocol: a JSON object of strings in, one out.

Terraform sends the data source's ``query`` map on stdin and shows the program's stderr as
the error when it exits non-zero, so every failure is one line on stderr, nothing on stdout,
and exit 2 for bad input (1 otherwise). Terraform runs this on every plan: imports stay
lazy, and only the modules that writing a policy needs are loaded.
"""
from __future__ import annotations

import re
from collections import namedtuple

from policy_tf.core.errors import PROG, InputError, PolicyTfError
from policy_tf.writing.fit import LIMITS

TYPE_CHECKING = False  # no `typing` import: it costs start-up time on every plan
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

QUERY_KEYS = ("template", "template_file", "minimize", "fit")
FIT_CHOICES = tuple(LIMITS)
_WHOLE_NUMBER = re.compile(r"[0-9]+")


# A validated query: the template text or file (one is None), and write-policy's options.
Query = namedtuple("Query", "template template_file minimize fit")


def _kind(value) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null", str: "a string"}.get(type(value), type(value).__name__)


def parse_query(raw: bytes) -> Query:
    """Validate Terraform's query: a JSON object whose values are all strings."""
    from policy_tf.core import safeload

    expected = "expected Terraform's query on standard input: a JSON object of strings"
    if len(raw) > safeload.MAX_CHARS:
        raise InputError(f"{expected}, got more than the {safeload.MAX_CHARS // (1024 * 1024)} MiB limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{expected}, got bytes that are not UTF-8") from None
    if not text.strip():
        raise InputError(f"{expected}, got nothing")
    try:
        data = safeload.load_json(text, "query")
    except safeload.NotJson as exc:
        raise InputError(f"{expected}, got invalid JSON ({str(exc).split('not valid JSON: ', 1)[-1]})") from None
    if not isinstance(data, dict):
        raise InputError(f"{expected}, got {_kind(data)}")
    unknown = sorted(k for k in data if k not in QUERY_KEYS)
    if unknown:
        raise InputError(f"query: unknown key {unknown[0]!r}; expected some of: {', '.join(QUERY_KEYS)}")
    for key, value in data.items():
        if not isinstance(value, str):
            raise InputError(f"query.{key}: expected a string, got {_kind(value)}")
    # "" counts as absent: a Terraform map cannot leave a key out conditionally, but can set it to "".
    template, template_file = data.get("template") or None, data.get("template_file") or None
    if template is not None and template_file is not None:
        raise InputError("query: give either template or template_file, not both")
    if template is None and template_file is None:
        raise InputError("query: give template (the template text) or template_file (a path)")
    return Query(template, template_file, _minimize(data.get("minimize", "")), _fit(data.get("fit", "")))


def _minimize(value: str) -> int | None:
    if value == "" or value.lower() == "false":
        return None
    if value.lower() == "true":
        return 0
    if _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    raise InputError(f'query.minimize: expected "", "true", "false" or a whole number of characters, got {value!r}')


def _fit(value: str) -> str | None:
    if value == "":
        return None
    if value not in FIT_CHOICES:
        raise InputError(f"query.fit: expected \"\" or one of {', '.join(FIT_CHOICES)}, got {value!r}")
    return value


def _templates(query: Query) -> list:
    from policy_tf.writing import template as templates

    if query.template is not None:
        return templates.loads(query.template, "query.template")
    # template.load reads stdin for "-"; here it can only mean a file of that name.
    return templates.load("./-" if query.template_file == "-" else query.template_file)


def result(query: Query) -> dict[str, str]:
    """The data source's ``result`` map for one validated query."""
    from policy_tf.writing.finish import generate
    from policy_tf.writing.render import dumps

    loaded = _templates(query)
    if len(loaded) != 1:
        source = query.template_file or "query.template"
        raise InputError(f"{source}: the template holds {len(loaded)} policies (policy_sentry's legacy layout); "
                         f"a data source writes exactly one: use one template per policy")
    generated = generate(loaded[0], query.minimize, query.fit)
    # Same value as `write-policy --fmt terraform`: with --fit that is always the list.
    policy = generated.policies if query.fit else generated.policies[0]
    sids = [s["Sid"] for p in generated.policies for s in p.get("Statement", []) if isinstance(s, dict) and "Sid" in s]
    return {
        "policy": dumps(policy, pretty=False),
        "policy_count": str(len(generated.policies)),
        "size": ",".join(str(size) for size in generated.sizes),
        "sids": ",".join(sids),
        "warnings": "\n".join(str(w) for w in generated.warnings),
    }


def run(stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO) -> int:
    """Read the query, write the result; on any error one line on stderr, exit 2 for bad input, else 1."""
    try:
        from policy_tf.core.safeload import MAX_CHARS

        data = result(parse_query(stdin.read(MAX_CHARS + 1)))
        from policy_tf.writing.render import dumps

        text = dumps(data, pretty=False) + "\n"
    except PolicyTfError as exc:
        return _fail(str(exc), stderr, exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - Terraform shows only stderr; a traceback would be noise there
        return _fail(f"internal error, please report it: {type(exc).__name__}: {exc}", stderr, 1)
    # Bytes, not text: the result must not depend on the locale's encoding.
    stdout.write(text.encode("utf-8"))
    stdout.flush()
    return 0


def _fail(message: str, stderr: TextIO, code: int) -> int:
    one_line = " ".join(line.strip() for line in message.splitlines() if line.strip())
    stderr.write(f"{PROG}: error: {one_line}\n")
    stderr.flush()
    return code
