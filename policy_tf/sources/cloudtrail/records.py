"""CloudTrail log files, read one file at a time (local here; in S3 through ``policy_tf.aws.cloudtrail_s3``).

CloudTrail delivers a file every few minutes per region (``*.json.gz``, a ``Records`` array),
so a month is thousands of small files: streaming file by file keeps memory at one file's worth.
A file that cannot be read is reported and skipped; the others are still read.
"""
from __future__ import annotations

import json
import os
import re
import stat
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator

from policy_tf.core.errors import InputError

# CloudTrail files are a few MB uncompressed; anything far larger is not a CloudTrail file (or a
# gzip bomb), and json would need several times its size in memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
# Files above WHOLE_FROM_BYTES with more than MAX_WHOLE_VALUES JSON values (an upper bound: the
# count of '{', '[' and ',') are streamed record by record; no record may exceed MAX_RECORD_BYTES
# (CloudTrail's own events are at most 256 KB).
WHOLE_FROM_BYTES = 4 * 1024 * 1024
MAX_WHOLE_VALUES = 1_500_000
MAX_RECORD_BYTES = 1024 * 1024
NOT_A_LOG = "not a CloudTrail log file: expected a JSON object with a 'Records' list"
SUFFIXES = (".json.gz", ".json")
# AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>: the folder is the delivery day.
_DAY = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/[^/]*$")


def is_log_name(name: str) -> bool:
    """A log file's name, not a digest file's (CloudTrail-Digest/: hashes, no Records)."""
    return name.endswith(SUFFIXES) and "CloudTrail-Digest" not in name.replace(os.sep, "/")


@dataclass(frozen=True)
class LogFile:
    name: str  # as shown to the user: a path or s3://bucket/key
    key: str   # the path, or the S3 key


@dataclass(frozen=True)
class BadFile:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def delivered_before(key: str, day: str) -> bool:
    """True when the file's delivery-day folder is before ``day`` (YYYY-MM-DD).

    Every event of a file was recorded before its delivery, so such a file holds nothing at or
    after ``day``; files outside the usual layout are always read.
    """
    found = _DAY.search(key.replace(os.sep, "/"))
    return found is not None and "-".join(found.groups()) < day


class LocalSource:
    """A log file, or every log file under a folder (recursively, in sorted order)."""

    def __init__(self, path: str):
        self.path = path
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise InputError(f"{path}: no such file or folder") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
            raise InputError(f"{path}: {_not_regular(mode)}; give a log file or a folder of them")

    def files(self) -> list[LogFile]:
        if not os.path.isdir(self.path):
            return [LogFile(self.path, self.path)]
        found = []
        for folder, dirs, names in os.walk(self.path):
            dirs.sort()
            found += [p for p in (os.path.join(folder, n) for n in sorted(names)) if is_log_name(p)]
        return [LogFile(p, p) for p in found]

    def open(self, log: LogFile):
        return open_input(log.key)


def open_input(path: str):
    """A local log file opened for reading as bytes: the one place CloudTrail opens a user's file.

    The input gate's rules: a regular file only (a FIFO would hang, a device never ends),
    checked by ``stat`` before opening and again on the open file; the size cap is enforced by
    the caller while reading (``read_records``), never taken from ``st_size``.
    """
    from policy_tf.core.safeload import open_user_file

    try:
        return open_user_file(path, "CloudTrail log file")
    except InputError as exc:  # read_records' callers take ValueError/OSError as "this file is bad"
        reason = str(exc)
        raise ValueError(reason[len(path) + 2:] if reason.startswith(f"{path}: ") else reason) from None


def _not_regular(mode: int) -> str:
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file")
    return f"is {kind}, not a regular file"


def source_for(location: str):
    """The log files at ``location``: a local folder or file, or ``s3://bucket/prefix`` (read by
    ``policy_tf.aws.cloudtrail_s3``, imported only then: parsing itself never calls AWS)."""
    if location.startswith("s3://"):
        from policy_tf.aws.cloudtrail_s3 import S3Source

        return S3Source(location)
    return LocalSource(location)


