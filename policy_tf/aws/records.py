"""Plans and journals as sealed records: bytes in, bytes out, and a small store to keep them in.

A record is a JSON object that carries who it is for and when it was made (``account``,
``created``) and a SHA-256 of its own content (``sha256``, over the canonical JSON of every
other field). ``seal`` adds the digest; ``unseal`` refuses a record whose digest does not
match, whose format is not the expected one, or that lacks its account or creation time.

The digest tells an edited file from the one policy_tf wrote; it is not a signature (anyone
can compute a SHA-256), which is why ``apply`` also checks what a plan would do (its own
boundary policies only, each with its self-protection) and ``rollback`` checks the account's
current state before it changes anything.

The functions here do no I/O: a store (``FileStore`` here; S3 elsewhere) keeps the bytes.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re

from policy_tf.core.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Store(Protocol):
        """Where plans and journals are kept: a folder, an S3 prefix..."""

        def read(self, name: str) -> bytes: ...
        def create(self, name: str, data: bytes) -> None: ...   # exclusive: never replaces
        def replace(self, name: str, data: bytes) -> None: ...  # durable before it returns
        def names(self) -> list[str]: ...

ACCOUNT_ID = re.compile(r"[0-9]{12}")


class Tampered(InputError):
    """A plan or journal whose content is not what policy_tf wrote."""


def _default(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _plain(record: dict) -> dict:
    """``record`` as the JSON it will be read back as (timestamps as text)."""
    return json.loads(json.dumps(record, default=_default))


def digest(record: dict) -> str:
    """SHA-256 of the canonical JSON of every field but ``sha256``."""
    body = {k: v for k, v in record.items() if k != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(record: dict) -> bytes:
    """The record, its ``sha256`` set, as UTF-8 JSON (indented: people read plans)."""
    plain = _plain(record)
    plain.pop("sha256", None)
    plain["sha256"] = digest(plain)
    return (json.dumps(plain, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse_time(text, what: str) -> datetime.datetime:
    """An ISO 8601 time with its zone, as written by ``seal``; InputError naming ``what`` otherwise."""
    try:
        moment = datetime.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InputError(f"{what}: 'created' must be an ISO 8601 time with its zone, got {str(text)[:40]!r}")
    return moment


def unseal(data: bytes, source: str, expected_format: str, what: str) -> dict:
    """The record in ``data``, checked: JSON object, format, digest, account id, creation time."""
    from policy_tf.core.safeload import load_json

    try:  # not safeload.decode: its 16 MiB template cap is too small for an organization's plan
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {source}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    record = load_json(text, source, max_chars=MAX_RECORD_BYTES)
    if not isinstance(record, dict):
        raise InputError(f"{what} {source}: not a {what} written by policy_tf (a JSON object is expected)")
    fmt = record.get("format")
    if fmt != expected_format:
        family = expected_format.rsplit("/", 1)[0]
        if isinstance(fmt, str) and fmt.startswith(family + "/"):
            raise InputError(f"{what} {source}: format {fmt} carries no account, time or SHA-256; "
                             f"policy_tf {what}s are {expected_format} now: "
                             + ("run boundary plan again" if what == "plan" else "roll back with the policy_tf "
                                "version that wrote it"))
        raise InputError(f"{what} {source}: not a {what} written by policy_tf ({expected_format})")
    stored = record.get("sha256")
    if not isinstance(stored, str) or stored != digest(record):
        raise Tampered(f"{what} {source}: its content is not what policy_tf wrote (its SHA-256 does not match): "
                       f"refused; a {what} is never edited by hand")
    account = record.get("account")
    if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
        raise InputError(f"{what} {source}: 'account' must be a 12-digit AWS account id")
    parse_time(record.get("created"), f"{what} {source}")
    if not isinstance(record.get("accounts"), list):
        raise InputError(f"{what} {source}: 'accounts' must be a list")
    return record


def check_age(record: dict, source: str, what: str, now: datetime.datetime,
              max_age: datetime.timedelta) -> None:
    """InputError if the record is older than ``max_age`` or dated in the future (beyond 5 minutes of skew)."""
    created = parse_time(record["created"], f"{what} {source}")
    age = now - created
    if age > max_age:
        raise InputError(f"{what} {source}: written {created:%Y-%m-%d %H:%M} UTC, {_span(age)} ago, older than "
                         f"--max-plan-age ({_span(max_age)}): the account may have changed since; run boundary plan "
                         "again (or raise --max-plan-age)")
    if age < -datetime.timedelta(minutes=5):
        raise InputError(f"{what} {source}: dated {created.isoformat()}, in the future: refused")


def _span(delta: datetime.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


# --- journal names: never overwritten, the latest found again -------------------------------------

def journal_name(base: str, number: int) -> str:
    """``plan.journal.json``, then ``plan.journal.2.json``, ``plan.journal.3.json``..."""
    if number == 1:
        return base
    stem, dot, extension = base.rpartition(".")
    return f"{stem}.{number}.{extension}" if dot else f"{base}.{number}"


def journal_number(base: str, name: str) -> int | None:
    """The number of ``name`` in ``base``'s series, or None if it is not in it."""
    if name == base:
        return 1
    stem, dot, extension = base.rpartition(".")
    pattern = (rf"{re.escape(stem)}\.([1-9][0-9]*)\.{re.escape(extension)}" if dot
               else rf"{re.escape(base)}\.([1-9][0-9]*)")
    found = re.fullmatch(pattern, name)
    return int(found.group(1)) if found and int(found.group(1)) > 1 else None


