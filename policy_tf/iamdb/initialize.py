"""Build an IAM database from a documentation folder, or download the documentation first."""
from __future__ import annotations

import os
from pathlib import Path

from policy_tf.errors import InputError
from policy_tf.iamdb import database
from policy_tf.iamdb.build import BuildReport, write_database

DEFAULT_DOCS_DIR = Path("..") / "shared" / "aws-docs"


def detect_format(folder: Path) -> str:
    """'json' for a Service Reference folder (service_ref.json or services/*.json), else 'html'."""
    if (folder / "service_ref.json").is_file() or (folder / "services").is_dir():
        return "json"
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


def read_services(folder: Path, source_format: str = "auto"):
    """Parse a documentation folder into (services, warnings)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: documentation folder not found")
    fmt = detect_format(folder) if source_format == "auto" else source_format
    if fmt == "json":
        from policy_tf.iamdb.sources import service_reference

        return service_reference.read_folder(folder), [], fmt
    from policy_tf.iamdb.sources import html

    services, warnings = html.read_folder(folder)
    return services, warnings, fmt


def build_from_folder(
    folder: Path,
    dest: Path,
    *,
    source_format: str = "auto",
    overrides: list = (),
    baseline: Path | None = None,
    allow_loss: bool = False,
    source_label: str | None = None,
) -> BuildReport:
    """Parse ``folder`` and write the database to ``dest`` (guarded against ``baseline``)."""
    _check_folder_for(Path(dest), f"{dest}")
    services, warnings, fmt = read_services(Path(folder), source_format)
    report = write_database(
        services, Path(dest), source=source_label or f"{fmt}: {folder}",
        overrides=overrides, warnings=warnings, baseline=baseline, max_loss=1.0 if allow_loss else 0.02,
    )
    database.reset()
    return report


def initialize(
    *,
    docs_dir: Path | None = None,
    fetch: bool = False,
    source_format: str = "auto",
    base_url: str | None = None,
    overrides: list = (),
    allow_loss: bool = False,
    timeout: float = 30.0,
    retries: int = 4,
) -> BuildReport:
    """Build the user's database in ``database.home()``; with ``fetch``, download the docs first."""
    home = Path(database.home())
    _check_folder_for(home / "iam.sqlite3", f"POLICY_TF_HOME={home}" if os.environ.get("POLICY_TF_HOME") else str(home))
    dest = Path(database.local_path())
    baseline = dest if dest.is_file() else Path(database.BUNDLED)
    label = None
    if fetch:
        from policy_tf.iamdb import fetch as fetch_mod

        fmt = "json" if source_format == "json" else "html"
        folder = Path(database.home()) / "cache" / fmt
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "json":
            url = base_url or fetch_mod.DEFAULT_JSON_INDEX
            fetch_mod.fetch_service_reference(folder, url, timeout=timeout, retries=retries)
        else:
            url = base_url or fetch_mod.DEFAULT_HTML_BASE
            fetch_mod.fetch_html_pages(folder, url, timeout=timeout, retries=retries)
        source_format, label = fmt, f"{fmt}: fetched from {url}"
    else:
        folder = docs_dir or Path(os.environ.get("POLICY_TF_DOCS_DIR") or DEFAULT_DOCS_DIR)
        if not folder.is_dir():
            raise InputError(f"documentation folder {folder} not found; pass --docs-dir DIR or --fetch")
    return build_from_folder(
        folder, dest, source_format=source_format, overrides=overrides,
        baseline=baseline, allow_loss=allow_loss, source_label=label,
    )
