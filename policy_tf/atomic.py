"""Write a file whole or not at all, with the mode a plain ``open()`` would give it."""
from __future__ import annotations

import os


def file_mode(path: str) -> int:
    """The mode of the file being replaced, else 0666 less the umask (mkstemp alone gives 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text(path: str, text) -> None:
    """Replace ``path`` with ``text`` (a string, or strings written one after the other)
    atomically: readers see the old file or the new one, never half."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if isinstance(text, str):
                handle.write(text)
            else:
                from policy_tf.output import write_pieces

                write_pieces(handle, text)
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