def read_records(source, log: LogFile):
    """The ``Records`` of one file (a list, or an iterator for large files that are streamed);
    raises ``ValueError`` or ``OSError`` with a reason (an iterator may raise while iterated)."""
    with source.open(log) as raw:
        head = raw.read(2)
        if head == b"\x1f\x8b":
            data = gunzip(_Prepend(head, raw).read, MAX_FILE_BYTES)
        else:
            data = head + raw.read(MAX_FILE_BYTES - 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2 ** 20} MiB uncompressed; not a CloudTrail log file")
    return parse_records(data)


_CHUNK = 1 << 20  # compressed bytes read at a time: one turn for a real log file


def _inflater(fast: bool = True) -> tuple:
    """(``decompressobj``, its error) of ISA-L (the ``fast`` extra: about 5x faster than zlib on
    CloudTrail logs, the same bytes out) or of zlib."""
    if fast and USE_ISAL:
        try:
            from isal import isal_zlib

            return isal_zlib.decompressobj, isal_zlib.error
        except ImportError:
            pass
    return zlib.decompressobj, zlib.error


USE_ISAL = True  # False: zlib even where isal is installed (tests hold both to the same bytes)


def gunzip(read: Callable[[int], bytes], cap: int) -> bytes:
    """The uncompressed bytes of the gzip stream ``read`` returns, every member as gzip reads
    them, and at most ``cap + 1`` of them: a longer result means the file is over the cap.

    The compressed input is read a chunk at a time and the output is capped while inflating,
    so neither a gzip bomb nor a huge file is ever held beyond the cap. Raises ``ValueError``
    for what gzip refuses (truncated, bad checksum, trailing garbage); zero padding after the
    last member is allowed, as gzip allows it.
    """
    inflater, error = _inflater()
    out: list[bytes] = []
    size, data = 0, read(_CHUNK)
    while True:  # one gzip member per turn
        stream = inflater(31)  # 16 + 15: a gzip header and trailer, checked
        while True:
            try:
                piece = stream.decompress(data, cap + 1 - size)
            except error as exc:
                raise ValueError(f"not a valid gzip file: {exc}") from None
            out.append(piece)
            size += len(piece)
            if size > cap:  # max_length stopped it: the rest is not needed
                return b"".join(out)
            if stream.eof:
                data = stream.unused_data or read(_CHUNK)
                break
            data = read(_CHUNK)
            if not data:
                raise ValueError("not a valid gzip file: compressed data ended before the end-of-stream marker")
        if not data:
            break
        if data[:1] == b"\0":  # padding: zeros up to the end of the file, nothing else
            while data:
                if data.strip(b"\0"):
                    raise ValueError("not a valid gzip file: trailing data after the zero padding")
                data = read(_CHUNK)
            break
        if len(data) < 2:
            data += read(_CHUNK)
        if not data.startswith(b"\x1f\x8b"):
            raise ValueError("not a valid gzip file: trailing data after the last member")
    return out[0] if len(out) == 1 else b"".join(out)


def parse_records(data: bytes):
    """The ``Records`` of a log file's bytes, with memory bounded whatever the bytes hold.

    A file small enough, or with few enough JSON values, is parsed whole (a value costs at most
    ~72 bytes of memory, whatever its text). Any other file is streamed one record at a time:
    empty records (``{}``) are counted without being built, and each record is parsed from a
    window of at most ``MAX_RECORD_BYTES``, so one huge record cannot exhaust memory either.
    """
    if len(data) > WHOLE_FROM_BYTES and data.count(b"{") + data.count(b"[") + data.count(b",") > MAX_WHOLE_VALUES:
        return RecordStream(_text(data))
    fast = fast_decoder() if USE_FAST else None
    if fast is not None:
        try:
            return fast(data)
        except ValueError:  # msgspec's errors: the plain reader says exactly what is wrong, record by record
            pass
    try:
        document = json.loads(_text(data))
    except RecursionError:
        raise ValueError("nested too deeply; not a CloudTrail log file") from None
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise ValueError(NOT_A_LOG)
    return document["Records"]


# The fast reader (the ``fast`` extra: msgspec, see fastread.py); the plain reader otherwise.
USE_FAST = True
_FAST = None


def fast_decoder():
    """``decode(bytes) -> records`` of the fast reader, or None when msgspec is not installed."""
    global _FAST
    if _FAST is None:
        try:
            from policy_tf.sources.cloudtrail.fastread import decode
        except ImportError:
            _FAST = False
            return None
        _FAST = decode
    return _FAST or None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 JSON (invalid byte at offset {exc.start})") from None


