"""Locate and open the IAM database (bundled in the package, or the user's own)."""
from __future__ import annotations

import os
from collections import namedtuple

try:
    # The C module itself: sqlite3.dbapi2 adds only date/time adapters, which this read-only
    # database never uses, and importing them (datetime) costs ~1.5 ms of every start.
    import _sqlite3 as sqlite3
except ImportError:  # an interpreter whose sqlite3 is built another way
    import sqlite3  # type: ignore[no-redef]

from policy_tf.core.errors import PolicyTfError

# Plain os.path, not pathlib: this module is on every command's start-up path.
BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bundled", "iam.sqlite3")
FILE_NAME = "iam.sqlite3"
SEP = "\n"


def home() -> str:
    """The user's policy_tf folder: $POLICY_TF_HOME, else ~/.policy_tf."""
    return os.environ.get("POLICY_TF_HOME") or os.path.join(os.path.expanduser("~"), ".policy_tf")


def local_path() -> str:
    return os.path.join(home(), FILE_NAME)


def split(text: str) -> list[str]:
    return text.split(SEP) if text else []


# kind: "bundled", "local" or "explicit" ($POLICY_TF_DATABASE); note: why a database was
# passed over, shown on stderr.
Selection = namedtuple("Selection", "path kind note", defaults=("",))


def _dates(path: str) -> tuple[str, str]:
    """(date of the data, build time) of a database; ('', '') if unreadable or absent."""
    if not os.path.isfile(path):
        return "", ""
    try:
        con = _connect(path)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('built_at', 'data_date')"))
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return "", ""
    built = meta.get("built_at", "")
    # Databases from before data dates were recorded: their build date stands in.
    return meta.get("data_date") or built[:10], built


def newest_data(local: str, bundled: str) -> str:
    """Whichever database holds the newer data (the local one on a tie)."""
    local_dates = _dates(local)
    return local if local_dates[0] and local_dates >= _dates(bundled) else bundled


def select() -> Selection:
    """Pick the database: $POLICY_TF_DATABASE, else the local one unless the bundled data is newer."""
    explicit = os.environ.get("POLICY_TF_DATABASE")
    if explicit:
        return Selection(explicit, "explicit")
    local = local_path()
    if not os.path.isfile(local):
        return Selection(BUNDLED, "bundled")
    if newest_data(local, BUNDLED) == local:
        return Selection(local, "local")
    (local_data, local_built), (bundled_data, _) = _dates(local), _dates(BUNDLED)
    note = (
        f"note: the local database {local} (data of {local_data or 'unknown date'}, built {local_built or 'unknown'}) "
        f"is older than the bundled one (data of {bundled_data}); using the bundled one. "
        "Run 'policy_tf initialize' to rebuild it or delete it."
    )
    return Selection(BUNDLED, "bundled", note)


def _connect(path: str) -> sqlite3.Connection:
    # immutable=1 skips locking and change detection: the file is only ever replaced atomically.
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    # Pages read through a memory map, not copied by a system call each (an audit reads ~1,100).
    con.execute("PRAGMA mmap_size = 268435456")
    return con


class Database:
    """A read-only connection to one IAM database file."""

    _has_carried: bool  # set on first use by query._carried_column

    def __init__(self, path, kind: str = "explicit", note: str = ""):
        self.path = str(path)
        self.kind = kind
        self.note = note
        if not os.path.isfile(self.path):
            raise PolicyTfError(
                f"IAM database not found at {self.path}; run 'policy_tf initialize' or reinstall policy_tf"
            )
        self.con = _connect(self.path)
        try:
            self.meta = dict(self.con.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise PolicyTfError(f"{self.path} is not a policy_tf IAM database ({exc})") from None

    def execute(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        return self.con.execute(sql, params)

    def close(self) -> None:
        self.con.close()


_OPEN: dict[str, Database] = {}
# The variables select() reads -> the database it chose. Choosing means a stat and two
# look-ups in the environment; 1,000 templates in one process ask 1,000 times.
_CHOSEN: dict[tuple, Database] = {}


def get() -> Database:
    """The database in use: chosen once per process and environment, opened once per file."""
    env = os.environ
    key = (env.get("POLICY_TF_DATABASE"), env.get("POLICY_TF_HOME"), env.get("HOME"))
    db = _CHOSEN.get(key)
    if db is None:
        chosen = select()
        db = _OPEN.get(chosen.path)
        if db is None:
            db = _OPEN[chosen.path] = Database(chosen.path, chosen.kind, chosen.note)
        _CHOSEN[key] = db
    return db


def reset() -> None:
    """Close opened databases and choose again (after a rebuild, or when a test changes files)."""
    for db in _OPEN.values():
        db.close()
    _OPEN.clear()
    _CHOSEN.clear()
