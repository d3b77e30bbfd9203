"""Memory settings for long batch runs: freed memory kept for reuse (glibc only; a no-op
elsewhere), and the cyclic garbage collector paused while tables of plain data grow.

glibc's malloc hands large freed blocks back to the kernel at once (above a threshold of about
1-2 MiB that it adapts). A loop that inflates and decodes one CloudTrail file after another
(about 1 MiB each) then gets fresh pages every turn, and the kernel faults and zeroes each of
them: measured on the bench's logs, 0.4 ms of a 1.25 ms file. Raising the trim and mmap
thresholds keeps those blocks in the heap for the next file. The peak is unchanged (the same
blocks are reused); only the return of memory to the kernel waits until the process ends.
"""
from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Iterator

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = False


def keep_freed_memory(threshold: int = 64 << 20) -> bool:
    """Ask glibc to keep up to ``threshold`` bytes of freed memory, and to serve blocks below
    32 MiB from the heap. True when glibc took it (False elsewhere, or when it refused)."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        _done = bool(libc.mallopt(_M_TRIM_THRESHOLD, threshold)) and bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20))
    except (OSError, AttributeError):  # not glibc (musl, or no libc.so.6): nothing to tune
        _done = False
    return _done


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (and restored as it was after).

    A scan builds hundreds of thousands of tuples, lists and dicts that never form cycles
    (plain data; nothing refers back), yet each of them counts towards the collector's next
    pass, and every full pass walks them all again: about 10% of a CloudTrail worker's time.
    Reference counting still frees everything as usual; only cycles wait for the block's end.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
