"""The fast reader of log files (the ``fast`` extra: msgspec).

Records are decoded into typed structs holding only the fields the analyzer reads, so the rest
of each record (request ids, user agents, response elements...) is skipped by msgspec's parser
rather than built as Python objects; the three containers the analyzer reads (userIdentity,
resources, requestParameters) stay raw JSON, decoded once per distinct value. A record this
reader cannot type (a wrong type anywhere, bad UTF-8...) makes ``decode`` raise ``ValueError``,
and the plain reader, which reports every problem record by record, reads that file instead.
"""
# No ``from __future__ import annotations``: msgspec reads these annotations as types.
from typing import List, Optional

import msgspec
from msgspec import Raw


class Record(msgspec.Struct, gc=False):  # strings, booleans and raw JSON only: no cycle possible
    eventTime: Optional[str] = None
    eventSource: Optional[str] = None
    eventName: Optional[str] = None
    eventType: Optional[str] = None
    errorCode: Optional[str] = None
    readOnly: Optional[bool] = None
    awsRegion: Optional[str] = None
    recipientAccountId: Optional[str] = None
    userIdentity: Raw = Raw()
    resources: Raw = Raw()
    requestParameters: Raw = Raw()


class LogFile(msgspec.Struct):
    Records: List[Record]


_DECODER = msgspec.json.Decoder(LogFile)
_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)


def decode(data: bytes) -> list:
    """The records of a log file's bytes, or ``ValueError``."""
    try:
        return _DECODER.decode(data).Records
    except _ERRORS as exc:
        raise ValueError(str(exc)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
