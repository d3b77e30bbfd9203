"""Freed memory kept for reuse in batch runs (glibc's malloc thresholds)."""
from __future__ import annotations

import sys

import pytest

from policy_tf.core import heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux only")
def test_glibc_takes_the_thresholds_once(monkeypatch):
    import ctypes

    calls = []
    real = ctypes.CDLL

    class Spy:
        def __init__(self, *args, **kwargs):
            self.libc = real(*args, **kwargs)

        def mallopt(self, option, value):
            calls.append((option, value))
            return self.libc.mallopt(option, value)

    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setattr(ctypes, "CDLL", Spy)
    assert heap.keep_freed_memory() is True
    assert calls == [(-1, 64 << 20), (-3, 32 << 20)]
    assert heap.keep_freed_memory() is True and len(calls) == 2  # once per process


def test_without_glibc_nothing_is_tuned_and_nothing_fails(monkeypatch):
    import ctypes

    def no_libc(*args, **kwargs):
        raise OSError("libc.so.6: cannot open shared object file")

    monkeypatch.setattr(heap, "_done", False)
    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert heap.keep_freed_memory() is False


def test_the_cycle_collector_pauses_for_the_block_and_comes_back():
    import gc

    assert gc.isenabled()
    with heap.no_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_already_paused_stays_paused():
    import gc

    gc.disable()
    try:
        with heap.no_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_when_the_block_fails():
    import gc

    with pytest.raises(ValueError), heap.no_cycle_collection():
        raise ValueError("bad file")
    assert gc.isenabled()
