"""Write a commented, fill-in-the-blanks policy template (``policy_tf create-template``)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from policy_tf.core.errors import InputError

TEMPLATE_TYPES = ("crud", "actions")
DEFAULT_NAME = "MyPolicy"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar that loads back as the same string: plain if safe, else quoted."""
    import json

    import yaml

    # Names like "yes", "123", "a: b" or "x # y" would load as something else when plain.
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _check(template_type: str, name: str) -> None:
    if template_type not in TEMPLATE_TYPES:
        raise InputError(f"unknown template type {template_type!r}; choose one of: {', '.join(TEMPLATE_TYPES)}")
    # A line break or control character would break the YAML line the name sits on.
    if not name or not name.isprintable():
        raise InputError(f"policy name {name!r} must be non-empty and without line breaks or control characters")


def render_template(template_type: str, name: str = DEFAULT_NAME) -> str:
    """The commented YAML template of ``template_type`` (``crud`` or ``actions``) for policy ``name``."""
    _check(template_type, name)
    import jinja2  # lazily: CLI start-up time matters

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - it renders YAML, not HTML; values pass through the yaml_scalar filter
        undefined=jinja2.StrictUndefined,
    )
    env.filters["yaml_scalar"] = _yaml_scalar
    return env.get_template(f"{template_type}.yml.j2").render(name=name)


def write_template(output_file: str, template_type: str, force: bool = False, name: str = DEFAULT_NAME) -> None:
    """Write the template to ``output_file`` (``-``: stdout), atomically, never appending.

    An existing file is replaced only with ``force``; a missing folder is an error, not created.
    """
    text = render_template(template_type, name)  # first, so that bad input never touches the disk
    if output_file == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output_file)
    folder = path.parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"cannot write {output_file}: folder {str(folder)!r} {problem}; create it first")
    if path.is_dir():
        raise InputError(f"cannot write {output_file}: it is a folder")
    if os.path.lexists(path) and not force:
        raise InputError(f"{output_file} already exists; use --force to overwrite it")
    # With --force through a symlink: the file it points to is replaced (the link kept), and
    # only if that is a regular file (the one writer refuses devices, FIFOs and folders).
    target = os.path.realpath(path)
    try:
        from policy_tf.core.atomic import write_bytes

        write_bytes(target, text.encode("utf-8"), sync=True, exclusive=not force)
    except OSError as exc:
        raise InputError(f"cannot write {output_file}: {exc.strerror or exc}") from None
