"""Progress bars for long jobs (downloads, write-policy-dir, account runs, CloudTrail), drawn on stderr by tqdm.

tqdm is imported only when such a job starts. A bar is drawn only on a terminal: on a log
file or a CI pipe nothing is printed, as carriage-return redraws would fill it with noise.
"""
from __future__ import annotations


def bar(total: int, label: str, unit: str, *, enabled: bool = True, leave: bool = True):
    """A tqdm bar of ``total`` items (a context manager; ``update()`` per finished item, ``close()``)."""
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # an install without it (pip --no-deps) still works, without a bar
        return _NoBar()

    # disable=None: tqdm's own rule, "draw only when the output stream is a terminal".
    return tqdm(total=total, desc=label, unit=f" {unit}", disable=None, leave=leave)


class _NoBar:
    """What a disabled bar is: the calls a job makes, doing nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc) -> None:
        pass
