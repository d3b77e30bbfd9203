"""A progress bar on stderr for long account runs: tqdm on a terminal, nothing elsewhere."""
from __future__ import annotations


def bar(total: int, label: str, enabled: bool, unit: str = "item"):
    """A tqdm bar when ``enabled`` and stderr is a terminal; a silent stand-in otherwise.

    tqdm is imported only here, so commands that draw no bar never pay for it.
    """
    import sys

    if not (enabled and sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=unit, leave=False)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
