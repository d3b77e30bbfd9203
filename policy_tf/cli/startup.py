"""The console script's start-up and shut-down tricks, each with the reason it pays.

Each one changes how fast a run starts or ends, never what it prints or its exit status;
tests/cli/test_startup.py runs every command output both ways (trick on, plain Python) and
compares them. Measured on the 500-policy audit (bench/cases/audit.py) and a cold
``write-policy`` (medians, 2 shared cores, December 2026):

* ``tune_gc``: audit 248 ms instead of 260 ms;
* ``end``: audit 248 ms instead of 266 ms, write-policy 59 ms instead of 65 ms;
* ``import_argparse``: write-policy 59 ms instead of 61 ms.
"""
from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at start-up
if TYPE_CHECKING:
    from typing import NoReturn

# Young objects are collected after 50,000 allocations instead of Python's 2,000 (an audit
# allocates millions that stay alive to the end, and each young collection walks them).
GC_THRESHOLD = (50_000, 20, 100)


def tune_gc() -> None:
    """Collect young objects less often (see GC_THRESHOLD)."""
    import gc

    gc.set_threshold(*GC_THRESHOLD)


def end(status: int) -> NoReturn:
    """Exit with ``status``, without tearing the interpreter down when nothing is left to run.

    Freeing every object of a large audit at exit costs time nobody waits for (mypy ends its
    runs the same way). Only when no atexit callback is registered (weakref.finalize, logging
    and multiprocessing register theirs) and no other thread runs; the caller has flushed
    stdout and stderr. Otherwise Python's own ``sys.exit``.
    """
    threading = sys.modules.get("threading")
    if _exit_callbacks() == 0 and (threading is None or threading.active_count() == 1):
        import os

        os._exit(status)
    sys.exit(status)


def _exit_callbacks() -> int:
    """How many atexit callbacks are registered; -1 when the interpreter does not tell."""
    import atexit

    count = getattr(atexit, "_ncallbacks", None)
    return count() if count is not None else -1


def import_argparse():
    """argparse, imported without gettext (and locale) when neither is loaded yet.

    argparse passes every message through gettext's global domain, and each look-up searches
    the locale folders for a catalogue. CPython ships no catalogue for argparse's messages and
    policy_tf has none, so a stand-in returning the English text changes no output. A later
    ``import gettext`` still gets the real module; with gettext already loaded, argparse uses it.
    """
    if "argparse" not in sys.modules and "gettext" not in sys.modules:
        import types

        stand_in = types.ModuleType("gettext")
        stand_in.gettext = lambda message: message
        stand_in.ngettext = lambda singular, plural, n: singular if n == 1 else plural
        sys.modules["gettext"] = stand_in
        try:
            import argparse  # noqa: F401 - binds the stand-in's functions
        except ImportError:  # a future argparse wanting more of gettext: import it as it is
            pass
        finally:
            del sys.modules["gettext"]
    import argparse

    return argparse
