"""save-template: write a template that Terraform rendered to a file, with no shell.

The ``template`` module's ``output_file`` runs ``policy_tf save-template --output PATH``
as a ``local-exec`` interpreter (a program, not ``/bin/sh``: it works on Windows and on any
runner that has policy_tf), with the YAML in ``$POLICY_TF_TEMPLATE``. The text must be a valid
policy_tf template; it is written atomically, its folder created if needed. ``--delete``
removes the file on destroy, and only a file the module wrote (it starts with the module's
header line).
"""
from __future__ import annotations

import os

from policy_tf.core.errors import InputError

HEADER = "# policy_tf template rendered by Terraform (terraform/modules/template)"
VARIABLE = "POLICY_TF_TEMPLATE"


def save(path: str, text: str) -> None:
    """Write ``text`` (a policy_tf template) to ``path`` atomically."""
    from policy_tf.core.atomic import write_text
    from policy_tf.writing import template as templates

    if not path:
        raise InputError("--output: expected a path")
    import stat

    templates.loads(text, f"${VARIABLE}")  # data, validated before anything is written
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):  # a link, a device, a folder: never replaced
            raise InputError(f"{path}: exists and is not a regular file; not replaced")
    except FileNotFoundError:
        pass
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        write_text(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write the template: {exc.strerror or exc}") from None


def delete(path: str) -> bool:
    """Remove ``path`` if it is a regular file the module wrote; True if removed."""
    import stat

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file; left alone")
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline()
    if not first.startswith(HEADER):
        raise InputError(f"{path}: not a template the template module wrote (no header line); left alone")
    os.unlink(path)
    return True
