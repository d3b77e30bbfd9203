"""A tiny progress bar for long downloads, drawn on stderr.

On a terminal the bar is redrawn in place. When forced onto something that is not a
terminal (a log file, a CI pipe) it writes a single summary line when closed, because
carriage-return redraws would fill the log with noise. Otherwise it prints nothing.
"""
from __future__ import annotations

import sys
import threading
from typing import TextIO


class Progress:
    """Count finished items out of ``total``; use as a context manager."""

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        force: bool = False,
        width: int = 30,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self.width = width
        self._stream = stream if stream is not None else sys.stderr
        tty = _isatty(self._stream)
        self._live = enabled and tty
        self._summary = enabled and force and not tty
        self._last = ""
        self._lock = threading.Lock()  # advance() may be called from worker threads

    def __enter__(self) -> Progress:
        self._draw()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done = min(self.done + n, self.total)
            self._draw()

    def close(self, ok: bool = True) -> None:
        with self._lock:
            if self._live:
                # End the in-place line so later output starts on a fresh one.
                self._stream.write("\n")
                self._stream.flush()
                self._live = False
            elif self._summary:
                outcome = "" if ok else " (failed)"
                self._stream.write(f"{self._prefix()}{self.done}/{self.total}{outcome}\n")
                self._stream.flush()
                self._summary = False

    def render(self) -> str:
        """The bar as one line, e.g. ``pages [#######.....]  12/470``."""
        filled = self.width * self.done // self.total if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        digits = len(str(self.total))
        return f"{self._prefix()}[{bar}] {self.done:>{digits}}/{self.total}"

    def _prefix(self) -> str:
        return f"{self.label} " if self.label else ""

    def _draw(self) -> None:
        if not self._live:
            return
        line = self.render()
        if line != self._last:  # hundreds of updates, few visible changes
            self._stream.write("\r" + line)
            self._stream.flush()
            self._last = line


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or file-like objects without isatty
        return False