_HEAD = re.compile(r'\s*\{\s*"Records"\s*:\s*\[')
_SPACE = re.compile(r"\s*")
# Up to 4,096 empty records and the comma after each; bounded, as re keeps state per repetition.
_EMPTY_RUN = re.compile(r"(?:\{\s*\}\s*,\s*){1,4096}")


class RecordStream:
    """The records of a large file, one at a time (see ``parse_records``).

    Empty records (``{}``) are not yielded: runs of them are skipped at C speed and counted in
    ``empty`` (complete once iteration has ended).
    """

    def __init__(self, text: str):
        self.text = text
        self.empty = 0
        self.records = 0  # every record, empty or not

    def __iter__(self):
        text = self.text
        head = _HEAD.match(text)
        if head is None:
            raise ValueError(NOT_A_LOG + " (a large file must start with {\"Records\": [)")
        decoder = json.JSONDecoder()
        space, empties = _SPACE.match, _EMPTY_RUN.match
        pos, comma = head.end(), False  # comma: one is due before the next record
        while True:
            pos = space(text, pos).end()
            if text.startswith("]", pos):
                if self.records and not comma:
                    raise ValueError(f"not valid JSON after record {self.records}: a ',' with no record after it")
                break
            if comma:
                if not text.startswith(",", pos):
                    raise ValueError(f"not valid JSON after record {self.records}: expected ',' or ']'")
                pos = space(text, pos + 1).end()
            run = empties(text, pos)
            if run is not None:  # empty records, each with its comma
                count = text.count("{", pos, run.end())
                self.empty += count
                self.records += count
                pos, comma = run.end(), False
                continue
            self.records += 1
            record, pos = _one_record(decoder, text, pos, self.records)
            comma = True
            yield record
        if text[pos + 1:].strip() != "}":
            raise ValueError(NOT_A_LOG + " (something follows the Records list)")


def _one_record(decoder, text: str, pos: int, number: int):
    """Record ``number`` at ``pos``, parsed from windows that double up to ``MAX_RECORD_BYTES``."""
    window = 1 << 12
    while True:
        end = min(len(text), pos + window)
        try:
            record, used = decoder.raw_decode(text[pos:end])
            return record, pos + used
        except RecursionError:
            raise ValueError(f"record {number} is nested too deeply") from None
        except ValueError as exc:
            if end == len(text) or window >= MAX_RECORD_BYTES:
                if end < len(text):
                    raise ValueError(f"record {number} is larger than {MAX_RECORD_BYTES // 2 ** 20} MiB; "
                                     "not a CloudTrail record") from None
                raise ValueError(f"not valid JSON in record {number}: {getattr(exc, 'msg', exc)}") from None
            window *= 4


def iter_files(source, files: list[LogFile], bad: list[BadFile]) -> Iterator[tuple[LogFile, list]]:
    """(file, records) for every readable file; unreadable ones are appended to ``bad``."""
    for log in files:
        try:
            records = read_records(source, log)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            bad.append(BadFile(log.name, _reason(exc)))
            continue
        except InputError as exc:  # the shared input gate's refusals name the file themselves
            reason = str(exc)
            bad.append(BadFile(log.name, reason[len(log.name) + 2:] if reason.startswith(f"{log.name}: ") else reason))
            continue
        except Exception as exc:  # botocore errors: the file is reported, the others still read
            if type(exc).__module__.startswith("botocore"):
                bad.append(BadFile(log.name, str(exc)))
                continue
            raise
        yield log, records
        del records  # before the next file is read: one file's buffers alive at a time, reused by malloc


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
    if isinstance(exc, (EOFError, zlib.error)):
        return f"not a valid gzip file: {exc}"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return str(exc)


class _Prepend:
    """A read-only stream that first returns ``head`` (the magic bytes already read)."""

    def __init__(self, head: bytes, raw):
        self.head, self.raw = head, raw

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            if size is None or size < 0:
                return out + self.raw.read()
            return out + (self.raw.read(size - len(out)) if size > len(out) else b"")
        return self.raw.read() if size is None or size < 0 else self.raw.read(size)

