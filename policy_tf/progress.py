"""Progress bars for long jobs (downloads, write-policy-dir), drawn on stderr by tqdm.

tqdm is imported only when such a job starts. A bar is drawn only on a terminal: on a log
file or a CI pipe nothing is printed, as carriage-return redraws would fill it with noise.
"""
from __future__ import annotations


def bar(total: int, label: str, unit: str, *, enabled: bool = True):
    """A tqdm bar of ``total`` items (use as a context manager, ``update()`` per finished item)."""
    from tqdm import tqdm

    # disable=None: tqdm's own rule, "draw only when the output stream is a terminal".
    return tqdm(total=total, desc=label, unit=f" {unit}", disable=None if enabled else True, leave=True)
