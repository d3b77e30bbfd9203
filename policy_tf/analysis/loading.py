"""Read plain policy JSON: one file, or every ``*.json`` file of a folder.

Duplicate keys are an error (JSON allows them, IAM does not say which one wins), and
every failure is an ``InputError`` naming the file.
"""
from __future__ import annotations

import os

from policy_tf.core.errors import InputError

MAX_BYTES = 10 * 1024 * 1024  # far above AWS's largest policy (about 10 KB); stops hostile inputs
MAX_INPUT_CHARS = 256 * 1024 * 1024  # callers bound their own inputs: plans of big configurations run to tens of MB


def parse_json(text: str, source: str, max_depth: int | None = None):
    """Strict JSON through policy_tf's one loader (duplicate keys with both lines, bounded nesting;
    ``max_depth``: for a reader that bounds each value on its own, as the plan reader does)."""
    from policy_tf.core.safeload import load_json

    return load_json(text, source, max_chars=MAX_INPUT_CHARS, max_depth=max_depth)


def read_json(path: str):
    """A policy file through the input gate (regular files only, size cap while reading, strict UTF-8)."""
    from policy_tf.core.safeload import read_file

    return parse_json(read_file(path, "policy file", max_bytes=MAX_BYTES), path)


def policy_files(path: str) -> list[str]:
    """``path`` itself, or the ``*.json`` files of a folder (sorted, hidden ones skipped)."""
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.lower().endswith(".json") and not n.startswith("."))
        # Everything but folders: a FIFO or device named x.json is reported by the input gate, not skipped.
        files = [os.path.join(path, n) for n in names if not os.path.isdir(os.path.join(path, n))]
        if not files:
            raise InputError(f"{path}: no *.json policy files in this folder")
        return files
    if not os.path.exists(path) and path != "-":  # '-': standard input, through the input gate
        raise InputError(f"{path}: no such file or folder")
    return [path]
