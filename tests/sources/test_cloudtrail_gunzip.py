"""CloudTrail's gunzip: what gzip reads, read faster (ISA-L when installed), and capped while inflating."""
from __future__ import annotations

import gzip
import io
import zlib

import pytest

from policy_tf.sources.cloudtrail import records
from policy_tf.sources.cloudtrail.records import gunzip

BACKENDS = ["zlib"] + (["isal"] if records._inflater()[0] is not zlib.decompressobj else [])


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    monkeypatch.setattr(records, "USE_ISAL", request.param == "isal")
    return request.param


def _read(data: bytes, chunk: int = 7):
    """A reader that hands out ``data`` in small pieces, whatever size is asked: members, padding
    and headers then straddle reads."""
    stream = io.BytesIO(data)
    return lambda size: stream.read(min(size, chunk))


LOG = b'{"Records": [' + b",".join(b'{"eventName": "GetObject", "n": %d}' % i for i in range(500)) + b"]}"


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_one_member_gives_what_gzip_gives(backend, chunk):
    assert gunzip(_read(gzip.compress(LOG), chunk), 1 << 20) == LOG


def test_every_member_is_read_as_gzip_reads_them(backend):
    data = gzip.compress(LOG[:100]) + gzip.compress(LOG[100:])
    assert gunzip(_read(data), 1 << 20) == gzip.decompress(data) == LOG


def test_zero_padding_after_the_last_member_is_allowed(backend):
    assert gunzip(_read(gzip.compress(LOG) + b"\0" * 1000), 1 << 20) == LOG


@pytest.mark.parametrize("tail", [b"garbage", b"\0\0x", b"\x1f"])
def test_trailing_data_is_not_gzip(backend, tail):
    with pytest.raises(ValueError, match="not a valid gzip file"):
        gunzip(_read(gzip.compress(LOG) + tail), 1 << 20)


def test_a_truncated_file_is_not_gzip(backend):
    with pytest.raises(ValueError, match="ended before the end-of-stream marker"):
        gunzip(_read(gzip.compress(LOG)[:-20]), 1 << 20)


def test_a_bad_checksum_is_not_gzip(backend):
    data = bytearray(gzip.compress(LOG))
    data[-8] ^= 0xFF  # CRC32 of the trailer
    with pytest.raises(ValueError, match="not a valid gzip file"):
        gunzip(_read(bytes(data)), 1 << 20)


def test_a_gzip_bomb_stops_one_byte_past_the_cap(backend):
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)  # 64 MiB from about 64 KB
    out = gunzip(_read(bomb, 1 << 20), 1 << 20)
    assert len(out) == (1 << 20) + 1


def test_the_cap_counts_every_member(backend):
    data = gzip.compress(b"a" * 600) + gzip.compress(b"b" * 600)
    assert len(gunzip(_read(data), 1000)) == 1001


def test_isal_and_zlib_inflate_to_the_same_bytes(monkeypatch):
    if len(BACKENDS) == 1:
        pytest.skip("isal (the 'fast' extra) is not installed")
    data = gzip.compress(LOG) + gzip.compress(LOG[::-1]) + b"\0" * 3
    outs = []
    for fast in (True, False):
        monkeypatch.setattr(records, "USE_ISAL", fast)
        outs.append(gunzip(_read(data, 1 << 20), 1 << 20))
    assert outs[0] == outs[1] == gzip.decompress(data)