def next_journal(base: str, names: list[str]) -> str:
    """The first name of ``base``'s series after every one already taken."""
    taken = [n for n in (journal_number(base, name) for name in names) if n]
    return journal_name(base, max(taken, default=0) + 1)


def latest_journal(base: str, names: list[str]) -> str | None:
    taken = [n for n in (journal_number(base, name) for name in names) if n]
    return journal_name(base, max(taken)) if taken else None


class FileStore:
    """Records as files in one folder, through the one writer (synced; created exclusively)."""

    def __init__(self, folder: str):
        self.folder = folder

    def path(self, name: str) -> str:
        import os

        return os.path.join(self.folder, name)

    def read(self, name: str) -> bytes:
        return _read_regular(self.path(name))

    def create(self, name: str, data: bytes) -> None:
        from policy_tf.core.atomic import write_bytes

        write_bytes(self.path(name), data, sync=True, exclusive=True)

    def replace(self, name: str, data: bytes) -> None:
        from policy_tf.core.atomic import write_bytes

        write_bytes(self.path(name), data, sync=True)

    def names(self) -> list[str]:
        import os

        try:
            return os.listdir(self.folder or ".")
        except OSError as exc:
            raise InputError(f"{self.folder or '.'}: cannot list the folder: {exc.strerror or exc}") from None

    def check(self, names: list[str]) -> None:
        """OutputError now, before any AWS call, unless the folder exists and each of ``names``
        is missing or a regular file (a folder or link in a journal's place means something is wrong)."""
        import os
        import stat

        from policy_tf.core.atomic import OutputError

        folder = self.folder or "."
        if not os.path.isdir(folder):
            raise OutputError(folder, "the folder does not exist or is not a folder")
        for name in names:
            try:
                st = os.lstat(self.path(name))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(self.path(name), exc.strerror or str(exc)) from None
            if not stat.S_ISREG(st.st_mode):
                kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise OutputError(self.path(name), f"it is {kind}, where a journal belongs")


MAX_RECORD_BYTES = 256 * 1024 * 1024


def _read_regular(path: str) -> bytes:
    """A regular file's bytes (FIFOs, devices and folders refused before reading), capped."""
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path}: not a regular file")
        chunks: list = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_RECORD_BYTES:
                raise InputError(f"{path}: larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
            chunks.append(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
